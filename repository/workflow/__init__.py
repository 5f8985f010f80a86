"""The review workflow of seed 001: saving drafts, the two reviews of a publication and of a
takedown, returns with a reason, and the queues and lists of the back office.

- :mod:`.table`: the transition table (state × action → next state, the role that may);
- :mod:`.service`: :class:`~.service.Workflow`, what the web back office and ``yuliao review``
  call (``save_draft``, ``submit``, ``approve``, ``return_``, ``request_takedown``, ``queue``,
  ``records``, ``history``);
- :mod:`.history`: every save and transition as a PROV activity in the work area, and the
  published revisions a later one replaced;
- :mod:`.index` (with :mod:`.scans`): the review index the queues and lists are served from;
- :mod:`.locks`: one action at a time per record, across processes;
- :mod:`.cli`: ``yuliao review``.

Import from the modules themselves: :mod:`repository.core` imports the review index from here,
and the service imports the core, so this package imports nothing.
"""
