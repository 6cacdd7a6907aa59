"""Plausible demo data for Landskrona 2018–2019, on the real kommun boundary and approximate demo districts.

Everything here is invented for demonstration except the kommun boundary and the SCB locality points.
"""
from __future__ import annotations

import io
import json
import random
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from PIL import Image, ImageDraw
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from devdata import dialogue as demo_dialogue
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District, Zone
from webapp.media import photo_settings
from webapp.municipality import current_municipality
from webapp.reports import intake, lifecycle, public
from webapp.reports.models import Category, Follower, Report
from webapp.reports.status import OPEN_STATUSES
from webapp.timeutil import as_utc

DEMO_SOURCE = "Trygghetskartan demo (approximate)"
DEMO_PASSWORD = "landskrona-demo"
DEMO_DOMAIN = "demo.landskrona.se"
# The demo admin is enrolled in two-factor authentication with this key (add it to any TOTP app).
DEMO_ADMIN_TOTP = "LANDSKRONADEMOADMINTOTPKEY234567"
DEMO_USERS = [
    ("admin", "Alva Admin", "admin", None),
    ("handlaggare.ts", "Hugo Handläggare (TS)", "case_officer", "TS"),
    ("handlaggare.sb", "Sara Handläggare (SB)", "case_officer", "SB"),
    ("renhallning", "Rami Renhållning", "crew", "TS"),
    ("elektriker", "Elin Elektriker", "crew", "TS"),
    ("belysning", "Bo Belysningsplanerare", "lighting_planner", "SB"),
    ("kommunikation", "Kim Kommunikatör", "communications", "KOM"),
    ("polis", "Petra Polis", "field_reporter", None),
    ("polis.hotspots", "Per Patrull (polisen)", "police", None),
]

# Each demo crew member's kinds of work: the cleaning crew does not get lighting repairs.
DEMO_WORK_KINDS = {"renhallning": ["cleaning", "graffiti", "maintenance"], "elektriker": ["light_repair"]}

