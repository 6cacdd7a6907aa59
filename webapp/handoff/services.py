"""The hand-off's rules: which target a report goes to, sending it (a structured mail, or an Open311 POST through
the bounded client webapp.outbound) with retries, and taking status changes back from Open311 targets.

Services change state and flush; the job step or request commits (webapp.unitofwork). A send records its outcome
in the same step as the attempt, so a report is never lost: it is waiting (with the next attempt's time and the
last reason), sent (with the other system's id) or failed (with the reason), and staff can send it again."""
from __future__ import annotations

import ipaddress
import json
import re
import socket
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from webapp import audit, outbound
from webapp.assets import services as assets
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.handoff.models import METHODS, HandoffRoute, HandoffTarget, ReportHandoff
from webapp.i18n import localized
from webapp.mail import send_mail
from webapp.reports import lifecycle, public
from webapp.reports.models import Category, Department, Report
from webapp.reports.status import CLOSED_STATUSES, OPEN_STATUSES, ReportStatus, can_change
from webapp.textclean import clean_line
from webapp.timeutil import as_utc, utcnow

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 10          # then the hand-off is failed, with the last reason; staff can send it again
NEW_REPORTS_WINDOW = timedelta(days=2)  # reports routed on their own only while this new
LEASE = timedelta(minutes=2)  # one attempt holds its hand-off this long (the POST's deadline is far shorter)
BATCH = 50                 # ids per request when asking a target for updates
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- Configuration: targets and routes -------------------------------------------------------------------------

def targets() -> list[HandoffTarget]:
    return list(db.session.execute(select(HandoffTarget).order_by(HandoffTarget.name)).scalars())


def target_by_name(name: str) -> HandoffTarget | None:
    return db.session.execute(select(HandoffTarget).where(HandoffTarget.name == name)).scalar_one_or_none()


def parse_service_codes(text: str) -> dict[str, str]:
    """`category_key=code` per line (or comma) into a mapping; every key must be a category. InputRefused names
    the line that is wrong."""
    known = set(db.session.execute(select(Category.key)).scalars())
    codes = {}
    for part in re.split(r"[\n,]", text or ""):
        part = clean_line(part).strip()
        if not part:
            continue
        key, sep, code = (p.strip() for p in part.partition("="))
        if not sep or not key or not code:
            raise InputRefused("service_codes", _l("Write one category=code per line: %(line)s", line=part))
        if key not in known:
            raise InputRefused("service_codes", _l("There is no category %(key)s.", key=key))
        codes[key] = code[:100]
    return codes


