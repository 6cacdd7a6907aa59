"""Where the service lives: every link that leaves the site, which Host headers are answered, and which
proxy's forwarded headers are believed.

A link in an e-mail, a QR code, an Open311 answer or the OpenAPI document must never take its host from the
request: a forged `Host: evil.example` would otherwise put a resident's private tracking link on someone else's
site. So every URL built with `_external=True` (and every URL built outside a request) starts with
PUBLIC_BASE_URL, whatever the request said. `App.url_for` below is the one place that does this, so a link added
later is covered too. Only a development server (debug or testing without PUBLIC_BASE_URL) falls back to the
request's own address.
"""
from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BuildError
from werkzeug.wsgi import get_host

from webapp.bounded import BoundedMap


class ConfigurationError(RuntimeError):
    """The app was asked to serve in production without the settings production needs."""


def check_base_url(value: str) -> str:
    """PUBLIC_BASE_URL as an origin (and an optional path), without a trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ConfigurationError(f"PUBLIC_BASE_URL must look like https://trygghetskartan.example.se, not {value!r}")
    return value.rstrip("/")


def trusted_hosts_for(config) -> list[str] | None:
    """The Host names answered: TRUSTED_HOSTS, or in production the public host and the loopback names (for health
    checks on the machine). None (any host) only on a development server without PUBLIC_BASE_URL."""
    if config.get("TRUSTED_HOSTS"):
        return list(config["TRUSTED_HOSTS"])
    base = config.get("PUBLIC_BASE_URL")
    if not base:
        return None
    return [urlsplit(base).hostname, "localhost", "127.0.0.1"]


def public_base_url() -> str:
    """The site's address for links that leave it (no trailing slash)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base
    if has_request_context():  # development only: create_app refuses production without PUBLIC_BASE_URL
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


class App(Flask):
    """Flask, with external links always on PUBLIC_BASE_URL, and integers in routes bounded."""

    url_map_class = BoundedMap

    def url_for(self, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values) -> str:
        in_request = has_request_context()
        external = _external if _external is not None else (_scheme is not None or not in_request)
        base = self.config.get("PUBLIC_BASE_URL")
        if not external or not base:
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        if endpoint[:1] == ".":
            blueprint = request.blueprint if in_request else None
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        self.inject_url_defaults(endpoint, values)
        parts = urlsplit(base)
        adapter = self.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
        try:
            url = adapter.build(endpoint, values, method=_method, force_external=True)
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            url += f"#{quote(_anchor, safe='%!#$&()*+,/:;=?@')}"
        return url


class TrustedHosts:
    """WSGI layer in front of everything (the map's kept answers included): a request for a host this service is
    not refuses with 400 before any code runs."""

    def __init__(self, wsgi_app, hosts: list[str]):
        self.wsgi_app = wsgi_app
        self.hosts = hosts

    def __call__(self, environ, start_response):
        try:
            get_host(environ, self.hosts)
        except BadRequest as refusal:
            return refusal(environ, start_response)
        return self.wsgi_app(environ, start_response)


def install(app: Flask) -> None:
    """Check the production settings and put the host check and the proxy layer in front of the app."""
    config = app.config
    if config.get("PUBLIC_BASE_URL"):
        config["PUBLIC_BASE_URL"] = check_base_url(config["PUBLIC_BASE_URL"])
    elif not (app.debug or app.testing):
        raise ConfigurationError(
            "PUBLIC_BASE_URL is not set. Links in e-mails and QR codes are built from it and never from the "
            "request's Host header; set it to the service's public address, e.g. "
            "PUBLIC_BASE_URL=https://trygghetskartan.example.se (APP_ENV=development for a development server).")
    hosts = trusted_hosts_for(config)
    if hosts:
        config["TRUSTED_HOSTS"] = hosts
        app.wsgi_app = TrustedHosts(app.wsgi_app, hosts)
    proxies = int(config.get("PROXY_COUNT") or 0)
    if proxies:
        # Believe X-Forwarded-For/-Proto from exactly this many proxies in front (rate limits see the real
        # client address); never X-Forwarded-Host: links come from PUBLIC_BASE_URL.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, exactly as given; otherwise None. Nothing is removed or repaired:
    a browser drops tabs and newlines and reads a backslash as a slash, so `/\t/evil.example` would become
    `//evil.example` on the way out. Refused: control characters and any whitespace, backslashes, anything in
    which urlsplit sees a scheme or a host, and a path that would be any of these once percent-decoded (a proxy
    or a browser may decode it)."""
    if not _plain_path(target):
        return None
    if not _plain_path(unquote(urlsplit(target).path)):
        return None
    return target


def _plain_path(target: str | None) -> bool:
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)