# Where the demo's weight lies: the programme's focus area first.
DISTRICT_WEIGHTS = {
    "Centrum/Öster": 50, "Övriga Centrum": 16, "Karlslund/Norrestad": 16,
    "Borstahusen/Västra Fäladen": 9, "Byarna": 9,
}
CATEGORY_WEIGHTS = {
    "dark_unsafe": 22, "littered": 16, "poorly_maintained": 9, "feels_safe": 7, "street_light": 10,
    "graffiti": 10, "vandalism": 5, "litter_bin": 8, "vegetation": 5, "path_damage": 4, "park_furniture": 3,
    "other": 1,
}
DESCRIPTIONS = {
    "dark_unsafe": ["Mörkt längs gångvägen, ingen belysning mellan husen.", "Otryggt på kvällen vid busshållplatsen.",
                    "Buskarna skymmer och det är svart här efter sex.", "Undviker att gå här när det är mörkt."],
    "littered": ["Mycket skräp runt bänkarna efter helgen.", "Fimpar och glasflaskor längs kajen.",
                 "Nedskräpat bakom butikerna."],
    "poorly_maintained": ["Trasiga plattor och ogräs överallt.", "Staketet har fallit ihop.",
                          "Fasaden och planteringarna ser övergivna ut."],
    "feels_safe": ["Bra belysning och mycket folk i rörelse.", "Trevligt torg, känns tryggt även på kvällen."],
    "street_light": ["Gatlampan släckt sedan flera veckor.", "Lampan blinkar hela natten.",
                     "Två lyktstolpar i rad fungerar inte."],
    "graffiti": ["Nytt klotter på transformatorstationen.", "Taggar på hela gångtunneln.",
                 "Kränkande klotter på skolans vägg."],
    "vandalism": ["Krossad glasruta i busskuren.", "Sönderslagen skylt."],
    "litter_bin": ["Papperskorgen är överfull.", "Papperskorgen är trasig och lock saknas."],
    "vegetation": ["Häcken växer ut över cykelbanan.", "Buskarna skymmer sikten vid övergångsstället."],
    "path_damage": ["Stort hål i gångvägen.", "Kantstenen är lös, lätt att snubbla."],
    "park_furniture": ["Gungan på lekplatsen är trasig.", "Bänken saknar ryggstöd."],
    "other": ["Övergiven cykel sedan länge."],
}
# Campaign-like waves of reporting: Q1 2018 inventory, end of 2018 and 2019 follow-ups.
WAVES = [
    (datetime(2018, 2, 12, tzinfo=timezone.utc), 32, 45),
    (datetime(2018, 11, 12, tzinfo=timezone.utc), 13, 20),
    (datetime(2019, 1, 14, tzinfo=timezone.utc), 45, 15),
    (datetime(2019, 11, 11, tzinfo=timezone.utc), 19, 20),
]
SAFETY_KEYS = ["dark_unsafe", "littered", "poorly_maintained", "feels_safe"]
EXPERIENCE_KEYS = ["littered", "graffiti", "vandalism", "litter_bin"]
# The programme's campaigns (annex 4): the Q1 2018 inventory and its follow-ups.
DEMO_CAMPAIGNS = [
    # slug, name, kind, start, end, districts, categories, follows
    ("trygghetsvandring-2018", "Digital trygghetsvandring Centrum/Öster 2018", "safety_walk",
     date(2018, 2, 5), date(2018, 3, 18), ["Centrum/Öster"], SAFETY_KEYS, None),
    ("instagramvecka-2018", "Instagramvecka Öster/Centrum 2018", "instagram_week",
     date(2018, 2, 19), date(2018, 3, 11), ["Centrum/Öster", "Övriga Centrum"], [], None),
    ("erfarenhetsinsamling-2018", "Erfarenhetsinsamling renhållning och polis 2018", "experience_collection",
     date(2018, 2, 1), date(2018, 3, 31), ["Centrum/Öster", "Övriga Centrum"], EXPERIENCE_KEYS, None),
    ("instagramvecka-hosten-2018", "Uppföljande Instagramvecka hösten 2018", "follow_up",
     date(2018, 11, 12), date(2018, 12, 2), ["Centrum/Öster", "Övriga Centrum"], [], "instagramvecka-2018"),
    ("erfarenhetsinsamling-2019", "Uppföljande erfarenhetsinsamling 2019", "follow_up",
     date(2019, 1, 14), date(2019, 2, 28), ["Centrum/Öster", "Övriga Centrum"], EXPERIENCE_KEYS,
     "erfarenhetsinsamling-2018"),
    ("instagramvecka-2019", "Uppföljande Instagramvecka 2019", "follow_up",
     date(2019, 11, 11), date(2019, 11, 30), ["Centrum/Öster", "Övriga Centrum"], [], "instagramvecka-2018"),
]
DEMO_OWNERS = [("Fastighets AB Kronan", "info@kronan.example", "Storgatan 1, 261 31 Landskrona"),
               ("Öster Handel HB", "0418-12 34 56", "Östergatan 20, 261 34 Landskrona"),
               ("Bostadsrättsföreningen Tornet", "styrelsen@tornet.example", "Kasernplan 3, 261 31 Landskrona")]
DEMO_ACTIVITIES = [
    (date(2018, 4, 14), "cleanup", "Skräpplockardag på Öster", "Centrum/Öster", 64),
    (date(2018, 5, 2), "meeting", "Möte med fastighetsägare om nedskräpning", "Centrum/Öster", 18),
    (date(2018, 5, 26), "replanting", "Återplantering i Slottsparken", "Centrum/Öster", 31),
    (date(2018, 9, 20), "dialogue_walk", "Dialogvandring kvällstid", "Centrum/Öster", 27),
    (date(2018, 10, 8), "information", "Informationskampanj om felanmälan", "Övriga Centrum", 0),
    (date(2019, 3, 30), "cleanup", "Vårstädning med föreningar", "Karlslund/Norrestad", 45),
    (date(2019, 5, 18), "replanting", "Plantering vid Rådhustorget", "Centrum/Öster", 22),
    (date(2019, 10, 3), "dialogue_walk", "Trygghetsvandring med skolklass", "Centrum/Öster", 29),
]
# The police safety survey's five areas, 2018 (baseline) and 2019 (follow-up): INVENTED demo values, shaped like
# the survey (percent per area and year) so that the follow-up page shows the survey beside the reports. No real
# survey results for Landskrona were available (see data/ATTRIBUTION.md); the page says these are demo values.
# indicator: {area: (2018, 2019)}
DEMO_SURVEY = {
    "litter_vandalism_problem": {"Centrum/Öster": (48, 41), "Övriga Centrum": (33, 30),
                                 "Karlslund/Norrestad": (39, 36), "Borstahusen/Västra Fäladen": (22, 21),
                                 "Byarna": (14, 15)},
    "safe_evening": {"Centrum/Öster": (52, 57), "Övriga Centrum": (66, 68), "Karlslund/Norrestad": (58, 60),
                     "Borstahusen/Västra Fäladen": (78, 79), "Byarna": (84, 83)},
    "avoided_activity": {"Centrum/Öster": (31, 27), "Övriga Centrum": (20, 19), "Karlslund/Norrestad": (26, 24),
                         "Borstahusen/Västra Fäladen": (12, 12), "Byarna": (9, 10)},
}
DEMO_SATISFACTION = {"Landskrona": (55, 58)}  # "Kritik på teknik" index, also invented
SPAN_START = datetime(2018, 1, 1, tzinfo=timezone.utc)
SPAN_DAYS = 729


