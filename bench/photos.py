"""The photo pipeline beside a tuned Pillow path and the plain slow path, in one run, on the same 12-megapixel
JPEG from a turned phone (EXIF orientation 6, GPS).

    .venv/bin/python bench/photos.py            # median of 15 runs each
    .venv/bin/python bench/photos.py --runs 5

- product: webapp.media.process_photo (checks, decoding, orientation, metadata stripped, 1600 px and 400 px
  JPEGs).
- floor (tuned Pillow): verify(), draft("RGB", box of the photo's proportions) (JPEG DCT scaling), one LANCZOS
  resize to 1600 px, the EXIF orientation applied to the small image, the thumbnail from the 1600 px image,
  two JPEG encodes with the product's settings.
- plain: decode in full, turn upright, then shrink each size from the full image (the pipeline before
  2026-12-01).
Goal: product ≤ 1.3× the floor.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp.media import UPRIGHT, process_photo  # noqa: E402

SAVE = {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True}


def phone_photo() -> bytes:
    """4000 × 3000 with texture (noise over a gradient, as a photo has detail), orientation 6 and GPS."""
    gradient = Image.linear_gradient("L").resize((4000, 3000))
    noise = Image.effect_noise((4000, 3000), 40)
    image = Image.merge("RGB", (gradient, noise, Image.blend(gradient, noise, 0.5)))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "BenchPhone"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (55.0, 52.0, 14.0), 3: "E", 4: (12.0, 49.0, 49.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def tuned(data: bytes, display: int = 1600, thumb: int = 400) -> None:
    with Image.open(io.BytesIO(data)) as probe:
        probe.verify()
    image = Image.open(io.BytesIO(data))
    orientation = image.getexif().get(0x0112, 1)
    scale = display / max(image.size)
    box = (round(image.width * scale), round(image.height * scale))
    image.draft("RGB", box)
    image = image.convert("RGB").resize(box, Image.Resampling.LANCZOS)
    if orientation in UPRIGHT:
        image = image.transpose(UPRIGHT[orientation])
    small = image.copy()
    small.thumbnail((thumb, thumb), Image.Resampling.LANCZOS)
    image.save(io.BytesIO(), **SAVE)
    small.save(io.BytesIO(), **SAVE)


def plain(data: bytes, display: int = 1600, thumb: int = 400) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        for size in (display, thumb):
            copy = image.copy()
            copy.thumbnail((size, size), Image.Resampling.LANCZOS)
            copy.save(io.BytesIO(), **SAVE)


def product(data: bytes) -> None:
    process_photo(data, max_bytes=15 * 1024 * 1024, max_pixels=60_000_000)


def median_seconds(function, data: bytes, runs: int) -> float:
    function(data)  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    data = phone_photo()
    # Taking turns, so that the machine's ups and downs fall on all three alike.
    results = {"product": [], "floor": [], "plain": []}
    for _ in range(3):
        for name, function in (("product", product), ("floor", tuned), ("plain", plain)):
            results[name].append(median_seconds(function, data, max(1, args.runs // 3)))
    floor = statistics.median(results["floor"])
    print(f"12-megapixel JPEG, orientation 6 ({len(data) // 1024} KB), medians of {args.runs} runs")
    print(f"{'path':<38} {'ms':>8} {'floor ms':>9} {'ratio':>7}  goal")
    for name, label, goal in (("product", "process_photo (the product)", "≤ 1.3× the floor"),
                              ("plain", "plain path (full decode, then shrink)", "for comparison")):
        seconds = statistics.median(results[name])
        print(f"{label:<38} {seconds * 1000:>8.1f} {floor * 1000:>9.1f} {seconds / floor:>6.2f}×  {goal}")


if __name__ == "__main__":
    main()
