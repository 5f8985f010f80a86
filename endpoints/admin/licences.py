"""Accepting a licence's terms before a download (issue 15): ``/admin/licence/<id>/<name>``.

A file whose licence asks for an agreement (SAITDL, a licence still to be confirmed) is
downloaded by a signed-in account that accepted its terms for that dataset
(:mod:`endpoints.files`). This page shows the terms in the reader's language, the credit the
licence requires (provider, dataset name, year) and its duties (such as marking outputs as
AI-generated); accepting writes the acceptance and its audit event
(:class:`repository.accounts.acceptances.LicenceAcceptances`) and goes on to the download. A
file of restricted access is for its agency's staff only: the page says so and offers no
acceptance to anyone else.
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request

from repository.actors import Actor
from repository.files.manifest import attribution, record_texts, year_issued
from repository.records import is_tombstone
from vocab.namespaces import DCT, FOAF

from .. import record_view as view
from ..files import file_terms
from ..records import find_public, repository
from . import bp, client, office, require


@bp.route("/admin/licence/<minted:local_id>/<path:name>", methods=["GET", "POST"],
          merge_slashes=False)
@require()
def accept_licence(actor: Actor, local_id: str, name: str) -> Response | str:
    """The terms of the file ``name`` of the published record ``local_id``; a POST accepts
    them and goes on to the download (404 no such published file, 403 restricted)."""
    found = find_public(local_id)
    if found is None or found.moved or is_tombstone(found.graph, found.id, repository().ids):
        abort(404)
    terms = file_terms(found.graph, found.id, name)
    if terms is None:
        abort(404)
    download = f"{request.script_root}/record/{found.id}/files/{name}"
    if terms.open:
        return redirect(download, 303)
    allowed = not terms.restricted or actor.speaks_for(terms.agency)
    if request.method == "POST" and allowed:
        office().acceptances.accept(actor.account, found.id, str(terms.licence), client())
        return redirect(download, 303)
    subject = repository().ids.resource(found.id)
    providers = [record_texts(found.graph, p, FOAF.name)
                 for p in found.graph.objects(subject, DCT.publisher)]
    credit = attribution(record_texts(found.graph, subject, DCT.title), providers,
                         year_issued(found.graph, subject))
    accepted = office().acceptances.accepted(actor.account, found.id, str(terms.licence))
    return Response(render_template(
        "admin/licence.html", name=name, local_id=found.id, allowed=allowed,
        licence=view.explain_licence(terms.licence) if terms.licence is not None else None,
        credit=credit, accepted=accepted, download=download,
        titles=[view.Text(str(t), t.language) for t in found.graph.objects(subject, DCT.title)]),
        200 if allowed else 403)
