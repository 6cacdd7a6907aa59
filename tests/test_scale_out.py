"""More than one app server: rate limits shared through a real redis-server, and two gunicorn instances behind the
shipped nginx site (deploy/nginx/trygghetskartan.conf) sharing one PostgreSQL, one Redis and one photo store, in
production mode. A report, a photo, a staff session, a form's CSRF token, a tracking link and a rate limit made
through one server hold on the other."""
from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
import requests

from tests import nginx
from tests.conftest import base_config, build_app
from tests.factories import CENTRUM, PASSWORD, image_bytes, make_user
from tests.server import ROOT, serve
from webapp.extensions import db

# 64 hex characters, the same on every server: sessions, CSRF tokens and tracking links are signed with it.
SECRET_KEY = "6f1c" * 16
PUBLIC_HOST = "trygghetskartan.test"
BOX = f"{CENTRUM[0] - 0.02},{CENTRUM[1] - 0.02},{CENTRUM[0] + 0.02},{CENTRUM[1] + 0.02}"
_databases = itertools.count()

needs_nginx = pytest.mark.skipif(not nginx.available(), reason="nginx or openssl is not installed "
                                 "(apt-get install nginx; make test installs it as root)")


def server_environment(database_url: str, limits_url: str, shared: Path, instance: Path,
                       public_url: str = f"https://{PUBLIC_HOST}", proxies: int = 1,
                       photos: dict | None = None) -> dict:
    """One app server's environment, as an operator writes it in /etc/trygghetskartan.env: the same on every
    server but for `instance` (each machine's own folder). Photos: `photos` (an S3-compatible bucket's settings:
    PHOTO_STORE=s3, S3_ENDPOINT_URL, S3_BUCKET…), else one MEDIA_DIR shared by all (a network share)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "RATELIMIT_"))}
    media = str(instance / "media") if photos else str(shared / "media")  # with a bucket, no folder is shared
    return {**env, **(photos or {}), "APP_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": limits_url, "MEDIA_DIR": media, "INSTANCE_PATH": str(instance),
            "PUBLIC_BASE_URL": public_url, "PROXY_COUNT": str(proxies),
            "TRUSTED_HOSTS": f"{PUBLIC_HOST},127.0.0.1,localhost", "MAIL_SERVER": "",
            "MAIL_OUTBOX_DIR": str(instance / "outbox"), "JOBS_IN_WEB_PROCESS": "0",
            "PUBLISH_PHOTOS_IMMEDIATELY": "1", "MAP_CACHE_SECONDS": "0", "PYTHONPATH": str(ROOT)}


def fresh_database(postgres, template: str, folder: Path, staff: bool = False) -> tuple[str, str | None]:
    """A migrated PostgreSQL database of its own (and a lighting planner's e-mail, if asked)."""
    name = f"tk_scale_{next(_databases)}"
    postgres.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    url = postgres.url(name)
    email = None
    if staff:
        app = build_app(base_config(folder, url))
        with app.app_context():
            email = make_user("lighting_planner").email
            db.session.remove()
            db.engine.dispose()
    return url, email


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def login_token(session: requests.Session, url: str) -> str:
    return token_of(session.get(f"{url}/staff/login", timeout=60).text)


def bad_login(session: requests.Session, url: str, token: str, **kwargs) -> requests.Response:
    """One wrong password through the real login form, with the token of a login page opened before."""
    return session.post(f"{url}/staff/login", data={"csrf_token": token, "email": "nobody@example.se",
                                                     "password": "wrong-password"},
                        allow_redirects=False, timeout=60, **kwargs)


# -- Item 2: limits shared through Redis ---------------------------------------------------------------------------

@pytest.mark.slow
def test_login_and_report_limits_hold_across_two_worker_processes_with_redis(postgres, postgres_template,
                                                                             redis_server, tmp_path):
    redis_server.forget()
    database, _ = fresh_database(postgres, postgres_template, tmp_path)
    env = server_environment(database, redis_server.url, tmp_path, tmp_path / "instance",
                             public_url=f"http://{PUBLIC_HOST}", proxies=0)
    with serve(env, workers=2, threads=2) as server:
        session = requests.Session()
        token = login_token(session, server.url)
        answers = [bad_login(session, server.url, token).status_code for _ in range(11)]
        assert answers == [400] * 10 + [429], answers  # LOGIN_RATE_LIMIT: 10 per minute, whichever worker answers
        assert bad_login(session, server.url, login_token(session, server.url)).status_code == 429

        token = token_of(session.get(f"{server.url}/", timeout=60).text)
        posts = [session.post(f"{server.url}/", data={"csrf_token": token, "description": "no place"},
                              allow_redirects=False, timeout=60).status_code for _ in range(21)]
        assert posts == [400] * 20 + [429], posts  # REPORT_SUBMIT_LIMIT: 20 per minute
    assert redis_server.client().dbsize() > 0  # the counters are in Redis, not in the workers


@pytest.mark.slow
@pytest.mark.parametrize("store", ["memory", "redis"])
def test_a_login_limit_counts_for_the_whole_service_only_with_redis(store, postgres, postgres_template,
                                                                     redis_server, tmp_path):
    """Ten bad logins on one server: the eleventh on another server is refused only when they share Redis
    (the memory store, documented as one-machine only, counts per process)."""
    redis_server.forget()
    database, _ = fresh_database(postgres, postgres_template, tmp_path)
    limits = redis_server.url if store == "redis" else "memory://"
    envs = [server_environment(database, limits, tmp_path, tmp_path / f"instance-{n}",
                               public_url=f"http://{PUBLIC_HOST}", proxies=0) for n in (1, 2)]
    with serve(envs[0], workers=1, threads=2) as one, serve(envs[1], workers=1, threads=2) as other:
        session = requests.Session()
        token = login_token(session, one.url)
        assert [bad_login(session, one.url, token).status_code for _ in range(10)] == [400] * 10
        assert bad_login(session, other.url, token).status_code == (429 if store == "redis" else 400)
        assert bad_login(session, one.url, token).status_code == 429


# -- Item 7: two servers behind nginx --------------------------------------------------------------------------------

@needs_nginx
def test_the_shipped_nginx_site_passes_nginx_t(tmp_path):
    server = nginx.ThrowawayNginx([7999, 7998])
    try:
        checked = server.check()
    finally:
        server.stop()
    assert checked.returncode == 0, checked.stderr
    shipped = nginx.SITE.read_text()
    for line in ("client_max_body_size 50m;", "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "proxy_set_header X-Forwarded-Proto $scheme;", "gzip on;", "location /static/"):
        assert line in shipped


@pytest.fixture(scope="module")
def cluster(postgres, postgres_template, redis_server, s3_server, tmp_path_factory):
    """Two gunicorn instances (one worker each) on one PostgreSQL, one Redis and one S3-compatible bucket (moto's
    server), behind nginx: nothing on disk is shared between them."""
    if not nginx.available():
        pytest.skip("nginx or openssl is not installed (apt-get install nginx; make test installs it as root)")
    folder = tmp_path_factory.mktemp("cluster")
    database, planner = fresh_database(postgres, postgres_template, folder, staff=True)
    photos = s3_server.config(s3_server.new_bucket())
    envs = [server_environment(database, redis_server.url, folder, folder / f"instance-{n}", photos=photos)
            for n in (1, 2)]
    with serve(envs[0], workers=1, threads=4) as one, serve(envs[1], workers=1, threads=4) as other:
        proxy = nginx.ThrowawayNginx([one.port, other.port])
        proxy.start()
        try:
            yield type("Cluster", (), {"servers": (one, other), "proxy": proxy, "planner": planner,
                                       "redis": redis_server})
        finally:
            proxy.stop()


def browser(cluster) -> requests.Session:
    """A phone's browser at the nginx address (checking its certificate), sending the Referer a browser sends."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over our certificate
    session.verify = str(cluster.proxy.cert)
    session.headers["Referer"] = f"{cluster.proxy.url}/"
    return session


def answered_by(response: requests.Response) -> str:
    upstream = response.headers.get("X-Upstream", "")
    assert upstream, "nginx did not say which app server answered"
    return upstream


def other_than(cluster, upstream: str):
    """The app server that did not answer (asked directly, not through nginx)."""
    (other,) = [s for s in cluster.servers if not upstream.endswith(f":{s.port}")]
    return other


@pytest.mark.slow
def test_nginx_shares_requests_between_both_servers_and_serves_static_files(cluster):
    session = browser(cluster)
    pages = [session.get(f"{cluster.proxy.url}/karta", timeout=60) for _ in range(4)]
    assert all(p.status_code == 200 for p in pages)
    assert {answered_by(p) for p in pages} == {f"127.0.0.1:{s.port}" for s in cluster.servers}
    assert pages[0].headers["Content-Encoding"] in ("gzip", "br", "zstd")  # text compressed (by the app or nginx)
    assert "Content-Security-Policy" in pages[0].headers  # the application's own headers pass through

    name = sorted(os.listdir(ROOT / 'static' / 'css'))[0]
    css = session.get(f"{cluster.proxy.url}/static/css/{name}?v=abc123", timeout=60)
    assert css.status_code == 200 and "X-Upstream" not in css.headers  # from the checkout, no app server asked
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"  # named by content: kept a year
    plain = session.get(f"{cluster.proxy.url}/static/css/{name}", timeout=60)
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"  # asked again each time
    # /metrics is not passed through from outside; a client does not choose the request id in the logs.
    assert session.get(f"{cluster.proxy.url}/metrics", timeout=60).status_code == 404
    chosen = session.get(f"{cluster.proxy.url}/karta", headers={"X-Request-ID": "chosen-by-client"}, timeout=60)
    assert chosen.headers["X-Request-ID"] != "chosen-by-client" and len(chosen.headers["X-Request-ID"]) == 32
    worker = session.get(f"{cluster.proxy.url}/sw.js", timeout=60)
    assert worker.status_code == 200 and worker.headers["Cache-Control"] == "no-cache" and answered_by(worker)
    assert requests.get(f"http://127.0.0.1:{cluster.proxy.http_port}/karta", allow_redirects=False,
                        timeout=60).headers["Location"].startswith("https://")


@pytest.mark.slow
def test_a_report_with_a_photo_made_through_one_server_is_on_the_others_map_with_its_photo(cluster):
    session = browser(cluster)
    form = session.get(f"{cluster.proxy.url}/", timeout=60)
    sent = session.post(f"{cluster.proxy.url}/", timeout=120, allow_redirects=False, data={
        "csrf_token": token_of(form.text), "category": "littered", "lat": f"{CENTRUM[1]:.6f}",
        "lon": f"{CENTRUM[0]:.6f}", "description": "Glasskärvor vid busshållplatsen"},
        files={"photos": ("skarvor.jpg", image_bytes(size=(1200, 900)), "image/jpeg")})
    # The form came from one server and was accepted by the other: the CSRF token and its session hold.
    assert answered_by(form) != answered_by(sent)
    assert sent.status_code == 302, sent.text[:500]
    tracking = sent.headers["Location"]
    assert re.match(r"^/t/[^/]+$", tracking)

    other = other_than(cluster, answered_by(sent))
    features = requests.get(f"{other.url}/api/v1/reports?bbox={BOX}", timeout=60).json()["features"]
    mine = [f for f in features if f["properties"].get("thumbnail_url")]
    assert len(mine) == 1
    thumbnail = requests.get(f"{other.url}{mine[0]['properties']['thumbnail_url']}", timeout=60)
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    assert thumbnail.content[:2] == b"\xff\xd8"

    for server in cluster.servers:  # the private tracking link works on every server
        page = requests.get(f"{server.url}{tracking}", headers={"X-Forwarded-Proto": "https"}, timeout=60)
        assert page.status_code == 200 and "Glasskärvor vid busshållplatsen" in page.text


@pytest.mark.slow
def test_a_staff_session_made_through_one_server_works_on_the_other(cluster):
    cluster.redis.forget()
    session = browser(cluster)
    page = session.get(f"{cluster.proxy.url}/staff/login", timeout=60)
    login = session.post(f"{cluster.proxy.url}/staff/login", allow_redirects=False, timeout=60,
                         data={"csrf_token": token_of(page.text), "email": cluster.planner, "password": PASSWORD})
    assert login.status_code == 302 and "/staff/login" not in login.headers["Location"]
    cookie = session.cookies.get("session")
    assert cookie and next(c for c in session.cookies if c.name == "session").secure  # HTTPS only, as in production
    for server in cluster.servers:
        heatmap = requests.get(f"{server.url}/staff/heatmap/cells.json", cookies={"session": cookie},
                               headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=60)
        assert heatmap.status_code == 200, (server.port, heatmap.status_code)
    anonymous = requests.get(f"{cluster.servers[0].url}/staff/heatmap/cells.json", allow_redirects=False, timeout=60)
    assert anonymous.status_code in (302, 401, 403)


@pytest.mark.slow
def test_a_rate_limit_holds_across_both_servers(cluster):
    cluster.redis.forget()
    session = browser(cluster)
    token = login_token(session, cluster.proxy.url)
    answers = [bad_login(session, cluster.proxy.url, token) for _ in range(11)]
    assert [a.status_code for a in answers] == [400] * 10 + [429]
    assert {answered_by(a) for a in answers[:10]} == {f"127.0.0.1:{s.port}" for s in cluster.servers}
    # nginx adds the real address after any the client claims, and the servers believe one proxy: a forged
    # X-Forwarded-For is no way round the limit.
    forged = bad_login(session, cluster.proxy.url, token, headers={"X-Forwarded-For": "203.0.113.9"})
    assert forged.status_code == 429
    cluster.redis.forget()
