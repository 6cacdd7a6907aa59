"""The photo pipeline: check what a file really is, orient it, strip all metadata, resize, store.

Originals are never kept. The files are kept by a PhotoStore (webapp/photostore.py: disk or S3), and
`PhotoStore.discard` removes them again when the database transaction fails, so that no photo
file is left without its report.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from struct import error as struct_error

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageFile, UnidentifiedImageError

from webapp.photostore import DiskPhotoStore, PhotoStore, PhotoStoreUnavailable  # noqa: F401 - re-exported

try:  # HEIC from iPhones, when the wheel installs on this platform.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the platform
    HEIF_SUPPORTED = False

ImageFile.LOAD_TRUNCATED_IMAGES = False
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"} | ({"HEIF"} if HEIF_SUPPORTED else set())
GPS_IFD = 0x8825


class PhotoError(ValueError):
    """A photo that cannot be accepted; the message is shown to the resident."""


@dataclass
class ProcessedPhoto:
    display: bytes
    thumbnail: bytes
    width: int
    height: int
    gps: tuple[float, float] | None  # (lon, lat) from EXIF, if the camera recorded one


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num) / float(den)


def gps_from_exif(image: Image.Image) -> tuple[float, float] | None:
    """The (lon, lat) an image's EXIF says it was taken at, or None. Reads only the EXIF block found while the
    file was opened (image.info), never the pixels: Pillow's PNG getexif() would decode the whole image to look
    for a block after the pixel data, and a phone puts its EXIF before them."""
    raw = image.info.get("exif")
    if not raw:
        return None
    try:
        exif = Image.Exif()
        exif.load(raw)
        gps = exif.get_ifd(GPS_IFD)
    except Exception:  # noqa: BLE001 - a broken EXIF block is not the resident's problem
        return None
    try:
        lat = sum(_rational(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_rational(v) / 60**i for i, v in enumerate(gps[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if str(gps.get(1, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lon, lat


# EXIF orientation → the transpose that shows the photo upright (as ImageOps.exif_transpose would).
ORIENTATION = 0x0112
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


def encode_jpeg(image: Image.Image, longest_side: int | None = None) -> bytes:
    if longest_side is not None and max(image.size) > longest_side:
        image = image.copy()
        image.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, no icc_profile=, and none of what the file brought (Pillow writes a JPEG comment it read back
    # out, and a comment can hold a name or a telephone number): the file carries pixels and nothing else.
    image.info = {}
    image.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def _fitted(size: tuple[int, int], longest_side: int) -> tuple[int, int]:
    """`size` scaled so that its longest side is `longest_side` (never enlarged)."""
    width, height = size
    scale = min(1.0, longest_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


# What a phone photo looks like, checked from the header before a pixel is decoded (issue 23.4). Decoding costs
# memory and time per pixel, not per byte of file: a 58 KB grey PNG of 7700 × 7700 decodes to 60 MP. A camera's
# photo carries a few pixels per byte (a 12 MP JPEG is 2–5 MB); a small picture may be anything.
FREE_PIXELS = 4_000_000         # up to this many pixels (16 MB decoded), any proportion is fine
MAX_PIXELS_PER_BYTE = 100       # above it, a file this small for its pixels is no photo but a decompression bomb
# JPEG is decoded at 1/2 to 1/8 scale (draft), so only the configured cap (MAX_IMAGE_PIXELS) bounds it; PNG,
# WebP and HEIC are decoded whole, so they are held to what a phone's camera or screen makes (24 MP HEIC).
FULL_DECODE_MAX_PIXELS = 25_000_000


def check_proportions(image: Image.Image, size_in_bytes: int, max_pixels: int) -> None:
    """Refuse (PhotoError, in the resident's language) an opened but not yet decoded image whose pixel count or
    pixels per byte of file are out of proportion for a phone photo."""
    pixels = image.width * image.height
    cap = max_pixels if image.format == "JPEG" else min(max_pixels, FULL_DECODE_MAX_PIXELS)
    if pixels > FREE_PIXELS and pixels > MAX_PIXELS_PER_BYTE * max(size_in_bytes, 1):
        raise PhotoError(_l("This file has far more pixels than its size allows for a photo, so it was not "
                            "opened. Send the photo as your camera saved it."))
    if pixels > cap:
        raise PhotoError(_l("The photo has too many pixels to be handled safely."))


def position_from_photo(data: bytes, max_bytes: int) -> tuple[float, float] | None:
    """Where a photo's EXIF says it was taken, (lon, lat) or None, read from the file's header and EXIF block
    alone: no pixel is decoded, so a picture of any size costs the same (the photo-position helper)."""
    if not data:
        raise PhotoError(_l("The photo file is empty."))
    if len(data) > max_bytes:
        raise PhotoError(_l("The photo is too large (at most %(mb)d MB).", mb=max_bytes // (1024 * 1024)))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(_l("Only JPEG, PNG and WebP photos can be used."))
            return gps_from_exif(image)
    except PhotoError:
        raise
    except UnidentifiedImageError:
        raise PhotoError(_l("The file is not a photo we can read (JPEG, PNG or WebP).")) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct_error, Image.DecompressionBombError):
        raise PhotoError(_l("The photo file is damaged or incomplete.")) from None


def _open_checked(data: bytes, max_pixels: int, display_size: int) -> tuple[Image.Image, int, tuple | None]:
    """The decoded image (a JPEG decoded at the smallest DCT scale still at least display_size), its EXIF
    orientation and GPS position. Raises PhotoError for anything that is not a sound photo."""
    too_many_pixels = PhotoError(_l("The photo has too many pixels to be handled safely."))
    with warnings.catch_warnings():
        # Pillow's own bomb check is the last line; ours (max_pixels) is stricter and comes first.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:  # verify() checks the structure, then the file is spent
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoError(_l("Only JPEG, PNG and WebP photos can be used."))
                check_proportions(probe, len(data), max_pixels)
                probe.verify()
            image = Image.open(io.BytesIO(data))
            orientation = _orientation(image)
            gps = gps_from_exif(image)
            if image.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale when that still leaves at least the display size: a 12 MP
                # photo is decoded at 3 MP. The box has the photo's own proportions.
                image.draft("RGB", _fitted(image.size, display_size) if max(image.size) > display_size
                            else image.size)
            image.load()
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except UnidentifiedImageError:
            raise PhotoError(_l("The file is not a photo we can read (JPEG, PNG or WebP).")) from None
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError, struct_error):
            raise PhotoError(_l("The photo file is damaged or incomplete.")) from None
    return image, orientation if orientation in UPRIGHT else 1, gps


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation, from the block read at open (see gps_from_exif: never a decode to find it)."""
    raw = image.info.get("exif")
    if not raw:
        return 1
    try:
        exif = Image.Exif()
        exif.load(raw)
        return exif.get(ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block: shown as it is stored
        return 1


def _flattened(image: Image.Image) -> Image.Image:
    """RGB; transparency on white."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def process_photo(data: bytes, *, max_bytes: int, max_pixels: int, display_size: int = 1600,
                  thumb_size: int = 400) -> ProcessedPhoto:
    """Turn uploaded bytes into metadata-free, upright JPEG derivatives (the display size and a thumbnail), or
    raise PhotoError. The photo is shrunk before it is turned upright, so the expensive steps run on the
    small image."""
    if not data:
        raise PhotoError(_l("The photo file is empty."))
    if len(data) > max_bytes:
        raise PhotoError(_l("The photo is too large (at most %(mb)d MB).", mb=max_bytes // (1024 * 1024)))
    image, orientation, gps = _open_checked(data, max_pixels, display_size)
    image = _flattened(image)
    target = _fitted(image.size, display_size)
    if image.size != target:
        image = image.resize(target, Image.Resampling.LANCZOS)
    if orientation != 1:
        image = image.transpose(UPRIGHT[orientation])
    thumbnail = image.copy()
    thumbnail.thumbnail((thumb_size, thumb_size), Image.Resampling.LANCZOS)
    return ProcessedPhoto(encode_jpeg(image), encode_jpeg(thumbnail), image.width, image.height, gps)


@dataclass
class PhotoSettings:
    store: PhotoStore
    max_bytes: int
    max_pixels: int
    max_count: int = 3
    display_size: int = 1600
    thumb_size: int = 400
    publish_immediately: bool = False


def photo_settings() -> PhotoSettings:
    config = current_app.config
    return PhotoSettings(
        store=current_app.extensions["photo_store"], max_bytes=config["MAX_PHOTO_BYTES"],
        max_pixels=config["MAX_IMAGE_PIXELS"], max_count=config["MAX_PHOTOS"],
        display_size=config["PHOTO_DISPLAY_SIZE"], thumb_size=config["PHOTO_THUMB_SIZE"],
        publish_immediately=config["PUBLISH_PHOTOS_IMMEDIATELY"],
    )
