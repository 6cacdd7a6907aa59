"""The heat-map picture: background (bundled layers, or tiles from a real local tile server), scale bar, north
arrow and the selection in the legend. On SQLite and PostgreSQL where the database is involved."""
import io
import threading
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from tests.factories import CENTRUM, make_report
from webapp.geo import services as geo
from webapp.insights import picture, services
from webapp.insights.services import Grid, Selection

TILE_COLOUR = (200, 0, 200)


def town_frame(width=600):
    import json

    from shapely.geometry import shape

    from webapp.extensions import db
    from webapp.geo.models import District

    town = [shape(json.loads(d.geometry)) for d in db.session.execute(db.select(District)).scalars()
            if d.name != "Byarna"]
    return picture._frame(Grid(100, [], 0), town, width)


def pixel_at(image, frame, lon, lat):
    x, y = frame.pixel(*geo.to_sweref(lon, lat))
    return image.getpixel((int(x), int(y)))


def test_bundled_background_has_land_sea_and_localities(app):
    frame = town_frame()
    background = picture.bundled_background(frame)
    assert background.size == (frame.width, frame.height)
    assert pixel_at(background, frame, 12.794, 55.88) == picture.SEA      # west of the (simplified) coast
    assert pixel_at(background, frame, 12.85, 55.87) == picture.LAND      # Centrum


@pytest.fixture
def tile_server():
    """A real HTTP tile server on a free local port answering every tile with one colour."""
    out = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_COLOUR).save(out, "PNG")
    tile, asked = out.getvalue(), []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png", asked
    server.shutdown()
    server.server_close()


def test_tiles_from_a_configured_server_fill_the_background(app, tile_server):
    url, asked = tile_server
    frame = town_frame()
    background = picture.tile_background(frame, url)
    assert background is not None and 1 <= len(asked) <= picture.MAX_TILES
    zoom = {path.split("/")[1] for path in asked}
    assert len(zoom) == 1 and 12 <= int(zoom.pop()) <= 16  # tile pixels about as large as the picture's
    r, g, b = background.getpixel((frame.width // 2, frame.height // 2))
    assert (r, g, b) == pytest.approx((219, 89, 219), abs=2)  # the tile's colour, lightened


def test_an_unreachable_tile_server_falls_back_to_the_bundled_layers(app):
    frame = town_frame()
    assert picture.tile_background(frame, "http://127.0.0.1:9/{z}/{x}/{y}.png") is None
    app.config["HEATMAP_TILE_URL"] = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    make_report(category="dark_unsafe", at=CENTRUM, time_of_day="night")
    png = Image.open(io.BytesIO(services.heat_png(services.grid(Selection(), 100), "Test", width=600)))
    assert png.format == "PNG" and png.width == 600


def test_the_picture_uses_the_tiles_when_configured(app, tile_server):
    url, asked = tile_server
    app.config["HEATMAP_TILE_URL"] = url
    png = Image.open(io.BytesIO(services.heat_png(services.grid(Selection(), 100), "Test", width=600)))
    assert asked and png.convert("RGB").getpixel((300, 200)) == pytest.approx((219, 89, 219), abs=2)


def test_scale_bar_lengths_are_round():
    assert [picture._nice_length(m) for m in (240, 999, 1000, 1700, 4300)] == [200, 500, 1000, 1000, 2000]


def test_scale_bar_and_north_arrow_are_drawn(app):
    from PIL import ImageDraw

    frame = town_frame()
    image = Image.new("RGB", (frame.width, frame.height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    metres = picture.scale_bar(draw, frame, 20, frame.height - 20)
    # The black half of the bar is exactly half the length in metres at the picture's scale.
    row = [image.getpixel((x, frame.height - 23)) for x in range(frame.width)]
    black = [x for x, p in enumerate(row) if p == (0, 0, 0)]
    assert (max(black) - min(black)) == pytest.approx(metres * frame.scale, abs=2)
    picture.north_arrow(draw, frame.width - 10, 10)
    assert image.getpixel((frame.width - 43, 50)) == (0, 0, 0)  # the arrow's dark half


def test_the_legend_prints_the_selection(app):
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        lines = services.describe_for_people(Selection(categories=["dark_unsafe", "street_light"],
                                                       times_of_day=["evening", "night"],
                                                       date_from=date(2018, 1, 1), date_to=date(2018, 12, 31)))
        assert lines == ["Period: 2018-01-01 – 2018-12-31",
                         "Kategorier: Mörkt och otryggt, Trasig eller släckt gatubelysning",
                         "Tid på dygnet: kväll, natt"]
        assert services.describe_for_people(Selection())[0] == "Period: alla datum"


def test_a_selection_changes_the_picture(app):
    make_report(category="dark_unsafe", at=CENTRUM, time_of_day="night",
                created_at=datetime(2018, 2, 1, 21, tzinfo=timezone.utc))
    everything = services.heat_png(services.grid(Selection(), 100), "Test", width=600)
    chosen = Selection(categories=["dark_unsafe"], times_of_day=["night"], date_from=date(2018, 1, 1))
    narrowed = services.heat_png(services.grid(chosen, 100), "Test", width=600, selection=chosen)
    # The same squares (the one report fits both), the same map; only the legend below it differs.
    a, b = (Image.open(io.BytesIO(png)).convert("RGB") for png in (everything, narrowed))
    assert a.size == b.size
    map_height = town_frame(600).height
    assert a.crop((0, 0, 600, map_height)).tobytes() == b.crop((0, 0, 600, map_height)).tobytes()
    assert a.crop((0, map_height, 600, a.height)).tobytes() != b.crop((0, map_height, 600, b.height)).tobytes()