def endpoint_problem(endpoint: str):
    """Why this Open311 address may not be used (None: it may): https, a host name and a path only (no user,
    query or fragment), and a host that is on the internet, not this machine or its network, unless
    HANDOFF_ALLOW_LOCAL_ENDPOINTS (development and tests). Checked when saved and again before each request."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        port, parts = None, None
    allow_local = current_app.config["HANDOFF_ALLOW_LOCAL_ENDPOINTS"]
    schemes = ("https", "http") if allow_local else ("https",)
    if parts is None or parts.scheme not in schemes or not parts.hostname or parts.username or parts.password \
            or parts.query or parts.fragment or "#" in endpoint or "?" in endpoint:
        return _l("Give the Open311 address as https://host/path/, without a user name, ? or #.")
    if allow_local:
        return None
    try:
        found = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return _l("The Open311 address's host name is not known.")
    for address in found:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return _l("The Open311 address must be on the internet, not this server or its own network.")
    return None


def save_target(*, actor: str, name: str, method: str, email: str = "", endpoint: str = "", api_key: str | None = None,
                jurisdiction_id: str = "", service_codes: dict | None = None, active: bool = True,
                target: HandoffTarget | None = None) -> HandoffTarget:
    """Create or change a target. An e-mail target needs an address; an Open311 target an http(s) endpoint (the
    base that requests.json is under) and a key. `api_key=None` keeps the stored key. InputRefused otherwise."""
    name = clean_line(name or "").strip()[:120]
    if not name:
        raise InputRefused("name", _l("Give the receiving system a name."))
    if method not in METHODS:
        raise InputRefused("method", _l("Choose how reports are sent."))
    other = target_by_name(name)
    if other is not None and other is not target:
        raise InputRefused("name", _l("There is already a receiving system with that name."))
    email = (email or "").strip()
    endpoint = (endpoint or "").strip()
    if method == "email" and not EMAIL_RE.match(email):
        raise InputRefused("email", _l("Give the e-mail address that takes the reports."))
    if method == "open311":
        problem = endpoint_problem(endpoint)
        if problem:
            raise InputRefused("endpoint", problem)
        moved = target is not None and target.endpoint and target.endpoint != endpoint.rstrip("/") + "/"
        if not (api_key or (target and target.api_key and not moved)):
            # A new address gets the key again from the person who sets it: a kept key never follows an address
            # change to somewhere else.
            raise InputRefused("api_key", _l("Give the API key the other system gave you (again when the address "
                                             "changes)."))
    created = target is None
    if created:
        target = HandoffTarget(name=name, method=method)
        db.session.add(target)
    target.name, target.method, target.email = name, method, email if method == "email" else ""
    target.endpoint = endpoint.rstrip("/") + "/" if method == "open311" else ""
    if api_key:
        target.api_key = api_key.strip()
    target.jurisdiction_id = clean_line(jurisdiction_id or "").strip()[:100]
    target.service_codes = service_codes or {}
    target.active = active
    db.session.flush()
    audit.record("handoff_target", target.id, "created" if created else "saved", actor, name=name)
    return target


def route_for(*, department_code: str | None = None, category_id: int | None = None) -> HandoffRoute | None:
    column, value = (HandoffRoute.category_id, category_id) if category_id else \
        (HandoffRoute.department_code, department_code)
    return db.session.execute(select(HandoffRoute).where(column == value)).scalar_one_or_none()


def set_route(*, actor: str, department_code: str | None = None, category_key: str | None = None,
              target: HandoffTarget | None = None, handled_here: bool = False) -> HandoffRoute | None:
    """Send a department's or a category's new reports to `target`; `handled_here` says none (a category kept
    here although its department sends); neither removes the route (a category follows its department again)."""
    category = None
    if category_key:
        category = db.session.execute(select(Category).where(Category.key == category_key)).scalar_one_or_none()
        if category is None:
            raise InputRefused("scope", _l("There is no category %(key)s.", key=category_key))
    elif department_code is None or db.session.get(Department, department_code) is None:
        raise InputRefused("scope", _l("Choose a department or a category."))
    route = route_for(department_code=department_code, category_id=category.id if category else None)
    scope = f"category:{category.key}" if category else f"department:{department_code}"
    if target is None and not handled_here:
        if route is not None:
            db.session.delete(route)
            audit.record("handoff_route", route.id, "deleted", actor, applies_to=scope)
        db.session.flush()
        return None
    if route is None:
        route = HandoffRoute(department_code=None if category else department_code,
                             category_id=category.id if category else None)
        db.session.add(route)
    if route.target_id != (target.id if target else None):
        route.since = utcnow()
    route.target = target
    db.session.flush()
    audit.record("handoff_route", route.id, "saved", actor, applies_to=scope, system=target.name if target else "")
    return route


def routes() -> list[HandoffRoute]:
    return list(db.session.execute(select(HandoffRoute).order_by(HandoffRoute.department_code,
                                                                 HandoffRoute.category_id)).scalars())


def route_of(report: Report) -> HandoffRoute | None:
    """The route that decides a report: its category's, else its department's (or its category's department)."""
    route = route_for(category_id=report.category_id)
    if route is None:
        department = report.department_code or report.category.department_code
        route = route_for(department_code=department) if department else None
    return route


def target_for(report: Report) -> HandoffTarget | None:
    route = route_of(report)
    target = route.target if route is not None else None
    return target if target is not None and target.active else None


def handoff_of(report: Report) -> ReportHandoff | None:
    return db.session.execute(select(ReportHandoff).where(ReportHandoff.report_id == report.id)).scalar_one_or_none()


# --- Sending ---------------------------------------------------------------------------------------------------

def queue_new_reports(now: datetime | None = None, limit: int = 200) -> int:
    """Give each new public report whose route has a target a waiting hand-off (once). Only reports that came
    in after their route was set, and within NEW_REPORTS_WINDOW; staff send older ones by hand."""
    now = now or utcnow()
    earliest = db.session.execute(select(func.min(HandoffRoute.since)).where(HandoffRoute.target_id.is_not(None))).scalar()
    if earliest is None:
        return 0
    start = max(as_utc(earliest), now - NEW_REPORTS_WINDOW)
    has_handoff = select(ReportHandoff.id).where(ReportHandoff.report_id == Report.id).exists()
    candidates = db.session.execute(
        select(Report).where(Report.created_at >= start, Report.hidden.is_(False), Report.merged_into_id.is_(None),
                             ~has_handoff).order_by(Report.id).limit(limit)).scalars()
    queued = 0
    for report in candidates:
        route = route_of(report)
        if route is None or route.target is None or not route.target.active or \
                as_utc(report.created_at) < as_utc(route.since):
            continue
        db.session.add(ReportHandoff(report_id=report.id, target_id=route.target.id, state="waiting",
                                     next_attempt_at=now))
        queued += 1
    db.session.flush()
    return queued


def due(now: datetime | None = None, limit: int = 50) -> list[ReportHandoff]:
    now = now or utcnow()
    return list(db.session.execute(select(ReportHandoff).where(ReportHandoff.state == "waiting",
                                                               ReportHandoff.next_attempt_at <= now)
                                   .order_by(ReportHandoff.next_attempt_at, ReportHandoff.id).limit(limit)).scalars())


def take(handoff: ReportHandoff, now: datetime | None = None) -> bool:
    """Hold a due hand-off for one attempt (its next attempt moved LEASE ahead, by a conditional UPDATE): of two
    send jobs running at once exactly one sends it. The caller commits before it sends."""
    now = now or utcnow()
    taken = db.session.execute(
        update(ReportHandoff).where(ReportHandoff.id == handoff.id, ReportHandoff.state == "waiting",
                                    ReportHandoff.next_attempt_at == handoff.next_attempt_at)
        .values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False)).rowcount == 1
    if taken:
        handoff.next_attempt_at = now + LEASE
    return taken


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the first, second, third failed attempt; at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


