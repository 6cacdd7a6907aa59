"""Open311 GeoReport v2 at /open311/v2/, in JSON and XML, over the same services as the web form."""
from __future__ import annotations

import secrets
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from webapp.api import services as o311
from webapp.api.services import Open311Error
from webapp.auth import apikeys
from webapp.errors import InputRefused, register_error_format
from webapp.extensions import csrf, limiter
from webapp.i18n import localized
from webapp.media import photo_settings
from webapp.reports import intake, notify, public
from webapp.reports.intake import NewReport
from webapp.reports.models import Report
from webapp.reports.status import OPEN_STATUSES, ReportStatus, Source
from webapp.textclean import clean_line, clean_text, xml_safe
from webapp.workorders import services as workorders

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)  # writes need an API key instead

ITEM_NAMES = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
              "values": "value", "endpoints": "endpoint", "formats": "format",
              "service_request_updates": "request_update"}


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt is None:  # an error before routing (the database down in a hook): the URL's extension decides
        fmt = "xml" if request.path.endswith(".xml") else "json"
    return fmt


def _to_xml(parent: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            child = ET.SubElement(parent, key)
            _to_xml(child, item)
    elif isinstance(value, list):
        name = ITEM_NAMES.get(parent.tag, "item")
        for item in value:
            _to_xml(ET.SubElement(parent, name), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    else:
        parent.text = xml_safe(str(value))  # stored text may hold characters XML 1.0 cannot carry


def respond(data, root: str, status: int = 200):
    """JSON as the data is; XML under the specification's root element."""
    if _fmt() == "xml":
        element = ET.Element(root)
        _to_xml(element, data)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
        return Response(body, status=status, mimetype="text/xml")
    response = jsonify(data)
    response.status_code = status
    return response


@bp.errorhandler(Open311Error)
def open311_error(exc: Open311Error):
    return respond([{"code": exc.status, "description": exc.description}], "errors", exc.status)


def _unavailable(message: str, status: int):
    return respond([{"code": status, "description": message}], "errors", status)


register_error_format(bp.url_prefix + "/", _unavailable)  # 503 (database or photo store down) as Open311 errors


@bp.before_request
def check_request():
    fmt = (request.view_args or {}).get("fmt")
    if fmt not in ("json", "xml"):
        raise Open311Error(400, "The format must be .json or .xml")
    jurisdiction = request.values.get("jurisdiction_id")
    if jurisdiction and jurisdiction != current_app.config["OPEN311_JURISDICTION"]:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction} was not found")


def _lang() -> str:
    asked = (request.values.get("locale") or request.accept_languages.best_match(["sv", "en"]) or "sv")[:2]
    return asked if asked in ("sv", "en") else "sv"


@bp.get("/discovery.<fmt>")
def discovery(fmt):
    base = url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0] + "/"
    return respond({
        "changeset": "2026-11-24T00:00:00+01:00",
        "contact": current_app.config["OPEN311_CONTACT"],
        "key_service": url_for("staff.admin_api_clients", _external=True),
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-11-24T00:00:00+01:00", "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }, "discovery")


@bp.get("/services.<fmt>")
def services(fmt):
    lang = _lang()
    return respond([o311.service(c, lang) for c in o311.active_categories()], "services")


@bp.get("/services/<code>.<fmt>")
def service_definition(code, fmt):
    category = o311.category_for_code(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} was not found")
    return respond(o311.service_definition(category, _lang()), "service_definition")


def _posted() -> MultiDict:
    """The POSTed fields without control characters: the description keeps its lines, the rest are one line."""
    return MultiDict([(clean_line(key), clean_text(value) if key == "description" else clean_line(value))
                      for key, value in request.form.items(multi=True)])


def _attributes(form: MultiDict) -> dict:
    """attribute[CODE]=VALUE, and attribute[CODE][]=VALUE for several values."""
    found = {}
    for key in form:
        if key.startswith("attribute[") and key.endswith("]"):
            code = key[len("attribute["):].split("]")[0]
            values = form.getlist(key)
            found[code] = ",".join(values) if key.endswith("[]") else values[-1]
    return found


def _coordinate(form: MultiDict, name: str, low: float, high: float) -> float | None:
    raw = form.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if not low <= value <= high or value != value:
        raise Open311Error(400, f"{name} is out of range")
    return value


