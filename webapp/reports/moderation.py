"""Moderation: hiding a report from the public, approving or rejecting photos, and redacting them
(blur or black out faces and licence plates) so that no unredacted copy remains."""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageDraw, ImageFilter

from webapp import audit, unitofwork
from webapp.errors import InputRefused
from webapp.extensions import db
from webapp.media import ProcessedPhoto, encode_jpeg
from webapp.photostore import PhotoStore
from webapp.reports.lifecycle import claim
from webapp.reports.models import Photo, Report
from webapp.reports.status import Moderation


def set_hidden(report: Report, hidden: bool, *, actor: str, expected_version: int | None, reason: str = "") -> None:
    """Hide a report from the public (e.g. personal data in it), or show it again. Hiding needs a reason."""
    if hidden and not (reason or "").strip():
        raise InputRefused("reason", _l("Say why the report is hidden."))
    claim(report, expected_version)
    report.hidden = hidden
    report.hidden_reason = reason.strip() if hidden else ""
    audit.record("report", report.id, "hidden" if hidden else "shown", actor, reason=reason.strip())
    db.session.flush()


def moderate_photo(photo: Photo, decision: str, actor: str) -> None:
    if decision not in set(Moderation):
        raise InputRefused("decision", _l("Unknown decision."))
    previous = photo.moderation
    photo.moderation = decision
    audit.record("report", photo.report_id, "photo_" + decision, actor, photo=photo.id, previous=previous)
    db.session.flush()


@dataclass
class Box:
    """A rectangle as fractions (0–1) of the photo's width and height."""
    x: float
    y: float
    w: float
    h: float

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        values = [self.x, self.y, self.w, self.h]
        if not all(math.isfinite(v) for v in values) or self.w <= 0 or self.h <= 0:
            raise InputRefused("box", _l("Mark the area to cover by dragging over the photo."))
        left = max(0, min(width, round(self.x * width)))
        top = max(0, min(height, round(self.y * height)))
        right = max(left + 1, min(width, round((self.x + self.w) * width)))
        bottom = max(top + 1, min(height, round((self.y + self.h) * height)))
        return left, top, right, bottom


def redact_photo(photo: Photo, boxes: list[Box], *, mode: str, actor: str, store: PhotoStore) -> None:
    """Blur or black out areas (faces, licence plates). New files replace the old ones, which are deleted:
    no unredacted copy remains."""
    if not boxes:
        raise InputRefused("box", _l("Mark the area to cover by dragging over the photo."))
    if mode not in ("blur", "black"):
        raise InputRefused("mode", _l("Unknown decision."))
    original = store.read(photo.stem)
    if original is None:
        raise InputRefused("photo", _l("The photo's file is missing; it cannot be covered."))
    with Image.open(io.BytesIO(original)) as source:
        image = source.convert("RGB")
    for box in boxes:
        area = box.pixels(image.width, image.height)
        if mode == "black":
            ImageDraw.Draw(image).rectangle(area, fill=(0, 0, 0))
        else:
            region = image.crop(area)
            # Pixelate, then blur: a plain blur of a small face can still be recognised.
            small = region.resize((max(1, region.width // 16), max(1, region.height // 16)), Image.Resampling.BILINEAR)
            region = small.resize(region.size, Image.Resampling.NEAREST).filter(ImageFilter.GaussianBlur(8))
            image.paste(region, area[:2])
    processed = ProcessedPhoto(display=encode_jpeg(image, max(image.size)), thumbnail=encode_jpeg(image, 400),
                               width=image.width, height=image.height, gps=None)
    old_stem, new_stem = photo.stem, store.new_stem()
    store.save(new_stem, processed)
    # The new files stay only if the change is committed; the old ones go only once it is.
    unitofwork.on_rollback(lambda: store.discard(new_stem))
    unitofwork.after_commit(lambda: store.discard(old_stem))
    photo.stem = new_stem
    audit.record("report", photo.report_id, "photo_redacted", actor, photo=photo.id, mode=mode, boxes=len(boxes))
    db.session.flush()
