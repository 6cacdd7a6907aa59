"""Image decoding is bounded (issue 23.4): the photo-position helper reads the EXIF without decoding a pixel, and
the report pipeline refuses, before decoding, a picture whose pixel count or pixels per byte are out of
proportion for a phone photo, in the resident's language. Memory is measured in a fresh process (its peak
resident size, reset before the call), never by timing."""
import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import CENTRUM, image_bytes, media_files
from webapp.extensions import db
from webapp.media import FREE_PIXELS, PhotoError, position_from_photo, process_photo
from webapp.reports.models import Report

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 60_000_000}


@pytest.fixture(scope="module")
def grey_bomb(tmp_path_factory) -> Path:
    """The audit's file: a grey PNG of 7700 × 7700 (just under the 60 MP cap), some 70 KB."""
    path = tmp_path_factory.mktemp("bomb") / "grey.png"
    out = io.BytesIO()
    Image.new("L", (7700, 7700), 128).save(out, format="PNG", optimize=True)
    path.write_bytes(out.getvalue())
    assert path.stat().st_size < 100_000
    return path


MEASURE = """
import json, sys
sys.path.insert(0, {root!r})
from webapp.media import PhotoError, position_from_photo, process_photo

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])

data = open({path!r}, "rb").read()
open("/proc/self/clear_refs", "w").write("5")  # the peak resident size starts again from now
before = status("VmRSS")
try:
    if {what!r} == "position":
        answer = position_from_photo(data, max_bytes=15 * 1024 * 1024)
    else:
        answer = process_photo(data, max_bytes=15 * 1024 * 1024, max_pixels=60_000_000)
        answer = "accepted"
except PhotoError as exc:
    answer = "refused: " + str(exc)
print(json.dumps({{"answer": str(answer), "grown_kb": status("VmHWM") - before}}))
"""


def _measured(what: str, path: Path) -> dict:
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to measure a process's peak memory")
    script = MEASURE.format(root=str(Path(__file__).resolve().parents[1]), path=str(path), what=what)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_grey_bomb_is_refused_without_decoding_it(grey_bomb, tmp_path):
    # Decoded, the picture is 60 MB as grey and 180 MB as RGB; refused from its header, the process grows by
    # almost nothing.
    position = _measured("position", grey_bomb)
    assert position["answer"] == "None" and position["grown_kb"] < 20_000, position
    refused = _measured("process", grey_bomb)
    assert refused["answer"].startswith("refused") and refused["grown_kb"] < 20_000, refused
    # The measurement sees a decode when there is one: a real, noisy photo's worth of pixels grows the process.
    photo = tmp_path / "photo.png"
    photo.write_bytes(_busy_png(4000, 4000))
    decoded = _measured("process", photo)
    assert decoded["answer"] == "accepted" and decoded["grown_kb"] > 40_000, decoded


def _busy_png(width: int, height: int) -> bytes:
    """A 16 MP PNG with a photo's proportions (a few pixels per byte): random strips side by side."""
    strip = Image.frombytes("RGB", (400, height), random.Random(1).randbytes(400 * height * 3))
    image = Image.new("RGB", (width, height))
    for x in range(0, width, 400):
        image.paste(strip, (x, 0))
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def test_proportions_of_a_phone_photo_pass_and_others_are_refused():
    # Camera photos and screenshots pass (a flat test JPEG of 12 MP is still only ~60 pixels per byte).
    assert process_photo(image_bytes("JPEG", size=(4000, 3000)), **LIMITS).width == 1600
    assert process_photo(image_bytes("PNG", size=(1080, 1920)), **LIMITS).height == 1600
    # Any small picture passes, however well it compresses.
    side = int(FREE_PIXELS ** 0.5)
    flat = io.BytesIO()
    Image.new("RGB", (side, side), (10, 10, 10)).save(flat, format="PNG")
    assert process_photo(flat.getvalue(), **LIMITS).width == min(side, 1600)
    # Too many pixels for a format decoded whole (PNG), though under the JPEG cap.
    with pytest.raises(PhotoError, match="too many pixels"):
        process_photo(_busy_png(6000, 5000), **LIMITS)
    # A flat picture of many pixels in a small file: refused for its proportions, whatever the format.
    flat = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 10, 10)).save(flat, format="WEBP")
    with pytest.raises(PhotoError, match="far more pixels"):
        process_photo(flat.getvalue(), **LIMITS)


def test_position_helper_reads_exif_of_every_format_without_pixels():
    for fmt in ("JPEG", "PNG", "WEBP"):
        lon, lat = position_from_photo(image_bytes(fmt, gps=CENTRUM), max_bytes=LIMITS["max_bytes"])
        assert (lon, lat) == pytest.approx(CENTRUM, abs=1e-4), fmt
        assert position_from_photo(image_bytes(fmt), max_bytes=LIMITS["max_bytes"]) is None
    with pytest.raises(PhotoError):
        position_from_photo(b"<svg/>", max_bytes=LIMITS["max_bytes"])


def test_the_api_answers_the_bomb_with_no_position(web, grey_bomb):
    client = web
    token = csrf_token(client)
    response = client.post("/api/v1/photo-position", headers={"X-CSRFToken": token},
                           data={"photo": (io.BytesIO(grey_bomb.read_bytes()), "grey.png")})
    assert response.status_code == 200 and response.get_json() == {"position": None}


@pytest.mark.parametrize("lang, words", [("sv", "fler pixlar"), ("en", "far more pixels"), ("ar", "بكسلات")])
def test_the_report_form_refuses_the_bomb_in_the_residents_language(web, grey_bomb, lang, words):
    client = web
    response = client.post("/", data={"csrf_token": csrf_token(client), "category": "littered",
                                      "lat": str(CENTRUM[1]), "lon": str(CENTRUM[0]),
                                      "photos": [(io.BytesIO(grey_bomb.read_bytes()), "grey.png")]},
                           headers={"Accept-Language": lang}, content_type="multipart/form-data")
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert db.session.execute(select(func.count(Report.id))).scalar_one() == 0 and media_files() == []