class _Refused(Exception):
    """The other system said no (a 4xx): trying again will not help."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class _NotNow(Exception):
    """No usable answer (down, a 5xx, nonsense): try again later."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def send(handoff: ReportHandoff, now: datetime | None = None) -> str:
    """Try one hand-off now and record the outcome on it: sent (with the external id), waiting again (the next
    attempt later each time, the reason kept) or failed (a refusal, or MAX_ATTEMPTS tries). Returns the state."""
    now = now or utcnow()
    report = db.session.get(Report, handoff.report_id)
    target = handoff.target
    handoff.attempts += 1
    try:
        if not target.active:
            raise _Refused(_("The receiving system is switched off."))
        external_id = _send_mail(report, target) if target.method == "email" else _post_open311(report, target)
    except _Refused as exc:
        handoff.state, handoff.error_kind, handoff.error_detail = "failed", "refused", exc.detail[:2000]
    except _NotNow as exc:
        handoff.error_kind, handoff.error_detail = exc.kind, exc.detail[:2000]
        if handoff.attempts >= MAX_ATTEMPTS:
            handoff.state = "failed"
        else:
            handoff.state, handoff.next_attempt_at = "waiting", now + retry_delay(handoff.attempts)
    else:
        external_id, handoff.external_token = external_id if isinstance(external_id, tuple) else (external_id, "")
        handoff.state, handoff.external_id, handoff.sent_at = "sent", external_id[:100], now
        handoff.error_kind, handoff.error_detail = "", ""
        audit.record("report", report.id, "handed_off", f"handoff:{target.name}"[:120], system=target.name,
                     **({"external_id": external_id} if external_id else {}))
    db.session.flush()
    return handoff.state


def _position(report: Report) -> dict:
    if report.lat is None or report.lon is None:
        return {}
    easting, northing = geo.to_sweref(report.lon, report.lat)
    return {"lat": f"{report.lat:.6f}", "lon": f"{report.lon:.6f}", "e": f"{easting:.0f}", "n": f"{northing:.0f}"}


def _photo_links(report: Report) -> list[str]:
    return [url_for("reports.photo", stem=p.stem, size="display", _external=True) for p in public.public_photos(report)]


def _place(report: Report) -> str:
    return ", ".join(p for p in [report.public_location_text, report.district.name if report.district else ""] if p)


def _send_mail(report: Report, target: HandoffTarget) -> str:
    """The structured mail (in Swedish, the kommun's language): queued in the outbox in this step, which the
    outbox then delivers and retries on its own."""
    asset = assets.asset_of(report)
    with force_locale("sv"):
        subject = _("Report %(reference)s: %(category)s", reference=report.reference, category=localized(report.category.names))
        body = render_template("mail/handoff.txt", reference=report.reference,
                               category=localized(report.category.names), place=_place(report),
                               position=_position(report), description=report.public_description,
                               photos=_photo_links(report), asset=assets.label(asset) if asset else "",
                               created=report.created_at, staff_url=url_for("staff.report", report_id=report.id,
                                                                              _external=True))
    send_mail(target.email, subject, body, headers={"X-Trygghetskartan-Reference": report.reference or ""})
    return ""


