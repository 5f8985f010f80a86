"""The dataset form of the back office (seed 001, 資料集上架 → 編輯詮釋資料): a new dataset
(``/admin/records/new``, providers), an existing one (``/admin/records/<id>/edit``: its
agency's providers edit it while the workflow lets them; its agency admin and the platform
admins see it read-only), the checks while typing (``/admin/records/check``, JSON) and the
language picker (``/admin/vocab/languages``, JSON).

Every id in a URL or form is checked against the actor's role and agency on the server
(:meth:`repository.workflow.service.Workflow.entry`, 403). "Save draft" always saves (an
invalid draft too) and shows the SHACL results at their fields; "Submit for review" saves, then
submits when the record conforms, else answers 422 with the results at their fields. The page
carries the revision it was loaded at, so a save over someone else's gets the workflow's 409.
The page works without JavaScript (checks on save); static/admin-form.js adds the checks
while typing and the language search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

import shapes
from repository import Repository
from repository.accounts import AgencyRegister
from repository.actors import Actor, Role
from repository.errors import InputError, NotFound, RepositoryError
from repository.files.distributions import add_file, stored_files
from repository.files.drafting import Draft
from repository.records import Record
from repository.workflow import form as model
from repository.workflow.index import Entry
from repository.workflow.language_choice import search
from repository.workflow.service import NEW_ID, StaleRevision
from repository.workflow.table import Action, transition_for
from vocab.namespaces import concept
from vocab.schemes import concepts, label

from ..i18n import language_code
from . import bp, require, uploads, workflow

#: The form's parts, seed 001's four pages and what a language resource adds, each with the
#: fields it holds (their order on the page is the template's).
PARTS = (
    ("name", lazy_gettext("Name and description")),
    ("tags", lazy_gettext("Classification tags")),
    ("licence", lazy_gettext("Files, licence and years")),
    ("contact", lazy_gettext("Providing agency and contact")),
    ("resource", lazy_gettext("Language resource")),
)
#: Blank rows offered below the files and contributors already given (the page works
#: without JavaScript).
SPARE_ROWS = 2
#: Fields whose messages are shown at the group that holds them.
ALIASES = {"year_start": "years", "year_end": "years"}


@dataclass
class Findings:
    """What the page shows at each field (messages in the reader's language), above the form,
    and the quality score with what would raise it."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    quality: float | None = None
    hints: list[tuple[str | None, str]] = field(default_factory=list)
    conforms: bool = False

    def add(self, where: str | None, message: str) -> None:
        """``message`` at field ``where`` (None: above the form), once."""
        where = ALIASES.get(where, where) if where else None
        target = self.fields.setdefault(where, []) if where else self.general
        if message not in target:
            target.append(message)


# -- pages ------------------------------------------------------------------------------------

@bp.route("/admin/records/new", methods=["GET", "POST"])
@require(Role.PROVIDER)
def new_record(actor: Actor) -> Response | str:
    """A new dataset: the empty form; its POST saves the first draft (a new id)."""
    if request.method == "POST":
        return _submission(actor, None)
    return _page(actor, None, None, _values(model.DatasetForm()), Findings(), status=200)


@bp.route("/admin/records/<local_id>/edit", methods=["GET", "POST"])
@require()
def edit_record(actor: Actor, local_id: str) -> Response | str:
    """A dataset's form: editable by its agency's providers while the workflow lets them save
    it, read-only for the others who may see it (403 for everyone else, 404 unknown)."""
    entry = workflow().entry(actor, local_id)
    if request.method == "POST":
        if actor.role is not Role.PROVIDER:
            abort(403)
        return _submission(actor, entry)
    record = _repository().get(local_id)
    subject = _repository().ids.resource(local_id)
    found = _findings(model.checked(record.graph, local_id, subject))
    return _page(actor, entry, record, _values(model.form_of(record.graph, subject)), found,
                 status=200, done=request.args.get("done"))


@bp.post("/admin/records/check")
@require(Role.PROVIDER)
def check_record(actor: Actor) -> Response:
    """The checks while typing: the form's fields (and ``record``, the id of the dataset being
    edited, empty for a new one) checked as a save would check them. Answers JSON: the
    messages by field and above the form in the reader's language, whether it conforms, the
    OLAC quality score, what would raise it, and the dataset's size."""
    local_id = request.form.get("record", "").strip()
    try:
        entry = workflow().entry(actor, local_id) if local_id else None
    except RepositoryError as error:
        return _refused(error)
    found = Findings()
    try:
        form = model.read_form(request.form.to_dict(flat=False))
    except model.FormInputError as error:
        form = error.form
        for problem in error.problems:
            found.add(problem.field, _in_language(problem.message_zh, problem.message_en))
    graph, subject, checked_id = _graph(actor, entry, form)
    _merge(found, model.checked(graph, checked_id, subject))
    return jsonify(fields=found.fields, general=found.general, conforms=found.conforms,
                   quality=found.quality,
                   hints=[{"field": where, "message": text} for where, text in found.hints],
                   size=model.readable_size(form.total_size))


@bp.get("/admin/vocab/languages")
@require()
def languages(actor: Actor) -> Response:
    """The language picker: ``q`` (a name in any language, or an ISO 639-3 code), ``page``
    (from 1); JSON ``{"languages": [{"code", "name"}], "page", "more"}``, 20 a page. 400
    naming the parameter for a query too long or a page out of range."""
    try:
        page = int(request.args.get("page", "1"))
        found = search(request.args.get("q", ""), page)
    except ValueError:
        return _refused(InputError("page is a number", field="page"))
    except RepositoryError as error:
        return _refused(error)
    language = language_code()
    return jsonify(languages=[{"code": item.code, "name": item.name(language)}
                              for item in found.languages],
                   page=found.page, more=found.more)


def _refused(error: RepositoryError) -> Response:
    """An error of a JSON endpoint, as JSON: its message and field, with its status."""
    response = jsonify(error=str(error), field=getattr(error, "field", None))
    response.status_code = error.status
    return response


# -- saving -----------------------------------------------------------------------------------

def _submission(actor: Actor, entry: Entry | None) -> Response | str:
    """A POST of the form: saved as a draft (then submitted when asked and it conforms)."""
    data = _without_removed(request.form.to_dict(flat=False))
    record = _repository().get(entry.local_id) if entry else None
    refusals = _sent_files(actor, data)
    try:
        form = model.read_form(data)
    except model.FormInputError as error:
        found = Findings(general=[gettext("Nothing was saved: correct the fields marked.")])
        for problem in error.problems:
            found.add(problem.field, _in_language(problem.message_zh, problem.message_en))
        return _page(actor, entry, record, data, found, status=400)
    if refusals:
        found = Findings(general=[gettext("Nothing was saved: a file was refused.")])
        for message in refusals:
            found.add("files", message)
        return _page(actor, entry, record, data, found, status=422)
    revision = _revision(data) if entry else None
    graph, subject, local_id = _graph(actor, entry, form)
    try:
        files = uploads.attached(actor, data.get("uploaded", []))
        for _upload, added in files:
            add_file(graph, subject, _repository().ids.base, local_id, added)
    except RepositoryError as error:
        found = Findings(general=[gettext("Nothing was saved: a file was refused.")])
        found.add("files", str(error))
        return _page(actor, entry, record, data, found, status=error.status)
    try:
        saved = workflow().save_draft(actor, Record(id=local_id, graph=graph), revision)
    except StaleRevision:
        found = Findings(general=[gettext(
            "This dataset was changed by someone else after you opened it, so your changes "
            "were not saved. Open it again to see its latest version.")])
        return _page(actor, entry, record, data, found, status=409)
    local_id = saved.record.id
    uploads.kept(actor, files)
    if request.form.get("action") != "submit":
        return redirect(url_for("admin.edit_record", local_id=local_id, done="saved"), 303)
    unedited = _unedited_drafts(actor, local_id, form, data)
    if unedited:
        found = _findings(model.checked(saved.record.graph, local_id,
                                        _repository().ids.resource(local_id)))
        found.general.insert(0, gettext(
            "The draft was saved, but it was not submitted: the description or keywords are "
            "still as the system drafted them. Check and correct them, then confirm below."))
        for where in unedited:
            found.add(where, gettext("Still as drafted from the files: check it, correct it "
                                     "and confirm."))
        return _page(actor, workflow().entry(actor, local_id), saved.record,
                     _values(model.form_of(saved.record.graph,
                                           _repository().ids.resource(local_id))),
                     found, status=422)
    if not saved.conforms:
        found = _findings(model.checked(saved.record.graph, local_id,
                                        _repository().ids.resource(local_id)))
        found.general.insert(0, gettext("The draft was saved, but it cannot be submitted "
                                        "until the fields marked are corrected."))
        return _page(actor, workflow().entry(actor, local_id), saved.record,
                     _values(model.form_of(saved.record.graph,
                                           _repository().ids.resource(local_id))),
                     found, status=422)
    workflow().submit(actor, local_id, expected_revision=saved.record.revision)
    return redirect(url_for("admin.edit_record", local_id=local_id, done="submitted"), 303)


def _graph(actor: Actor, entry: Entry | None, form: model.DatasetForm
           ) -> tuple[Graph, URIRef, str]:
    """The record's graph with the form written into it (a new record's: under NEW_ID), its
    resource and its id, the providing agency the record's (a new record's: the actor's)."""
    local_id = entry.local_id if entry else NEW_ID
    subject = _repository().ids.resource(local_id)
    base = (_repository().get(local_id).graph if entry
            else model.new_description(subject, local_id))
    graph = model.written(form, base, subject)
    agency_code = entry.agency if entry else actor.agency
    if agency_code:
        agency = AgencyRegister.of(_repository()).get(agency_code)
        model.with_agency(graph, subject, URIRef(f"{_repository().ids.base}agency/{agency_code}"),
                          agency.name_zh, agency.name_en, agency.code)
    return graph, subject, local_id


def _revision(data: dict[str, list[str]]) -> int:
    """The revision the page was loaded at. Raises InputError naming ``revision``."""
    text = (data.get("revision") or [""])[0]
    if not text.isdigit():
        raise InputError("the form lost the revision it was loaded at; open it again",
                         field="revision")
    return int(text)


def _without_removed(data: dict[str, list[str]]) -> dict[str, list[str]]:
    """The form's values without the file rows whose ``file_node`` is marked
    ``file_remove``."""
    removed = set(data.get("file_remove", []))
    nodes = data.get("file_node", [])
    if not removed:
        return data
    keep = [i for i, node in enumerate(nodes) if node not in removed]
    for name in ("file_name", "file_format", "file_size", "file_node"):
        values = data.get(name, [])
        data[name] = [values[i] for i in keep if i < len(values)]
    return data


def _sent_files(actor: Actor, data: dict[str, list[str]]) -> list[str]:
    """The files sent with the form itself (a page without JavaScript) taken in as uploads:
    each accepted one joins ``data["uploaded"]`` (so that a page shown again keeps it); the
    refusals, as the page says them."""
    sent = [part for part in request.files.getlist("file") if part.filename]
    if sent and actor.role is not Role.PROVIDER:
        abort(403)
    refusals = []
    for part in sent:
        try:
            upload = uploads.received(actor, part.filename, part.stream)
        except RepositoryError as error:
            refusals.append(f"{part.filename}: {uploads.refusal_of(error)['message']}")
            continue
        if upload.state == "ready":
            data.setdefault("uploaded", []).append(upload.id)
        else:
            refusals.append(f"{upload.name}: {uploads.refusal(**upload.result)['message']}")
    return refusals


def _unedited_drafts(actor: Actor, local_id: str, form: model.DatasetForm,
                     data: dict[str, list[str]]) -> list[str]:
    """The fields (description, keywords) still exactly as the system drafted them from the
    files, unless the provider confirmed them (``drafts_checked``): a draft is never
    submitted unread (seed 001: 請確認上述系統產製內容是否正確並予以編修)."""
    if data.get("drafts_checked"):
        return []
    offered = uploads.offered_draft(actor, local_id, [], form.title_zh)
    if offered is None:
        return []
    unedited = []
    if form.description and form.description.split() == offered.description.split():
        unedited.append("description")
    if form.keywords and tuple(form.keywords) == offered.keywords:
        unedited.append("keywords")
    return unedited


# -- showing ----------------------------------------------------------------------------------

def _page(actor: Actor, entry: Entry | None, record: Record | None,
          values: dict[str, list[str]], found: Findings, *, status: int,
          done: str | None = None) -> Response:
    """The form page with ``values`` in its fields and ``found`` at them."""
    editable = _may(actor, Action.SAVE, entry)
    ready = _ready_uploads(actor, values.get("uploaded", []))
    return Response(render_template(
        "admin/form.html", entry=entry, record=record, values=values, found=found,
        editable=editable, may_submit=editable and _may(actor, Action.SUBMIT, entry),
        revision=_shown_revision(values, record),
        note=entry.note if entry and entry.note and entry.state == "in-revision" else None,
        state=_state_label(entry.state) if entry else None, agency=_agency_name(actor, entry),
        choices=_choices(), parts=dict(PARTS), done=done,
        size=model.readable_size(sum(_int(v) for v in values.get("file_size", []))),
        file_rows=_rows(values, ("file_name", "file_format", "file_size", "file_node")),
        contributor_rows=_rows(values, ("contributor_name", "contributor_role")),
        stored=_stored(record), ready=ready, max_body=model.readable_size(_body_limit()),
        chunk=_body_limit(),
        offered=_offered(actor, entry, ready, values) if editable else None), status)


def _stored(record: Record | None) -> dict[str, dict[str, str]]:
    """The uploaded files of ``record`` by their node's fragment: SHA-256 and tokens (the
    form shows them as they are, not as fields to edit)."""
    if record is None:
        return {}
    subject = _repository().ids.resource(record.id)
    return {file.fragment: {"sha256": file.sha256, "tokens": file.tokens}
            for file in stored_files(record.graph, subject)}


def _ready_uploads(actor: Actor, upload_ids: list[str]) -> list[dict]:
    """The ready uploads the page carries (sent before a save that failed), as JSON."""
    found = []
    for upload_id in dict.fromkeys(upload_ids):
        try:
            found.append(uploads.described(uploads.own(actor, upload_id)))
        except RepositoryError:
            continue
    return [upload for upload in found if upload["state"] == "ready"]


def _offered(actor: Actor, entry: Entry | None, ready: list[dict],
             values: dict[str, list[str]]) -> Draft | None:
    """The keywords and description drafted from the dataset's files, when it has any."""
    try:
        return uploads.offered_draft(actor, entry.local_id if entry else "",
                                     [upload["id"] for upload in ready],
                                     (values.get("title_zh") or [""])[0])
    except RepositoryError:
        return None


def _body_limit() -> int:
    """The largest request body (the size of an upload's parts)."""
    return current_app.config.get("MAX_CONTENT_LENGTH") or 1 << 20


def _shown_revision(values: dict[str, list[str]], record: Record | None) -> str:
    """The revision the page carries: the one it was sent with when it comes back after a
    failed POST (so a page loaded before another save stays stale), else the record's."""
    sent = (values.get("revision") or [""])[0]
    if sent.isdigit():
        return sent
    return str(record.revision) if record else ""


def _may(actor: Actor, action: Action, entry: Entry | None) -> bool:
    """True when the workflow lets ``actor`` take ``action`` on the record now."""
    try:
        transition_for(actor, action, entry.local_id if entry else "(new)",
                       entry.state if entry else None, entry.agency if entry else actor.agency)
    except RepositoryError:
        return False
    return True


def _values(form: model.DatasetForm) -> dict[str, list[str]]:
    """The form's values as the page's fields hold them (what a browser would send back)."""
    return {
        "title_zh": [form.title_zh], "title_en": [form.title_en],
        "description": [form.description], "description_en": [form.description_en],
        "keywords": [", ".join(form.keywords)], "text_types": list(form.text_types),
        "domains": list(form.domains), "languages": [" ".join(form.languages)],
        "file_name": [row.name for row in form.files],
        "file_format": [row.format for row in form.files],
        "file_size": [str(row.byte_size) if row.byte_size is not None else ""
                      for row in form.files],
        "file_node": [row.node for row in form.files], "licence": [form.licence],
        "validity": [form.validity], "valid_until": [_year(form.valid_until)],
        "year_start": [_year(form.year_start)], "year_end": [_year(form.year_end)],
        "contact_name": [form.contact_name], "contact_phone": [form.contact_phone],
        "contact_email": [form.contact_email],
        "subject_languages": [" ".join(form.subject_languages)],
        "linguistic_type": [form.linguistic_type],
        "contributor_name": [c.name for c in form.contributors],
        "contributor_role": [c.role for c in form.contributors],
        "access_condition": [form.access_condition],
    }


def _rows(values: dict[str, list[str]], names: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a repeated group (files, contributors), then :data:`SPARE_ROWS` blank."""
    count = max((len(values.get(name, [])) for name in names), default=0)
    rows = [{name: (values.get(name, [])[i] if i < len(values.get(name, [])) else "")
             for name in names} for i in range(count)]
    rows = [row for row in rows if any(row[name] for name in names[:-1] or names)]
    return rows + [dict.fromkeys(names, "") for _ in range(SPARE_ROWS)]


def _year(value: int | None) -> str:
    return f"{value:04d}" if value is not None else ""


def _int(text: str) -> int:
    """A file size as typed, in bytes; 0 when it cannot be read."""
    return (model.byte_count(text) or 0) if text else 0


def _findings(checked: model.Checked) -> Findings:
    found = Findings()
    _merge(found, checked)
    return found


def _merge(found: Findings, checked: model.Checked) -> None:
    """The SHACL results at their fields (but at a field whose value could not be read, which
    already says why), the quality score and its hints, in the reader's language."""
    unreadable = set(found.fields)
    for violation in checked.violations:
        where = model.field_of(violation.path)
        if where not in unreadable:
            found.add(where, _in_language(violation.message_zh, violation.message_en))
    found.quality, found.conforms = checked.quality, checked.conforms and not unreadable
    found.hints = [(hint.field, _in_language(hint.message_zh, hint.message_en))
                   for hint in checked.hints]


def _in_language(zh: str, en: str) -> str:
    """The text in the page's language (the other when it has none)."""
    return (zh or en) if language_code().startswith("zh") else (en or zh)


def _choices() -> dict[str, list[tuple[str, str]]]:
    """The pickers' options: code and label in the page's language, from vocab/; the tags
    and licences in the order of the shapes' lists (seed 001's order, 其他 last)."""
    language = language_code()
    return {name: [(code, label(str(iri), language) or code)
                   for code, iri in sorted(concepts(scheme).items(),
                                           key=lambda item: _shape_position(item[1]))]
            for name, scheme in (("text_types", "text-type"), ("domains", "application-domain"),
                                 ("licence", "licence"),
                                 ("linguistic_type", "olac-linguistic-type"),
                                 ("contributor_role", "olac-role"),
                                 ("access_condition", "access-condition"))} | {
        "file_format": [(name, name) for name in model.FORMATS]}


@cache
def _shape_order() -> dict[Node, int]:
    """The position of each concept in the sh:in lists of the dataset shape's properties."""
    graph, order = shapes.load(), {}
    with shapes.LOCK:
        for listed in graph.objects(None, SH["in"]):
            for position, member in enumerate(Collection(graph, listed)):
                order.setdefault(member, position)
    return order


def _shape_position(iri: Node) -> tuple[int, str]:
    return (_shape_order().get(iri, len(_shape_order())), str(iri))


def _state_label(state: str) -> str:
    return label(str(concept("record-state", state)), language_code()) or state


def _agency_name(actor: Actor, entry: Entry | None) -> str:
    """The providing agency as the page names it (the record's; a new record's: the
    actor's), in the page's language."""
    code = entry.agency if entry else actor.agency
    if not code:
        return ""
    try:
        agency = AgencyRegister.of(_repository()).get(code)
    except NotFound:
        return code
    name = agency.name_zh if language_code().startswith("zh") else agency.name_en
    return f"{name or agency.name_zh} ({code})"


def _repository() -> Repository:
    return current_app.extensions["yuliao"]
