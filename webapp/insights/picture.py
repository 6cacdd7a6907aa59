"""The heat map as a picture (PNG, Pillow): a light background, the grid cells, the districts, a scale bar, a north
arrow and a legend that says what was selected.

The background is either tiles from a configured tile server (HEATMAP_TILE_URL, e.g. the city's own or
Lantmäteriet's), reprojected into the picture, or — when none is configured or it does not answer — the layers
kept in the project: the kommun's land against the sea (the real but simplified boundary, so the coastline is
drawn coarsely) and SCB's localities. The project holds no road network, so without a tile server no roads are
drawn; the legend says which background was used and where it comes from.
"""
from __future__ import annotations

import io
import json
import math
import time
from pathlib import Path

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import select

from webapp import outbound
from webapp.extensions import db
from webapp.geo import services as geo
from webapp.geo.models import District
from webapp.municipality import current_municipality
from webapp.outbound import OutboundError

RAMP = [(255, 255, 204), (255, 237, 160), (254, 217, 118), (254, 178, 76), (253, 141, 60), (252, 78, 42),
        (227, 26, 28), (177, 0, 38)]
SEA, LAND, COAST = (214, 230, 241), (246, 244, 238), (120, 150, 175)
FONT_PATHS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
              "/usr/share/fonts/truetype/freefont/FreeSans.ttf"]
MAX_TILES = 64
TILE_TIMEOUT_S = 4         # one tile, all in
TILES_DEADLINE_S = 20      # every tile of one picture together
MAX_TILE_BYTES = 2 * 1024 * 1024


def font(size: int):
    """A system font with Swedish letters (DejaVu from Debian's fonts-dejavu-core), else Pillow's own."""
    from PIL import ImageFont

    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


class Frame:
    """The picture's map area: SWEREF 99 TM metres to pixels (north up, the same scale both ways)."""

    def __init__(self, min_x: float, min_y: float, max_x: float, max_y: float, width: int):
        self.min_x, self.min_y, self.max_x, self.max_y = min_x, min_y, max_x, max_y
        self.width = width
        self.scale = width / (max_x - min_x)  # pixels per metre
        self.height = int(round((max_y - min_y) * self.scale))

    def pixel(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.min_x) * self.scale, self.height - (y - self.min_y) * self.scale


# Backgrounds

def _fetch(url: str, until: float) -> bytes:
    """One tile through the one outgoing client (a deadline, a size cap, no redirects); OutboundError when it
    does not come, and none is asked once the whole background's deadline (`until`) has passed."""
    left = min(TILE_TIMEOUT_S, until - time.monotonic())
    if left <= 0:
        raise OutboundError("the tiles' deadline has passed")
    agent = f"Trygghetskartan heat-map export ({current_municipality().organisation})"
    return outbound.get(url, headers={"User-Agent": agent}, deadline_s=left, max_bytes=MAX_TILE_BYTES).body


