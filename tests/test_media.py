"""The photo pipeline with real files: formats by content, no metadata out, bombs and fakes refused."""
import io

import pytest
from PIL import Image

from tests.factories import CENTRUM, image_bytes
from webapp.media import PhotoError, process_photo

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 60_000_000}


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_jpeg_from_a_phone_loses_its_exif_and_gps_but_the_position_is_read():
    original = image_bytes("JPEG", gps=CENTRUM)
    assert open_image(original).getexif().get_ifd(0x8825)  # the input really has GPS

    result = process_photo(original, **LIMITS)

    lon, lat = result.gps
    assert lon == pytest.approx(CENTRUM[0], abs=1e-4) and lat == pytest.approx(CENTRUM[1], abs=1e-4)
    for data in (result.display, result.thumbnail):
        out = open_image(data)
        assert out.format == "JPEG"
        assert len(out.getexif()) == 0
        assert "exif" not in out.info and "icc_profile" not in out.info
        assert b"TestPhone" not in data and b"Exif" not in data


def test_a_jpeg_comment_does_not_survive_into_the_stored_photos():
    """A camera or an app may write the owner's name or number in the JPEG's comment (COM) segment."""
    source = open_image(image_bytes("JPEG"))
    buffer = io.BytesIO()
    source.save(buffer, format="JPEG", comment=b"COMMENT Anna 0701234567")
    assert b"Anna 0701234567" in buffer.getvalue()  # the input really has it
    result = process_photo(buffer.getvalue(), **LIMITS)
    for data in (result.display, result.thumbnail):
        assert b"0701234567" not in data and "comment" not in open_image(data).info


def test_exif_orientation_is_applied_before_stripping():
    # Orientation 6 = the camera was turned: the picture must be shown rotated 90° clockwise.
    result = process_photo(image_bytes("JPEG", size=(800, 600), orientation=6), **LIMITS)
    out = open_image(result.display)
    assert (out.width, out.height) == (600, 800)
    # The blue marker that was top-left is now top-right.
    assert out.getpixel((out.width - 20, 20))[2] > 200
    assert out.getpixel((20, 20))[0] > 150


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_a_large_turned_photo_looks_as_the_plain_slow_path_makes_it(orientation):
    """The photo is decoded at a reduced scale and turned upright after shrinking; a resident sees the same
    picture as full decoding, turning and shrinking would give (sizes exact, pixels within JPEG noise)."""
    from PIL import ImageChops, ImageOps, ImageStat

    original = image_bytes("JPEG", size=(4000, 3000), orientation=orientation)
    result = process_photo(original, **LIMITS)
    with Image.open(io.BytesIO(original)) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    for data, side in ((result.display, 1600), (result.thumbnail, 400)):
        expected = upright.copy()
        expected.thumbnail((side, side), Image.Resampling.LANCZOS)
        out = open_image(data)
        assert out.size == expected.size
        difference = ImageStat.Stat(ImageChops.difference(out.convert("RGB"), expected)).mean
        assert max(difference) < 4, difference  # of 255; a wrong turn or scale gives tens
    assert (result.width, result.height) == ((1200, 1600) if orientation in (6, 8) else (1600, 1200))


def test_large_photo_is_resized_to_display_and_thumbnail_sizes():
    result = process_photo(image_bytes("JPEG", size=(4000, 3000)), **LIMITS)
    assert max(open_image(result.display).size) == 1600
    assert max(open_image(result.thumbnail).size) == 400
    assert (result.width, result.height) == (1600, 1200)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_stored_as_jpeg(fmt):
    result = process_photo(image_bytes(fmt, mode="RGBA"), **LIMITS)
    assert open_image(result.display).format == "JPEG"


def test_heic_from_an_iphone_is_accepted_and_loses_its_gps():
    original = image_bytes("HEIF", gps=CENTRUM)
    assert open_image(original).format == "HEIF"
    result = process_photo(original, **LIMITS)
    assert result.gps is not None
    out = open_image(result.display)
    assert out.format == "JPEG" and len(out.getexif()) == 0


def test_format_is_read_from_content_not_the_name():
    with pytest.raises(PhotoError, match="not a photo"):
        process_photo(b"%PDF-1.4 this is a document, not a photo" * 10, **LIMITS)
    with pytest.raises(PhotoError, match="JPEG, PNG and WebP"):
        process_photo(image_bytes("GIF"), **LIMITS)


def test_truncated_jpeg_is_refused():
    data = image_bytes("JPEG", size=(1200, 900), noise=True)
    with pytest.raises(PhotoError, match="damaged"):
        process_photo(data[: len(data) // 2], **LIMITS)


def test_decompression_bomb_is_refused_without_decoding():
    # A tiny PNG that claims 20 000 x 20 000 pixels (400 megapixels).
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(PhotoError, match="too many pixels"):
        process_photo(bomb.getvalue(), **LIMITS)


def test_oversized_file_is_refused():
    with pytest.raises(PhotoError, match="too large"):
        process_photo(b"\xff\xd8" + b"0" * (15 * 1024 * 1024), **LIMITS)


def test_empty_file_is_refused():
    with pytest.raises(PhotoError, match="empty"):
        process_photo(b"", **LIMITS)