def _fields(report: Report, target: HandoffTarget) -> list[tuple[str, str]]:
    code = (target.service_codes or {}).get(report.category.key) or report.category.key
    asset = assets.asset_of(report)
    lines = [report.public_description or ""]
    if asset:
        lines.append(f"{assets.label(asset)} (id {asset.external_id})")
    lines.append(f"Trygghetskartan {report.reference}")
    fields = [("api_key", target.api_key), ("service_code", code), ("description", "\n\n".join(line for line in lines if line))]
    if target.jurisdiction_id:
        fields.append(("jurisdiction_id", target.jurisdiction_id))
    if report.lat is not None and report.lon is not None:
        fields += [("lat", f"{report.lat:.6f}"), ("long", f"{report.lon:.6f}")]
    place = _place(report)
    if place:
        fields.append(("address_string", place))
    photos = _photo_links(report)
    if photos:
        fields.append(("media_url", photos[0]))
    return fields


def _errors(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace")
    if isinstance(data, list):
        return "; ".join(str(e.get("description", "")) for e in data if isinstance(e, dict))[:500]
    return str(data)[:500]


def _post_open311(report: Report, target: HandoffTarget) -> str:
    """POST requests.json to the target (through webapp.outbound: a deadline, a size cap, no redirects). The
    answer's service_request_id and token (the id may come later, for the token), or _Refused (4xx) / _NotNow
    (no answer, 5xx, neither id nor token). Taken with a token only, the request is there: it is never sent
    again for want of an id."""
    problem = endpoint_problem(target.endpoint)
    if problem:  # saved before the rule, or a host name that now points inside: never asked
        raise _Refused(str(problem))
    try:
        answer = outbound.post_form(target.endpoint + "requests.json", _fields(report, target),
                                    headers={"Accept": "application/json"})
    except outbound.OutboundError as exc:
        raise _NotNow("unreachable", exc.reason) from None
    if 400 <= answer.status < 500 and answer.status != 429:
        raise _Refused(f"{answer.status}: {_errors(answer.body)}")
    if answer.status >= 300 or answer.status == 429:
        raise _NotNow("server_error", f"{answer.status}: {_errors(answer.body)}")
    try:
        data = json.loads(answer.body)
        first = data[0] if isinstance(data, list) and data else data
        external_id = str(first.get("service_request_id") or "").strip()[:100]
        token = str(first.get("token") or "").strip()[:100]
    except (ValueError, AttributeError, TypeError, KeyError, RecursionError):
        raise _NotNow("bad_answer", "the answer is not a GeoReport service request") from None
    if not external_id and not token:
        raise _NotNow("bad_answer", "the answer has neither a service_request_id nor a token")
    return external_id, token


def resend(report: Report, actor: str) -> ReportHandoff:
    """Send a report (again) to the target its route names now: the hand-off waits for the next send job,
    which is queued at once. InputRefused when the report's department and category send nowhere."""
    target = target_for(report)
    if target is None:
        raise InputRefused("handoff", _l("This report's department and category are handled here: there is nowhere to send it."))
    handoff = handoff_of(report)
    if handoff is None:
        handoff = ReportHandoff(report_id=report.id)
        db.session.add(handoff)
    handoff.target_id, handoff.target = target.id, target
    handoff.state, handoff.attempts, handoff.next_attempt_at = "waiting", 0, utcnow()
    handoff.error_kind = handoff.error_detail = ""
    handoff.external_id, handoff.external_token, handoff.external_status, handoff.external_note = "", "", "", ""
    db.session.flush()
    audit.record("report", report.id, "handoff_resend", actor, system=target.name)
    return handoff


# --- Updates back from Open311 targets ------------------------------------------------------------------------

def _followed(target: HandoffTarget) -> list[ReportHandoff]:
    """Sent hand-offs whose case can still change: the report open here, or the other side not closed yet."""
    query = (select(ReportHandoff).join(Report, Report.id == ReportHandoff.report_id)
             .where(ReportHandoff.target_id == target.id, ReportHandoff.state == "sent",
                    ReportHandoff.external_id != "", Report.status != ReportStatus.DUPLICATE)
             .where((Report.status.in_(OPEN_STATUSES)) | (ReportHandoff.external_status != "closed"))
             .order_by(ReportHandoff.id))
    return list(db.session.execute(query).scalars())


def poll_target(target: HandoffTarget, now: datetime | None = None) -> int:
    """Ask an Open311 target for its requests that came from here (by id, and updated_after the last time) and
    move each report's status and public note when the other side's status or note changed. Returns how many
    reports changed. OutboundError-free: a target that does not answer is asked again next time."""
    now = now or utcnow()
    if endpoint_problem(target.endpoint):  # never asked (see endpoint_problem); its hand-offs show why
        return 0
    _resolve_tokens(target)
    followed = _followed(target)
    by_id = {h.external_id: h for h in followed}
    changed = 0
    newest = as_utc(target.polled_at) if target.polled_at else None
    ids = list(by_id)
    for start in range(0, len(ids), BATCH):
        params = {"service_request_id": ",".join(ids[start:start + BATCH])}
        if target.jurisdiction_id:
            params["jurisdiction_id"] = target.jurisdiction_id
        if target.polled_at:
            params["updated_after"] = as_utc(target.polled_at).isoformat()
        try:
            found = outbound.json_answer(target.endpoint + "requests.json", expect=list, params=params,
                                         deadline_s=10.0, max_bytes=5_000_000)
        except outbound.OutboundError:
            return changed  # asked again next round, from the same point
        for item in found:
            if not isinstance(item, dict):
                continue
            handoff = by_id.get(str(item.get("service_request_id") or ""))
            if handoff is None:
                continue
            changed += _take_update(handoff, str(item.get("status") or "").lower(),
                                    clean_line(str(item.get("status_notes") or "")).strip()[:2000], target)
            stamp = _parse_time(item.get("updated_datetime"))
            if stamp and (newest is None or stamp > newest):
                newest = stamp
    target.polled_at = newest or now
    db.session.flush()
    return changed


def _resolve_tokens(target: HandoffTarget) -> None:
    """Hand-offs the target took with a token only: ask tokens/<token> for the id (GeoReport v2), once it has one."""
    pending = db.session.execute(select(ReportHandoff).where(
        ReportHandoff.target_id == target.id, ReportHandoff.state == "sent", ReportHandoff.external_id == "",
        ReportHandoff.external_token != "").limit(BATCH)).scalars()
    for handoff in pending:
        params = {"jurisdiction_id": target.jurisdiction_id} if target.jurisdiction_id else None
        try:
            found = outbound.json_answer(target.endpoint + f"tokens/{quote(handoff.external_token, safe='')}.json",
                                         expect=list, params=params, deadline_s=10.0)
        except outbound.OutboundError:
            continue  # no id yet (a 404 until it has one), or no answer: asked again next time
        first = found[0] if found and isinstance(found[0], dict) else {}
        handoff.external_id = str(first.get("service_request_id") or "").strip()[:100]
    db.session.flush()


def _parse_time(value) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(str(value))) if value else None
    except ValueError:
        return None


