"""The back office's command line (``yuliao users``, ``yuliao agencies``) over
:mod:`repository.accounts`; its web pages are in ``endpoints/``."""
