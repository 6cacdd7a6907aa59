"""Prometheus metrics at /metrics: requests per route rule and status (counts and durations), and, read from the
`job` table when scraped, the queue of background jobs per kind (how many wait, how old the oldest is; the mail
outbox's backlog is the kind "mail").

With several gunicorn workers each process counts on its own; prometheus_client's multiprocess mode adds them
up: set PROMETHEUS_MULTIPROC_DIR to an empty folder writable by the workers (emptied at each start) in the
environment of gunicorn, and every scrape sums all workers (docs/deploy.md).

/metrics is not public: it answers only the addresses in METRICS_ALLOW (loopback by default) or a request with
`Authorization: Bearer <METRICS_TOKEN>`; everyone else gets the site's ordinary 404."""
from __future__ import annotations

import hmac
import ipaddress
import logging
from datetime import datetime, timezone
from functools import lru_cache

from flask import Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db

log = logging.getLogger(__name__)

REQUESTS = Counter("trygghetskartan_http_requests", "Requests answered, per route rule and status",
                   ["method", "rule", "status"])
DURATION = Histogram("trygghetskartan_http_request_duration_seconds",
                     "Time from the request to the end of the answer, per route rule and status",
                     ["method", "rule", "status"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def observe(method: str, rule: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, rule, str(status)).inc()
    DURATION.labels(method, rule, str(status)).observe(seconds)


class JobQueue:
    """Read at scrape time: queued and running jobs per kind, and the age of the oldest queued one."""

    def collect(self):
        queued = GaugeMetricFamily("trygghetskartan_jobs_queued", "Jobs waiting for a worker, per kind",
                                   labels=["kind"])
        running = GaugeMetricFamily("trygghetskartan_jobs_running", "Jobs a worker is carrying out, per kind",
                                    labels=["kind"])
        oldest = GaugeMetricFamily("trygghetskartan_jobs_oldest_queued_age_seconds",
                                   "How long the oldest waiting job of each kind has waited", labels=["kind"])
        up = GaugeMetricFamily("trygghetskartan_jobs_table_up", "1 when the job table could be read")
        try:
            rows = db.session.execute(text(
                "SELECT kind, status, count(*), min(created_at) FROM job WHERE status IN ('queued', 'running') "
                "GROUP BY kind, status")).all()
            db.session.rollback()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("metrics: the job table could not be read", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        now = datetime.now(timezone.utc)
        counts: dict[tuple[str, str], int] = {}
        for kind, status, count, first in rows:
            counts[(kind, status)] = count
            if status == "queued" and first is not None:
                if isinstance(first, str):  # SQLite hands back text
                    first = datetime.fromisoformat(first)
                if first.tzinfo is None:
                    first = first.replace(tzinfo=timezone.utc)
                oldest.add_metric([kind], max(0.0, (now - first).total_seconds()))
        for kind in sorted({kind for kind, _ in counts}):
            queued.add_metric([kind], counts.get((kind, "queued"), 0))
            running.add_metric([kind], counts.get((kind, "running"), 0))
        up.add_metric([], 1)
        yield from (queued, running, oldest, up)


def monitoring_allowed() -> bool:
    """Whether this request may read the service's inner figures (/metrics, /healthz's details): from an address
    in METRICS_ALLOW or with METRICS_TOKEN."""
    config = current_app.config
    token = config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    # Behind a proxy that the app is not told about (PROXY_COUNT=0), every visitor would seem to come from the
    # proxy's (often loopback) address: a forwarded request is never let in by its address.
    if not int(config.get("PROXY_COUNT") or 0) and request.headers.get("X-Forwarded-For"):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in allowed_networks(tuple(config["METRICS_ALLOW"])))


@lru_cache(maxsize=8)
def allowed_networks(allow: tuple[str, ...]) -> tuple:
    """METRICS_ALLOW as networks; a ValueError names a value that is not an address or a CIDR."""
    networks = []
    for value in allow:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"METRICS_ALLOW holds {value!r}, which is not an address or a network "
                             "(e.g. 10.0.0.0/24)") from None
    return tuple(networks)


def metrics_view():
    if not monitoring_allowed():
        abort(404)
    if current_app.config.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    jobs = CollectorRegistry()
    jobs.register(JobQueue())
    return Response(generate_latest(registry) + generate_latest(jobs), mimetype=CONTENT_TYPE_LATEST)