@bp.post("/requests.<fmt>")
@limiter.limit(lambda: current_app.config["OPEN311_POST_LIMIT"])
def create_request(fmt):
    form = _posted()
    client = apikeys.client_for_key(form.get("api_key"))
    if client is None:
        raise Open311Error(403, "api_key is missing or not valid")
    category = o311.category_for_code(form.get("service_code"))
    if not form.get("service_code"):
        raise Open311Error(400, "service_code is required")
    if category is None:
        raise Open311Error(404, f"service_code {form.get('service_code')} was not found")
    lat, lon = _coordinate(form, "lat", -90, 90), _coordinate(form, "long", -180, 180)
    address = (form.get("address_string") or "").strip()
    if not address and form.get("address_id"):
        address = f"address_id {form.get('address_id').strip()}"  # the city's address register id
    if (lat is None or lon is None) and not address and not form.get("address_id"):
        raise Open311Error(400, "A location is required: lat and long, or address_string")
    attributes = _attributes(form)
    time_of_day = attributes.pop("time_of_day", None) or None
    rating = attributes.pop("safety_rating", None)
    try:
        rating = int(rating) if rating not in (None, "") else None
    except ValueError:
        raise Open311Error(400, "attribute[safety_rating] must be 1 to 5") from None
    upload = request.files.get("media")
    settings_max = current_app.config["MAX_PHOTO_BYTES"]
    photos = [upload.stream.read(settings_max + 1)] if upload and upload.filename else []
    name = " ".join(filter(None, [form.get("first_name", "").strip(), form.get("last_name", "").strip()]))
    data = NewReport(category_key=category.key, description=(form.get("description") or "")[:2000],
                     lat=lat if lon is not None else None, lon=lon if lat is not None else None,
                     location_text=address[:300], time_of_day=time_of_day, safety_rating=rating,
                     email=(form.get("email") or "").strip() or None, locale=_lang(), source=Source.OPEN311,
                     photos=photos, answers=attributes)

    try:
        report, token = intake.create_report(data, photo_settings(), actor=f"open311:{client.name}",
                                              allow_unplaced=True)
    except InputRefused as exc:
        raise Open311Error(400, f"{exc.field}: {exc}") from None
    report.api_client_id = client.id
    report.client_token = secrets.token_hex(16)
    report.reporter_name = name[:120] or None
    report.reporter_phone = (form.get("phone") or "").strip()[:40] or None
    media_url = (form.get("media_url") or "").strip()
    report.media_url = media_url[:500] if media_url.startswith(("http://", "https://")) else None
    report.filed_by = f"open311:{client.name}"  # with the report, in the request's one transaction

    notify.receipt(report, token)
    return respond([{"service_request_id": report.reference, "token": report.client_token,
                     "service_notice": _notice(report), "account_id": form.get("account_id") or None}],
                   "service_requests", 201)


def _notice(report: Report) -> str:
    notes = [localized(report.category.notice)] if report.category.notice else []
    if report.lat is not None:
        nearby = intake.nearby_open_reports(report.lat, report.lon, category_key=report.category.key, exclude_id=report.id)
        if nearby:
            notes.append("Similar open requests nearby: " + ", ".join(r.reference for r, _ in nearby))
    return " ".join(notes)


@bp.get("/tokens/<token>.<fmt>")
def token(token, fmt):
    report = o311.by_client_token(token)
    if report is None:
        raise Open311Error(404, f"token {token} was not found")
    return respond([{"service_request_id": report.reference, "token": token}], "service_requests")


def _media_url(report: Report) -> str | None:
    photos = public.public_photos(report)
    if not photos:
        return None
    return url_for("reports.photo", stem=photos[0].stem, size="display", _external=True)


def _request(report: Report) -> dict:
    lang = _lang()
    order = workorders.open_order_for(report)
    department = report.department or report.category.department
    notes = [h.public_note for h in report.history if h.public_note]
    return {
        "service_request_id": report.reference,
        "status": "open" if report.status in OPEN_STATUSES else "closed",
        "status_notes": notes[-1] if notes else None,
        "service_name": report.category.names.get(lang) or report.category.names["sv"],
        "service_code": report.category.key,
        "description": report.public_description or None,
        "agency_responsible": (department.names.get(lang) or department.names["sv"]) if department else None,
        "service_notice": localized(report.category.notice) or None,
        "requested_datetime": o311.w3c(report.created_at),
        "updated_datetime": o311.w3c(report.updated_at),
        "expected_datetime": o311.w3c(_end_of(order.due_date)) if order else None,
        "address": ", ".join(p for p in [report.public_location_text, report.district.name if report.district else ""] if p)
        or None,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": _media_url(report),
    }


def _end_of(day):
    from datetime import datetime, time

    return datetime.combine(day, time(16, 0), tzinfo=o311.STOCKHOLM)


def _list(name: str) -> list[str]:
    raw = request.args.get(name) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


@bp.get("/requests.<fmt>")
def list_requests(fmt):
    found = o311.find_requests(
        ids=_list("service_request_id"), service_codes=_list("service_code"),
        start=o311.parse_w3c(request.args.get("start_date"), "start_date"),
        end=o311.parse_w3c(request.args.get("end_date"), "end_date"), statuses=_list("status"))
    return respond([_request(r) for r in found], "service_requests")


@bp.get("/requests/<request_id>.<fmt>")
def show_request(request_id, fmt):
    found = o311.find_requests(ids=[request_id])
    if not found:
        raise Open311Error(404, f"service_request_id {request_id} was not found")
    return respond([_request(found[0])], "service_requests")


@bp.get("/servicerequestupdates.<fmt>")
def updates(fmt):
    """The updates extension FixMyStreet reads: every public status change in the window."""
    rows = o311.updates_between(o311.parse_w3c(request.args.get("start_date"), "start_date"),
                                o311.parse_w3c(request.args.get("end_date"), "end_date"))
    return respond([{
        "update_id": change.id, "service_request_id": report.reference,
        "status": o311.FMS_STATUS.get(change.to_status, "OPEN"), "updated_datetime": o311.w3c(change.created_at),
        "description": change.public_note or "", "media_url": _media_url(report) if change.to_status == ReportStatus.FIXED else None,
    } for change, report in rows], "service_request_updates")