def tile_background(frame: Frame, tile_url: str):
    """The map area filled from an XYZ tile server (Web Mercator), reprojected pixel by pixel into SWEREF 99 TM.
    Returns None when the server is not reachable or answers with something that is not a picture."""
    from PIL import Image

    columns, rows = np.meshgrid(np.arange(frame.width) + 0.5, np.arange(frame.height) + 0.5)
    east = frame.min_x + columns / frame.scale
    north = frame.max_y - rows / frame.scale
    lon, lat = geo.to_wgs84(east, north)
    lon, lat = np.asarray(lon), np.asarray(lat)
    # The zoom whose tile pixels are closest to the picture's pixels.
    metres_per_pixel = 1 / frame.scale
    middle = math.radians(float(lat.mean()))
    zoom = int(min(18, max(8, round(math.log2(156543.034 * math.cos(middle) / metres_per_pixel)))))
    world = 256 * 2 ** zoom
    px = (lon + 180) / 360 * world
    py = (1 - np.log(np.tan(np.radians(lat)) + 1 / np.cos(np.radians(lat))) / math.pi) / 2 * world
    tx0, ty0 = int(px.min() // 256), int(py.min() // 256)
    tx1, ty1 = int(px.max() // 256), int(py.max() // 256)
    if (tx1 - tx0 + 1) * (ty1 - ty0 + 1) > MAX_TILES:
        return None
    mosaic = Image.new("RGB", ((tx1 - tx0 + 1) * 256, (ty1 - ty0 + 1) * 256), (255, 255, 255))
    until = time.monotonic() + TILES_DEADLINE_S
    try:
        for tx in range(tx0, tx1 + 1):
            for ty in range(ty0, ty1 + 1):
                url = tile_url.replace("{z}", str(zoom)).replace("{x}", str(tx)).replace("{y}", str(ty)) \
                    .replace("{s}", "a")
                with Image.open(io.BytesIO(_fetch(url, until))) as tile:
                    if tile.width * tile.height > 1024 * 1024:  # a tile is 256 or 512 pixels square
                        return None
                    mosaic.paste(tile.convert("RGB").resize((256, 256)), ((tx - tx0) * 256, (ty - ty0) * 256))
    except (OutboundError, OSError, ValueError):  # unreachable, too slow, too large, refused, or not a picture
        return None
    pixels = np.asarray(mosaic)
    ix = np.clip((px - tx0 * 256).astype(int), 0, pixels.shape[1] - 1)
    iy = np.clip((py - ty0 * 256).astype(int), 0, pixels.shape[0] - 1)
    picture = Image.fromarray(pixels[iy, ix])
    # Lighter, so that the heat stands out: a background, not a map to read.
    return Image.blend(picture, Image.new("RGB", picture.size, (255, 255, 255)), 0.35)


def bundled_background(frame: Frame):
    """Land and sea from the kommun boundary, and SCB's localities, drawn from the files in webapp/data."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (frame.width, frame.height), SEA)
    draw = ImageDraw.Draw(picture)
    land = geo.to_sweref_geometry(geo.kommun_boundary())
    for polygon in getattr(land, "geoms", [land]):
        ring = [frame.pixel(x, y) for x, y in polygon.exterior.coords]
        draw.polygon(ring, fill=LAND)
        draw.line(ring, fill=COAST, width=2)
    localities_file = current_municipality().localities_file
    localities = json.loads(localities_file.read_text(encoding="utf-8")) if localities_file else {"features": []}
    label = font(14)
    for feature in localities["features"]:
        x, y = frame.pixel(*geo.to_sweref(*feature["geometry"]["coordinates"]))
        if 10 <= x <= frame.width - 10 and 10 <= y <= frame.height - 10:
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(110, 110, 110))
            draw.text((x + 7, y - 7), feature["properties"]["name"], fill=(90, 90, 90), font=label)
    return picture


# Map furniture

def _nice_length(metres: float) -> int:
    """The largest of 1, 2, 5 × 10^n metres not longer than `metres`."""
    power = 10 ** math.floor(math.log10(metres))
    return int(max(step * power for step in (1, 2, 5) if step * power <= metres))


def scale_bar(draw, frame: Frame, left: int, bottom: int) -> int:
    """A scale bar of a round length about a fifth of the picture wide. Returns its length in metres."""
    metres = _nice_length(frame.width / 5 / frame.scale)
    length = metres * frame.scale
    text = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m"
    draw.rectangle([left - 6, bottom - 34, left + length + 6, bottom + 6], fill=(255, 255, 255))
    draw.rectangle([left, bottom - 6, left + length / 2, bottom], fill=(0, 0, 0))
    draw.rectangle([left + length / 2, bottom - 6, left + length, bottom], fill=(255, 255, 255), outline=(0, 0, 0))
    draw.rectangle([left, bottom - 6, left + length, bottom], outline=(0, 0, 0))
    draw.text((left + length / 2, bottom - 10), text, fill=(0, 0, 0), font=font(14), anchor="md")
    return metres


def north_arrow(draw, right: int, top: int) -> None:
    """North is up: the picture is drawn in SWEREF 99 TM, whose grid north is within 2° of true north here."""
    x = right - 30
    draw.rectangle([x - 22, top, x + 22, top + 64], fill=(255, 255, 255))
    draw.polygon([(x, top + 22), (x - 11, top + 56), (x, top + 47)], fill=(0, 0, 0))
    draw.polygon([(x, top + 22), (x + 11, top + 56), (x, top + 47)], fill=(255, 255, 255), outline=(0, 0, 0))
    draw.text((x, top + 2), "N", fill=(0, 0, 0), font=font(18), anchor="ma")


def _wrap(draw, text: str, face, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=face) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


def _frame(result, town: list, width: int, margin_m: float = 300) -> Frame:
    """The town's districts, widened to the squares around them. Squares far out in the villages would make the
    town a speck: when taking them in would more than double the area and most reports lie in the town, the
    picture keeps to the town (the legend counts the reports left outside); when most lie outside, it shows them."""
    def box(xs, ys):
        return [min(xs) - margin_m, min(ys) - margin_m, max(xs) + margin_m, max(ys) + margin_m] if xs else None

    def area(b):
        return (b[2] - b[0]) * (b[3] - b[1])

    xs, ys = [], []
    for geometry in town:
        minx, miny, maxx, maxy = geo.to_sweref_geometry(geometry).bounds
        xs += [minx, maxx]
        ys += [miny, maxy]
    town_box = box(xs, ys)
    cells_box = box([c["e"] for c in result.cells] + [c["e"] + result.size_m for c in result.cells],
                    [c["n"] for c in result.cells] + [c["n"] + result.size_m for c in result.cells])
    if town_box is None and cells_box is None:  # no districts and no reports: around the maps' centre
        lat, lon = current_municipality().center
        x, y = geo.to_sweref(lon, lat)
        return Frame(x - 3000, y - 3000, x + 3000, y + 3000, width)
    if town_box is None or cells_box is None:
        return Frame(*(town_box or cells_box), width)
    both = [min(town_box[0], cells_box[0]), min(town_box[1], cells_box[1]),
            max(town_box[2], cells_box[2]), max(town_box[3], cells_box[3])]
    if area(both) <= 2 * area(town_box):
        return Frame(*both, width)
    inside = sum(c["count"] for c in result.cells if town_box[0] <= c["e"] <= town_box[2]
                 and town_box[1] <= c["n"] <= town_box[3])
    return Frame(*(town_box if inside * 2 >= sum(c["count"] for c in result.cells) else cells_box), width)


def render(result, title: str, *, selection_lines: list[str], width: int = 1200, tile_url: str = "",
           tile_attribution: str = "") -> bytes:
    """The heat map of a grid result as PNG bytes."""
    from PIL import Image, ImageDraw
    from shapely.geometry import shape


    districts = [(d.name, shape(json.loads(d.geometry)), d.is_approximate)
                 for d in db.session.execute(select(District).order_by(District.name)).scalars()]
    rural = set(current_municipality().rural_districts)
    town = [g for name, g, _a in districts if name not in rural] or [g for _n, g, _a in districts]
    frame = _frame(result, town, width)
    outside = sum(c["count"] for c in result.cells
                  if not (frame.min_x <= c["e"] + result.size_m / 2 <= frame.max_x
                          and frame.min_y <= c["n"] + result.size_m / 2 <= frame.max_y))

    background, source = None, ""
    if tile_url:
        background = tile_background(frame, tile_url)
        source = _("Background: %(attribution)s", attribution=tile_attribution or tile_url)
    if background is None:
        background = bundled_background(frame)
        source = _("Background: the boundary of %(kommun)s, simplified, and its localities (%(sources)s). "
                   "The coastline is drawn coarsely and roads are not drawn: the project holds no road data.",
                   kommun=current_municipality().kommun, sources=current_municipality().map_data_sources)
    map_layer = background.convert("RGBA")
    cells = Image.new("RGBA", map_layer.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(cells)
    top = result.max_count or 1
    for cell in sorted(result.cells, key=lambda c: c["count"]):
        colour = RAMP[min(len(RAMP) - 1, int((len(RAMP) - 1) * math.log1p(cell["count"]) / math.log1p(top)))]
        x0, y1 = frame.pixel(cell["e"], cell["n"])
        x1, y0 = frame.pixel(cell["e"] + result.size_m, cell["n"] + result.size_m)
        draw.rectangle([x0, y0, x1, y1], fill=colour + (225,))
    map_layer = Image.alpha_composite(map_layer, cells).convert("RGB")
    draw = ImageDraw.Draw(map_layer)
    label = font(16)
    for name, geometry, _approximate in districts:
        projected = geo.to_sweref_geometry(geometry)
        for polygon in getattr(projected, "geoms", [projected]):
            draw.line([frame.pixel(x, y) for x, y in polygon.exterior.coords], fill=(40, 40, 40), width=2)
        cx, cy = frame.pixel(*projected.representative_point().coords[0])
        if 0 <= cx <= frame.width and 0 <= cy <= frame.height:
            draw.text((cx, cy), name, fill=(20, 20, 20), font=label, anchor="mm", stroke_width=3,
                      stroke_fill=(255, 255, 255))
    scale_bar(draw, frame, 24, frame.height - 20)
    north_arrow(draw, frame.width - 10, 10)

    # The legend below the map: title, colour ramp, what was selected, and where the layers come from.
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    small, normal = font(14), font(16)
    lines = [(line, normal) for text in selection_lines for line in _wrap(measure, text, normal, width - 40)]
    notes = [source]
    if outside:
        notes.insert(0, _("%(n)d reports lie outside the picture (in the villages); the counts above include them.",
                          n=outside))
    if any(approximate for _n, _g, approximate in districts):
        notes.append(_("District outlines: approximate demo geometry, not the municipality's boundaries."))
    notes.append(_("Grid: SWEREF 99 TM, squares of %(size)d m.", size=result.size_m))
    lines += [(line, small) for text in notes for line in _wrap(measure, text, small, width - 40)]
    legend_h = 130 + sum(22 if face is normal else 19 for _l, face in lines) + 10
    image = Image.new("RGB", (width, frame.height + legend_h), (255, 255, 255))
    image.paste(map_layer, (0, 0))
    draw = ImageDraw.Draw(image)
    y = frame.height + 16
    draw.text((20, y), title, fill=(0, 0, 0), font=font(22))
    y += 38
    for i, colour in enumerate(RAMP):
        draw.rectangle([20 + i * 50, y, 70 + i * 50, y + 26], fill=colour, outline=(0, 0, 0))
    draw.text((20, y + 32), "1", fill=(0, 0, 0), font=normal)
    draw.text((20 + len(RAMP) * 50, y + 32), str(top), fill=(0, 0, 0), font=normal, anchor="ra")
    draw.text((40 + len(RAMP) * 50, y + 4), _("%(n)d reports in %(cells)d squares (colour: reports per square)",
                                              n=result.total, cells=len(result.cells)), fill=(0, 0, 0), font=normal)
    y += 62
    for text, face in lines:
        draw.text((20, y), text, fill=(0, 0, 0) if face is normal else (70, 70, 70), font=face)
        y += 22 if face is normal else 19
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