def ensure_demo_users() -> None:
    """A demo account for every role; the admin already has two-factor authentication."""
    from webapp.auth import services as accounts

    for local, name, role, department in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        if accounts.user_by_email(email):
            continue
        user = accounts.create_user(email, name, password=DEMO_PASSWORD, role=role, department=department, actor="demo")
        if local in DEMO_WORK_KINDS:
            accounts.update_user(user, "demo", work_kinds=DEMO_WORK_KINDS[local])
        if role == "admin":
            user.totp_secret = DEMO_ADMIN_TOTP
            user.totp_enabled = True
            db.session.commit()


def demo_logins() -> list[tuple[str, str, str]]:
    from webapp.auth.models import User

    users = db.session.execute(select(User).where(User.email.like(f"%@{DEMO_DOMAIN}")).order_by(User.id)).scalars()
    return [(u.email, u.role, f"(2FA key {DEMO_ADMIN_TOTP})" if u.role == "admin" else "") for u in users]


def database_is_empty() -> bool:
    return db.session.execute(select(func.count(Report.id))).scalar_one() == 0


def ensure_demo_areas() -> None:
    """Import the approximate demo districts and zone unless the city's layers are already there."""
    municipality = current_municipality()
    if municipality.districts_file and db.session.execute(select(func.count(District.id))).scalar_one() == 0:
        geo.import_districts(municipality.districts_file, source=DEMO_SOURCE, approximate=True)
    if municipality.zones_file and db.session.execute(select(func.count(Zone.id))).scalar_one() == 0:
        geo.import_zones(municipality.zones_file, source=DEMO_SOURCE, approximate=True)


def _point_in(geometry, rng: random.Random, villages: list[tuple[float, float]] | None) -> tuple[float, float]:
    if villages:  # Byarna: near a real SCB locality point, not in fields or the sea
        lon, lat = rng.choice(villages)
        for _ in range(100):
            candidate = (lon + rng.gauss(0, 0.004), lat + rng.gauss(0, 0.0025))
            if geometry.contains(Point(candidate)):
                return candidate
        return lon, lat
    minx, miny, maxx, maxy = geometry.bounds
    while True:
        candidate = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if geometry.contains(Point(candidate)) and geo.is_in_kommun(*candidate, margin_m=0):
            return candidate


def _when(rng: random.Random, time_of_day: str | None) -> datetime:
    if rng.random() < 0.6:
        # The baseline inventory in early 2018 got the most reports; the follow-ups fewer.
        start, days, _ = rng.choices(WAVES, weights=[10, 2, 1.5, 1.5])[0]
        day = start + timedelta(days=rng.uniform(0, days))
    else:
        day = SPAN_START + timedelta(days=rng.uniform(0, SPAN_DAYS))
    hour = {"day": rng.randint(7, 16), "evening": rng.randint(17, 21), "night": rng.choice([22, 23, 0, 1, 5])}.get(
        time_of_day or "", rng.randint(6, 22))
    return day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)


