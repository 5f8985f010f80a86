"""The agency register in the back office (``/admin/agencies``, platform admins only): the
agencies a page at a time, and a form to add one or change one (code, names in Chinese and
English, parent agency, contact point).

These are the agencies the public pages link to (``/agency/{code}``, the ``dct:publisher`` of
their datasets) and accounts belong to: :class:`repository.accounts.AgencyRegister` writes
them to the store, and each change is written to the audit log (``agency.add``,
``agency.update``). A field that is wrong is shown at the field (400); a code registered
already is a conflict (409).
"""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from repository.accounts import Agency, AgencyRegister, AuditEvent, new_agency
from repository.actors import Actor, Role
from repository.errors import ConflictError, InputError

from . import bp, client, forget_agency_names, office, registered_agencies, require

#: Agencies on one page of the list.
PAGE = 50
FIELDS = ("code", "name_zh", "name_en", "parent", "contact_name", "contact_phone",
          "contact_email")


def register() -> AgencyRegister:
    """The register of the application's repository (read from its work area)."""
    return AgencyRegister.of(current_app.extensions["yuliao"])


@bp.get("/admin/agencies")
@require(Role.PLATFORM_ADMIN)
def agencies(actor: Actor) -> str:
    """The registered agencies by code, a page at a time (``after``: the last code shown).
    Raises InputError (400) for a cursor that is not a code."""
    after = request.args.get("after") or None
    found = register().page(after=after, limit=PAGE + 1)
    more = found[PAGE - 1].code if len(found) > PAGE else None
    return render_template("admin/agencies.html", agencies=found[:PAGE], more=more)


def form_of(agency: Agency) -> dict[str, str]:
    """The form's fields as ``agency`` fills them."""
    contact = agency.contact
    return {"code": agency.code, "name_zh": agency.name_zh, "name_en": agency.name_en,
            "parent": agency.parent or "", "contact_name": (contact and contact.name) or "",
            "contact_phone": (contact and contact.phone) or "",
            "contact_email": (contact and contact.email) or ""}


def agency_from(form: dict[str, str]) -> Agency:
    """The agency the form describes. Raises InputError naming the field."""
    return new_agency(form["code"], form["name_zh"], form["name_en"],
                      parent=form["parent"] or None, contact_name=form["contact_name"] or None,
                      contact_phone=form["contact_phone"] or None,
                      contact_email=form["contact_email"] or None)


def show_form(form: dict[str, str], *, adding: bool, errors: dict[str, str] | None = None,
              status: int = 200) -> Response:
    return make_response(render_template(
        "admin/agency_form.html", form=form, adding=adding, errors=errors or {},
        parents=[p for p in registered_agencies() if p[0] != form.get("code")]), status)


@bp.route("/admin/agencies/new", methods=["GET", "POST"])
@require(Role.PLATFORM_ADMIN)
def new_agency_page(actor: Actor) -> Response:
    """The form for a new agency; a good one is registered and the list shown."""
    if request.method == "GET":
        return show_form(dict.fromkeys(FIELDS, ""), adding=True)
    return _save(actor, adding=True)


@bp.route("/admin/agencies/<code>", methods=["GET", "POST"])
@require(Role.PLATFORM_ADMIN)
def agency_page(actor: Actor, code: str) -> Response:
    """The form of the agency ``code`` (its code cannot change). 404 for one not
    registered."""
    current = register().get(code)
    if request.method == "GET":
        return show_form(form_of(current), adding=False)
    return _save(actor, adding=False, code=current.code)


def _save(actor: Actor, *, adding: bool, code: str | None = None) -> Response:
    """Register or update the agency of the posted form, write the change to the audit log
    and go to the list; the form again with the field's message when it is refused."""
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    if code is not None:
        form["code"] = code
    try:
        agency = agency_from(form)
        saved = register().add(agency) if adding else register().update(agency)
        forget_agency_names()
    except InputError as error:
        return show_form(form, adding=adding, errors={error.field or "code": error.reason},
                         status=400)
    except ConflictError as error:
        return show_form(form, adding=adding, errors={"code": str(error)}, status=409)
    office().audit.append(AuditEvent("agency.add" if adding else "agency.update",
                                     who=actor.account, client=client(), details=saved.code))
    flash(gettext("Agency %(code)s is saved.", code=saved.code))
    return redirect(url_for("admin.agencies"))