def _take_update(handoff: ReportHandoff, status: str, note: str, target: HandoffTarget) -> int:
    """Open311 knows open and closed: closed there closes the case here (fixed); open again after closed
    reopens it; a new note on an open case that is only received here confirms it with that note."""
    if status not in ("open", "closed") or (status == handoff.external_status and note == handoff.external_note):
        return 0
    report = db.session.get(Report, handoff.report_id)
    actor = f"handoff:{target.name}"[:120]
    to_status = None
    if status == "closed" and handoff.external_status != "closed" and report.status in OPEN_STATUSES:
        to_status = ReportStatus.FIXED if can_change(report.status, ReportStatus.FIXED) else ReportStatus.CLOSED
    elif status == "open" and handoff.external_status == "closed" and report.status in CLOSED_STATUSES:
        to_status = ReportStatus.RECEIVED
    elif status == "open" and note and note != handoff.external_note and report.status == ReportStatus.RECEIVED:
        to_status = ReportStatus.CONFIRMED
    handoff.external_status, handoff.external_note = status, note
    if to_status is None or not can_change(report.status, to_status):
        return 0
    lifecycle.set_status(report, to_status, actor=actor, expected_version=None, public_note=note)
    return 1


def open311_targets() -> list[HandoffTarget]:
    return list(db.session.execute(select(HandoffTarget).where(HandoffTarget.method == "open311",
                                                               HandoffTarget.active.is_(True))).scalars())
