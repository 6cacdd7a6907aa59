"""Small builders for test data: real images made with Pillow, reports made through the service."""
from __future__ import annotations

import io
import random

from flask import current_app
from PIL import Image

from webapp.media import photo_settings
from webapp.reports import intake

# Points in Landskrona (WGS84): Rådhustorget in Centrum/Öster, a street in Karlslund, Tuna on Ven.
CENTRUM = (12.8302, 55.8706)
KARLSLUND = (12.86, 55.885)
VEN = (12.6724, 55.9098)
MALMO = (13.0038, 55.6050)
COPENHAGEN = (12.5683, 55.6761)


def _gps_ifd(lon: float, lat: float) -> dict:
    def dms(value: float):
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (float(degrees), float(minutes), float(seconds))
    return {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}


def image_bytes(fmt: str = "JPEG", size=(800, 600), gps: tuple[float, float] | None = None,
                orientation: int | None = None, color=(200, 30, 30), mode: str = "RGB", noise: bool = False) -> bytes:
    """A real image file. With gps=(lon, lat) and/or an EXIF orientation, like a phone camera's."""
    if noise:
        image = Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new(mode, size, color if mode == "RGB" else (*color, 128))
        # A marker in the top-left corner, so that orientation can be checked.
        image.paste((0, 0, 255) if mode == "RGB" else (0, 0, 255, 255), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    exif[0x0131] = "Camera app 1.0"  # Software
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = _gps_ifd(*gps)
    out = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if fmt in ("JPEG", "WEBP", "PNG", "HEIF") else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def make_report(category: str = "littered", at: tuple[float, float] | None = CENTRUM, photos: list[bytes] = (),
                email: str | None = None, **fields):
    """A report made through the same service as the web form. Returns (report, token)."""
    lon, lat = at if at else (None, None)
    data = intake.NewReport(category_key=category, lat=lat, lon=lon, email=email, photos=list(photos),
                              description=fields.pop("description", "Skräp vid bänken"), **fields)
    made = intake.create_report(data, photo_settings())
    commit()
    return made


def commit() -> None:
    """What the request, CLI command or job step does at its end (webapp.unitofwork): services only flush, so a
    test that calls them directly commits before it looks from elsewhere (another connection, a server thread,
    the mail outbox, the photo store)."""
    from webapp.extensions import db

    db.session.commit()


def media_files() -> list:
    from pathlib import Path

    root = Path(current_app.config["MEDIA_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored_files() -> list[str]:
    """Every file in the app's photo store (disk or S3), by name."""
    return sorted(current_app.extensions["photo_store"].names())


PASSWORD = "correct-horse-battery"


def make_user(role: str = "case_officer", email: str | None = None, department: str | None = None, totp: bool = False):
    """A staff account; admins get two-factor authentication unless told otherwise (they must have it)."""
    import pyotp

    from webapp.auth import services as accounts
    from webapp.extensions import db

    user = accounts.create_user(email or f"{role}.{random.randint(0, 10**9)}@landskrona.se", role.title(), password=PASSWORD,
                                role=role, department=department)
    if totp or role == "admin":
        user.totp_secret = pyotp.random_base32()
        user.totp_enabled = True
    db.session.commit()
    return user


def login(client, user, password: str = PASSWORD):
    """Log in through the real form (and the second factor when the account has one)."""
    import re


    html = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/staff/login", data={"csrf_token": token, "email": user.email, "password": password})
    if response.headers.get("Location", "").endswith("/staff/login/code"):
        response = client.post("/staff/login/code", data={"csrf_token": token, "code": totp_code(user)})
    return response


def totp_code(user) -> str:
    """The code the user's phone shows next: one of a time step the app has not accepted yet (each code logs in
    once). When all three steps the app accepts now are used up, as if the next half-minute had come."""
    from datetime import datetime, timezone

    import pyotp

    from webapp.extensions import db

    db.session.refresh(user)
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(datetime.now(timezone.utc))
    for step in (now - 1, now, now + 1):
        if user.totp_last_step is None or step > user.totp_last_step:
            return totp.generate_otp(step)
    user.totp_last_step = None
    db.session.commit()
    return totp.generate_otp(now)


def form_token(client, path: str = "/") -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def backdate_reports(days: int = 1) -> None:
    """Move every report's arrival `days` days back, so that split figures (released up to the day before,
    webapp/disclosure.py) count them."""
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.reports.models import Report
    from webapp.timeutil import as_utc

    for report in db.session.query(Report):
        report.created_at = as_utc(report.created_at) - timedelta(days=days)
    db.session.commit()
