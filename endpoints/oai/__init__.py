"""The OAI-PMH 2.0 data provider at ``/oai`` (GET and form-encoded POST), public records only.

Answers come from the dissemination index (:mod:`repository.disseminations`), which holds only
what the public area holds; see protocol.py for the verbs, tokens.py for paging and xml.py for
the writer. Every response, OAI errors included, is HTTP 200 ``text/xml; charset=utf-8``; when
the store or the index fails the answer is 503 with ``Retry-After``, as the protocol asks.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from repository import Repository, StoreError
from repository.records import now_utc

from .protocol import Provider, respond
from .readahead import ReadAhead

bp = Blueprint("oai", __name__)
CONTENT_TYPE = "text/xml; charset=utf-8"
#: How long a client should wait when the store or the index fails (at most 3600, notes §4.8).
RETRY_AFTER_SECONDS = 60


@bp.route("/oai", methods=["GET", "POST"])
def oai() -> Response:
    """One OAI-PMH request: query arguments, plus the form body of a POST, in order."""
    pairs = list(request.args.items(multi=True))
    if request.method == "POST":
        pairs += list(request.form.items(multi=True))
    repository: Repository = current_app.extensions["yuliao"]
    try:
        config = current_app.config["YULIAO"]
        provider = Provider(repository.disseminations, config, repository.token_key(),
                            read_ahead() if config.oai.read_ahead else None)
        return Response(respond(provider, pairs, now_utc()), content_type=CONTENT_TYPE)
    except StoreError as error:  # OAI-PMH §3.1.2.2: 503 with Retry-After, not an OAI error
        return Response(f"the repository is unavailable: {error}\n", status=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                        content_type="text/plain; charset=utf-8")


def read_ahead() -> ReadAhead:
    """This application's read-ahead of list pages (see readahead.py), made on first use."""
    found = current_app.extensions.get("yuliao.oai.read_ahead")
    if found is None:
        found = current_app.extensions.setdefault("yuliao.oai.read_ahead", ReadAhead())
    return found