def demo_photo(rng: random.Random, label: str) -> bytes:
    """A plainly synthetic picture (it says so), so that photo pages have something to show."""
    image = Image.new("RGB", (1200, 900), tuple(rng.randint(40, 120) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 1100), rng.randint(0, 800)
        draw.rectangle([x, y, x + rng.randint(40, 300), y + rng.randint(40, 200)],
                       fill=tuple(rng.randint(60, 200) for _ in range(3)))
    draw.rectangle([0, 380, 1200, 520], fill=(255, 255, 255))
    draw.text((40, 420), f"EXEMPELBILD / DEMO PHOTO - {label}", fill=(0, 0, 0), font_size=48)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _lifecycle(report: Report, rng: random.Random, now: datetime) -> None:
    """Walk an old report through a plausible part of the status flow."""
    if report.category.positive:
        return
    roll = rng.random()
    steps = []
    if roll < 0.55:
        steps = ["confirmed", "planned", "in_progress", "fixed"]
    elif roll < 0.65:
        steps = ["confirmed", "planned"]
    elif roll < 0.72:
        steps = ["referred"]
    elif roll < 0.8:
        steps = ["confirmed"]
    when = as_utc(report.created_at)
    notes = {"fixed": "Åtgärdat av Teknik- och serviceförvaltningen.",
             "referred": "Platsen är privat mark; ärendet är skickat till fastighetsägaren.",
             "planned": "Arbetet är planerat."}
    # Hours until each step, at most: most fixes land within the response time (5 days in the zone, 10 outside),
    # some do not, as the follow-up page should show.
    longest = {"confirmed": 48, "planned": 96, "in_progress": 72, "fixed": 120, "referred": 96}
    for step in steps:
        when = when + timedelta(hours=rng.uniform(4, longest[step]))
        if when > now:
            break
        lifecycle.change_status(report, step, actor="demo", public_note=notes.get(step, ""), when=when)


def load(reports: int = 360, seed: int = 1282, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Create demo reports through the same service residents use: `reports` spread over 2018-2019, and the
    safety walk in Centrum/Öster with two school classes (2018, and a follow-up open now). Returns how many of
    each were created."""
    rng = random.Random(seed)
    ensure_demo_areas()
    ensure_demo_users()
    districts = {d.name: shape(json.loads(d.geometry)) for d in db.session.execute(select(District)).scalars()}
    villages = [tuple(f["geometry"]["coordinates"]) for f in json.loads(
        (geo.DATA_DIR / "tatorter-1282-2020.geojson").read_text())["features"]
        if f["properties"]["name"] != "Landskrona"]
    names = [n for n in DISTRICT_WEIGHTS if n in districts] or list(districts)
    weights = [DISTRICT_WEIGHTS.get(n, 1) for n in names]
    categories = {c.key: c for c in db.session.execute(select(Category)).scalars()}
    keys = [k for k in CATEGORY_WEIGHTS if k in categories]
    settings = photo_settings()
    settings.publish_immediately = True
    district_locator, zone_locator = geo.district_locator(), geo.zone_locator()
    now = datetime.now(timezone.utc)
    drafts = []
    for number in range(reports):
        name = rng.choices(names, weights)[0]
        key = rng.choices(keys, [CATEGORY_WEIGHTS[k] for k in keys])[0]
        category = categories[key]
        lon, lat = _point_in(districts[name], rng, villages if name == "Byarna" else None)
        time_of_day = rng.choices(["day", "evening", "night"], [2, 4, 4])[0] if category.is_safety else None
        drafts.append(intake.NewReport(
            category_key=key, description=rng.choice(DESCRIPTIONS[key]), lat=round(lat, 6), lon=round(lon, 6),
            time_of_day=time_of_day,
            safety_rating=(rng.choice([4, 5]) if key == "feels_safe" else rng.choice([1, 1, 2, 2, 3]))
            if category.is_safety else None,
            email=f"boende{number}@example.org" if rng.random() < 0.3 else None,
            source=rng.choices(["web", "campaign", "instagram", "field"], [6, 3, 2, 1])[0],
            created_at=_when(rng, time_of_day),
            photos=[demo_photo(rng, category.names.get("sv", key))] if rng.random() < 0.12 else [],
        ))
    # Oldest first, so that reference numbers grow with time as they would have.
    drafts.sort(key=lambda d: d.created_at)
    campaigns = _demo_campaigns()
    owners = _demo_owners()
    created = 0
    addresses = []
    for number, data in enumerate(drafts):
        # The invented history happened "before": nobody is mailed about it. The reporter's address (and their
        # follow of an open report, as the intake gives it) is added after the steps.
        email, data.email = data.email, None
        report, _token = intake.create_report(data, settings, actor="demo",
                                                districts=district_locator, zones=zone_locator)
        _tag_campaign(report, campaigns, rng)
        for supporter in range(rng.choices([0, 1, 2, 3, 5, 8], [50, 20, 12, 8, 6, 4])[0]):
            public.support_report(report, f"demo-{number}-{supporter}")
        _lifecycle(report, rng, now)
        if email:
            addresses.append((report, email))
        if report.status == "referred" and report.district_id and rng.random() < 0.8:
            owner = rng.choice(owners)
            report.external_kind, report.external_name, report.property_owner_id = "property_owner", owner.name, owner.id
            db.session.commit()
        created += 1
        if progress:
            progress(1)
    _demo_work_orders(rng)
    for report, email in addresses:  # after every invented step, work orders included
        report.reporter_email = email
        if report.status in OPEN_STATUSES:
            db.session.add(Follower(report_id=report.id, email=email, locale="sv", created_at=report.created_at,
                                    confirmed_at=report.created_at))
    db.session.commit()
    _demo_activities(campaigns)
    _demo_survey()
    walk_reports = _demo_safety_walk(campaigns, rng, settings, now)
    centre_lat, centre_lon = current_municipality().center
    demo_dialogue.load(rng, (centre_lon, centre_lat))  # the finished 2018 dialogue and the 2019 promise
    return created, walk_reports


def _demo_work_orders(rng: random.Random) -> None:
    """Turn some open demo reports into work orders, so that the crew's list has jobs."""
    from webapp.workorders import services as workorders

    open_reports = list(db.session.execute(
        select(Report).join(Report.category)
        .where(Report.status.in_(["received", "confirmed"]), Report.lat.is_not(None), Category.positive.is_(False))
        .order_by(Report.created_at.desc()).limit(24)).scalars())
    today = datetime.now(timezone.utc).date()
    for number, report in enumerate(open_reports[:12]):
        kind = workorders.suggested_kind(report.category)
        order = workorders.create_work_order(
            [report.id], kind=kind, priority_code=report.category.default_priority or "normal",
            title=f"{report.category.names.get('sv', '')}, {report.district.name if report.district else ''}".strip(", "),
            actor="demo", instructions="Demoarbetsorder.", today=today - timedelta(days=rng.randint(0, 12)))
        if number % 3 == 1:
            workorders.change_status(order, "in_progress", actor="demo")


def _demo_campaigns() -> dict:
    """The programme's campaigns, plus one open now so that its public page takes reports."""
    from webapp.campaigns import services as campaigns

    districts = {d.name: d.id for d in db.session.execute(select(District)).scalars()}
    today = datetime.now(timezone.utc).date()
    specs = DEMO_CAMPAIGNS + [("trygghetsvandring", "Digital trygghetsvandring Centrum/Öster (pågår)", "safety_walk",
                               today - timedelta(days=7), today + timedelta(days=21), ["Centrum/Öster"], SAFETY_KEYS,
                               "trygghetsvandring-2018")]
    made = {}
    for slug, name, kind, start, end, areas, keys, follows in specs:
        existing = campaigns.by_slug(slug)
        if existing is None:
            existing = campaigns.save_campaign(campaigns.CampaignInput(
                name=name, slug=slug, kind=kind, starts_on=start, ends_on=end,
                district_ids=[districts[a] for a in areas if a in districts], category_keys=keys,
                hashtag="helochrentlandskrona",
                intro_sv="Visa var det känns otryggt, är nedskräpat eller dåligt underhållet – och var det känns tryggt.",
                intro_en="Show where it feels unsafe, is littered or poorly maintained – and where it feels safe.",
                intro_ar="أظهر أين تشعر بعدم الأمان، أو أين توجد نفايات أو صيانة سيئة – وأين تشعر بالأمان.",
                follows_id=made[follows].id if follows in made else None,
                asks_demographics=kind == "safety_walk"), actor="demo")
        made[slug] = existing
    return made


def _tag_campaign(report: Report, campaigns: dict, rng: random.Random) -> None:
    """Put a report in a campaign whose period, area and questions fit it, as the campaign page would have."""
    from webapp.campaigns import services as campaign_services

    if report.lat is None:
        return
    when = as_utc(report.created_at).date()
    fitting = [c for c in campaigns.values()
               if c.starts_on <= when <= c.ends_on and (not c.category_keys or report.category.key in c.category_keys)
               and campaign_services.area_shape(c).contains(Point(report.lon, report.lat))]
    if fitting and rng.random() < 0.85:
        weight = {"instagram_week": 3, "follow_up": 3, "safety_walk": 2, "experience_collection": 1}
        campaign = rng.choices(fitting, weights=[weight.get(c.kind, 1) for c in fitting])[0]
        report.campaign_id = campaign.id
        report.source = {"instagram_week": "instagram", "experience_collection": "cleaning"}.get(
            campaign.kind, "instagram" if "instagram" in campaign.slug else "campaign")
        db.session.commit()


def _demo_owners() -> list:
    from webapp.reports.lifecycle import save_owner

    return [save_owner(name, contact, address, "demo") for name, contact, address in DEMO_OWNERS]


def _demo_activities(campaigns: dict) -> None:
    from webapp.campaigns.services import activities, add_activity

    if activities():
        return
    districts = {d.name: d.id for d in db.session.execute(select(District)).scalars()}
    for held_on, kind, title, district, participants in DEMO_ACTIVITIES:
        add_activity(held_on=held_on, kind=kind, title=title, participants=participants, actor="demo", district_id=districts.get(district),
                     campaign_id=campaigns["instagramvecka-2018"].id if held_on.year == 2018 and kind == "cleanup" else None)


def _demo_survey() -> None:
    """Invented survey values for 2018 and 2019 (entered by "demo", so that pages mark them as demo values)."""
    from webapp.insights import indicators
    from webapp.insights.models import SurveyIndicator

    if db.session.execute(select(func.count(SurveyIndicator.id))).scalar_one():
        return
    for indicator, areas in DEMO_SURVEY.items():
        for area, values in areas.items():
            for year, value in zip((2018, 2019), values):
                indicators.save_survey_value(source="trygghetsmatning", indicator=indicator, area=area, year=year, value=value, actor=indicators.DEMO_ACTOR)
    for area, values in DEMO_SATISFACTION.items():
        for year, value in zip((2018, 2019), values):
            indicators.save_survey_value(source="kritik_pa_teknik", indicator="satisfaction", area=area, year=year, value=value, actor=indicators.DEMO_ACTOR)


# The digital safety walk in Centrum/Öster with two school classes: the 2018 baseline with its follow-up walk
# and published protocol, and this year's follow-up that is open now.
WALK_GROUPS = [("Klass 8A", "school_class", 26), ("Klass 9B", "school_class", 24)]
WALK_DECISIONS = [("work_order", "Belysningen förstärks; arbetsorder till TS."),
                  ("work_order", "Städning och ny papperskorg; arbetsorder till TS."),
                  ("referred", "Fastighetsägaren kontaktas om klottret på fasaden."),
                  ("investigate", "SB utreder ny belysning på gångstråket inför budget 2019."),
                  ("no_action", "Platsen upplevs trygg efter att buskarna klipptes i mars."),
                  ("already_fixed", "Lampan byttes i veckan före vandringen.")]


def _audit_for(key: str, rng: random.Random, better: float) -> dict:
    """Audit answers that fit what was reported: dark places score low on lighting, safe places high."""
    base = {"dark_unsafe": 2.0, "littered": 2.8, "poorly_maintained": 2.6, "feels_safe": 4.2}.get(key, 3.0) + better
    answers = {}
    for parameter in ("lighting", "openness", "visibility", "people", "walk_path", "transport", "security", "feeling"):
        if rng.random() < 0.1:
            continue  # not every question is answered
        shift = -0.8 if parameter == "lighting" and key == "dark_unsafe" else 0.0
        answers[parameter] = max(1, min(5, round(rng.gauss(base + shift, 0.7))))
    return answers


def _demo_safety_walk(campaigns: dict, rng: random.Random, settings, now: datetime) -> int:
    from webapp.campaigns import services as campaign_services
    from webapp.campaigns import walks

    baseline, follow_up = campaigns.get("trygghetsvandring-2018"), campaigns.get("trygghetsvandring")
    area = db.session.execute(select(District).where(District.name == "Centrum/Öster")).scalar_one_or_none()
    if baseline is None or follow_up is None or area is None or walks.groups_for(baseline):
        return 0
    for campaign in (baseline, follow_up):
        campaign.uses_audit = True
    db.session.commit()
    geometry = shape(json.loads(area.geometry))
    # Places people return to, each in the middle of a 100 m square of the heat map's grid.
    hotspots = []
    for _ in range(6):
        e, n = geo.to_sweref(*_point_in(geometry, rng, None))
        hotspots.append((e // 100 * 100 + 50, n // 100 * 100 + 50))
    created = 0
    for campaign, count, better in ((baseline, 110, 0.0), (follow_up, 40, 0.6)):
        groups = [walks.add_group(campaign, name, kind=kind, size=size, actor="demo") for name, kind, size in WALK_GROUPS]
        days = max(1, (min(campaign.ends_on, now.date()) - campaign.starts_on).days)
        for number in range(count):
            e, n = hotspots[rng.randrange(len(hotspots))]
            lon, lat = geo.to_wgs84(e + rng.uniform(-40, 40), n + rng.uniform(-40, 40))
            if not geometry.contains(Point(lon, lat)):
                continue
            gender = rng.choices(["woman", "man", "other", "undisclosed"], [46, 40, 3, 11])[0]
            # Women more often than men name places as dark and unsafe, as surveys find.
            key = rng.choices(SAFETY_KEYS, [7, 3, 2, 1] if gender == "woman" else [3, 3, 2, 3])[0]
            group = groups[number % 2] if number % 3 else None
            day = campaign.starts_on + timedelta(days=rng.randrange(days))
            created_at = datetime(day.year, day.month, day.day, rng.randint(15, 21), rng.randint(0, 59),
                                  tzinfo=timezone.utc)
            time_of_day = "evening" if created_at.hour < 19 else "night"
            data = intake.NewReport(
                category_key=key, description=rng.choice(DESCRIPTIONS[key]), lat=round(lat, 6), lon=round(lon, 6),
                time_of_day=time_of_day, safety_rating=rng.choice([4, 5]) if key == "feels_safe" else rng.choice([1, 2, 2, 3]),
                source="campaign", created_at=created_at)
            age = "u16" if group is not None else rng.choice(["16-24", "25-44", "25-44", "45-64", "65+", "undisclosed"])
            report, _token = campaign_services.submit(campaign, data, settings, actor="demo", today=day, gender=gender,
                                                      age_group=age, group=group,
                                                      audit_answers=_audit_for(key, rng, better))
            _lifecycle(report, rng, now)
            created += 1
    # The follow-up walk of 2018 through the most reported places, recorded and published.
    stops = [place["reports"][0].id for place in campaign_services.places(campaign_services.campaign_reports(baseline))
             if not place["reports"][0].hidden][:6]
    if len(stops) >= 2:
        walk = walks.plan_walk(baseline, "Trygghetsvandring Centrum/Öster, april 2018", planned_on=date(2018, 4, 10), report_ids=stops, actor="demo")
        walks.record_walk(walk, walked_on=date(2018, 4, 10), participants=23, participant_note="Boende, elever från klass 8A och 9B, två politiker, TS, SB "
                          "och polisen.", summary="Vi gick de platser som rapporterades mest under den digitala "
                          "trygghetsvandringen. Belysning och nedskräpning var det som oftast togs upp.",
                          points=[walks.PointRecord(point.report_id, "Mörkt och ödsligt efter klockan 18." if n % 2 == 0
                                             else "Skräp runt bänkarna och en trasig papperskorg.",
                                             *WALK_DECISIONS[n % len(WALK_DECISIONS)])
                           for n, point in enumerate(walk.points)], actor="demo", today=date(2018, 4, 10))
        walks.publish(walk, "demo")
    return created
