"""What an operator watches: one log line per request (the route's rule, status, duration and a request id that
is also sent back as X-Request-ID), errors logged with the same id, no e-mail address or token in any log line,
and Prometheus metrics at /metrics for the operator's addresses only."""
from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from datetime import timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import base_config, build_app, database_url
from tests.factories import CENTRUM, make_report
from tests.reports.test_views import submit
from tests.server import gunicorn
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.monitoring.logs import redact
from webapp.timeutil import utcnow
from webapp.urls import ConfigurationError


def fetch(client, path: str, **kwargs):
    """A request whose answer has been read to its end, as a server sends it (the request line is then written)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "webapp.request"]


def test_one_line_per_request_with_the_rule_and_the_request_id(web, caplog):
    caplog.set_level(logging.INFO)
    response = fetch(web, "/karta")
    line = request_lines(caplog)[-1]
    assert (line.method, line.rule, line.status) == ("GET", "/karta", 200) and line.duration_ms >= 0
    assert line.request_id == response.headers["X-Request-ID"] and re.fullmatch(r"[0-9a-f]{32}", line.request_id)

    given = fetch(web, "/karta", headers={"X-Request-ID": "nginx-4f2a.9"})  # the proxy's own id is kept
    assert given.headers["X-Request-ID"] == "nginx-4f2a.9" == request_lines(caplog)[-1].request_id
    for insane in ("a b", "x" * 101, "<script>", "me@example.org"):
        answer = fetch(web, "/karta", headers={"X-Request-ID": insane})
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])

    fetch(web, "/no/such/page")
    assert (request_lines(caplog)[-1].rule, request_lines(caplog)[-1].status) == ("<unmatched>", 404)


def test_the_maps_kept_answers_are_logged_and_counted_under_their_route(sqlite_app, caplog):
    caplog.set_level(logging.INFO)
    sqlite_app.config["MAP_CACHE_SECONDS"] = 60
    client = sqlite_app.test_client()
    url = f"/api/v1/reports?bbox={CENTRUM[0] - 0.01:.2f},{CENTRUM[1] - 0.01:.2f},{CENTRUM[0] + 0.01:.2f}," \
          f"{CENTRUM[1] + 0.01:.2f}"
    make_report(category="graffiti")
    first = fetch(client, url)
    make_report(category="graffiti")
    kept = fetch(client, url)
    assert len(kept.json["features"]) == len(first.json["features"]) == 1  # the second answer was a kept one
    lines = request_lines(caplog)[-2:]
    assert [(line.rule, line.status) for line in lines] == [("/api/v1/reports", 200)] * 2
    assert [line.request_id for line in lines] == [first.headers["X-Request-ID"], kept.headers["X-Request-ID"]]
    sqlite_app.extensions["map_cache"].clear()


def test_an_application_error_is_logged_with_the_request_id_and_the_rule(sqlite_app, caplog):
    def broken(token):
        raise RuntimeError(f"could not reach boende@example.org for {token}")

    sqlite_app.add_url_rule("/broken/<token>", "broken", broken)
    token = "Yx3kP0qL9mZr7TnV2bWc5dHf8jKs1aQe"
    response = sqlite_app.test_client().get(f"/broken/{token}")
    assert response.status_code == 500
    error = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert error.request_id == response.headers["X-Request-ID"]
    assert error.getMessage() == "Unhandled error on /broken/<token>"
    assert "RuntimeError: could not reach [email] for [token]" in caplog.text
    assert "boende@example.org" not in caplog.text and token not in caplog.text


class RefusingMailServer:
    """A real SMTP conversation that refuses every recipient, naming it, as a mail server does for an unknown
    mailbox (smtplib then raises an error that holds the address)."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with connection, connection.makefile("rb") as lines:
                connection.sendall(b"220 mail.test ESMTP\r\n")
                for line in lines:
                    command = line.decode().strip()
                    if command.upper().startswith("RCPT"):
                        address = command.split(":", 1)[1].strip()
                        connection.sendall(f"550 5.1.1 {address}: Recipient address rejected\r\n".encode())
                    elif command.upper().startswith("QUIT"):
                        connection.sendall(b"221 bye\r\n")
                        break
                    else:
                        connection.sendall(b"250 OK\r\n")

    def close(self):
        self.socket.close()


def test_no_address_or_token_reaches_a_log_line(client, app, caplog, capsys):
    """A report with an e-mail whose receipt the mail server refuses, then the tracking page: the failure is
    logged, and neither the address nor the tracking token is in any line (ours on stderr, or any handler's)."""
    caplog.set_level(logging.INFO)
    server = RefusingMailServer()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        response = submit(client, email="Boende.Svensson@Example.org")
    finally:
        server.close()
    tracking_path = response.headers["Location"]
    token = tracking_path.removeprefix("/t/")
    assert fetch(client, tracking_path).status_code == 200
    assert fetch(client, f"/t/{token}?mail=boende.svensson%40example.org").status_code == 200

    failure = next(r for r in caplog.records if r.name == "webapp.mail")  # the outbox names the mail, not the address
    assert "SMTPRecipientsRefused" in failure.getMessage() + (failure.exc_text or "")
    assert [r.rule for r in request_lines(caplog)][-2:] == ["/t/<token>", "/t/<token>"]
    written = capsys.readouterr().err
    assert "Unhandled" not in written and "/t/<token>" in written
    for text in (caplog.text, written):
        assert "svensson" not in text.lower() and token not in text


def test_redaction_keeps_what_an_operator_needs():
    assert redact("mail to a.b+c@kommun.example.se failed") == "mail to [email] failed"
    assert redact("GET /t/x7Qp_Vn3-aZk9LmWc2Rt8YbHs5DfJgE1 ok") == "GET /t/[token] ok"
    assert redact("tk_4fH8kQ2nVx9LmR3pWz7cYt1bJs6dGa0eKu5iNo") == "[token]"
    kept = "Job 12 (campaign_import) failed: IntegrityError in /srv/trygghetskartan/app/webapp/jobs/services.py"
    assert redact(kept) == kept


def test_json_log_lines_in_production_format(tmp_path, request, capsys):
    app = build_app({**base_config(tmp_path, database_url("sqlite", request, tmp_path)), "LOG_FORMAT": "json"})
    with app.app_context():
        response = fetch(app.test_client(), "/karta", headers={"X-Request-ID": "edge-1"})
        db.engine.dispose()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    line = next(entry for entry in lines if entry.get("logger") == "webapp.request")
    assert {key: line[key] for key in ("method", "rule", "status", "request_id", "level")} == \
        {"method": "GET", "rule": "/karta", "status": 200, "request_id": "edge-1", "level": "INFO"}
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")
    assert response.headers["X-Request-ID"] == "edge-1"


# Metrics

def scrape(client, **kwargs) -> dict:
    response = fetch(client, "/metrics", **kwargs)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def test_metrics_count_requests_per_rule_and_status(web):
    key = ("trygghetskartan_http_requests_total", (("method", "GET"), ("rule", "/karta"), ("status", "200")))
    durations = ("trygghetskartan_http_request_duration_seconds_count",
                 (("method", "GET"), ("rule", "/karta"), ("status", "200")))
    before = scrape(web)
    for _ in range(3):
        fetch(web, "/karta")
    fetch(web, "/t/not-a-real-token-at-all-0123456789")
    after = scrape(web)
    assert after[key] - before.get(key, 0) == 3 and after[durations] - before.get(durations, 0) == 3
    assert any(name == "trygghetskartan_http_requests_total" and ("rule", "/t/<token>") in labels
               for name, labels in after)
    assert not any("not-a-real-token" in str(labels) for _, labels in after)
    web.open("/karta", method="BREW").close()  # made-up methods are one series, not one each
    assert ("trygghetskartan_http_requests_total", (("method", "OTHER"), ("rule", "<unmatched>"), ("status", "405"))) \
        in scrape(web)


def test_metrics_show_the_job_queue_per_kind(client, app):
    now = utcnow()
    db.session.add_all([Job(kind="mail", status="queued", created_at=now - timedelta(minutes=10)),
                        Job(kind="mail", status="queued", created_at=now - timedelta(minutes=1)),
                        Job(kind="campaign_import", status="running", created_at=now),
                        Job(kind="campaign_import", status="done", created_at=now - timedelta(days=3))])
    db.session.commit()
    seen = scrape(client)
    assert seen[("trygghetskartan_jobs_queued", (("kind", "mail"),))] == 2
    assert seen[("trygghetskartan_jobs_queued", (("kind", "campaign_import"),))] == 0
    assert seen[("trygghetskartan_jobs_running", (("kind", "campaign_import"),))] == 1
    assert 600 <= seen[("trygghetskartan_jobs_oldest_queued_age_seconds", (("kind", "mail"),))] < 3600
    assert ("trygghetskartan_jobs_oldest_queued_age_seconds", (("kind", "campaign_import"),)) not in seen
    assert seen[("trygghetskartan_jobs_table_up", ())] == 1


def test_metrics_show_the_mail_waiting_in_the_outbox(client, app):
    """The operator's walk-through: one mail waiting while the mail server was down was not in /metrics."""
    from webapp.mail import OutgoingMail

    now = utcnow()
    db.session.add_all([OutgoingMail(status="waiting", message=b"x", next_attempt_at=now,
                                     created_at=now - timedelta(minutes=20), last_error="ConnectionRefusedError"),
                        OutgoingMail(status="failed", message=b"x", next_attempt_at=now, created_at=now)])
    db.session.commit()
    seen = scrape(client)
    assert seen[("trygghetskartan_mail_waiting", ())] == 1
    assert seen[("trygghetskartan_mail_given_up", ())] == 1
    assert 1200 <= seen[("trygghetskartan_mail_oldest_waiting_age_seconds", ())] < 3600


def test_metrics_are_closed_to_the_public(sqlite_app):
    sqlite_app.config["METRICS_TOKEN"] = "scraper-secret-" + "9" * 20
    outside = sqlite_app.test_client()
    outside.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert outside.get("/metrics").status_code == 404
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert outside.get("/metrics", headers={"Authorization": f"Bearer {sqlite_app.config['METRICS_TOKEN']}"}
                       ).status_code == 200
    local = sqlite_app.test_client()  # 127.0.0.1: allowed by the default METRICS_ALLOW
    assert local.get("/metrics").status_code == 200
    # Through a proxy the app was not told about, every visitor seems to come from the loopback address.
    assert local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
    sqlite_app.config["METRICS_ALLOW"] = ["10.20.0.0/16"]
    assert local.get("/metrics").status_code == 404
    monitoring = sqlite_app.test_client()
    monitoring.environ_base["REMOTE_ADDR"] = "10.20.3.4"
    assert monitoring.get("/metrics").status_code == 200


def test_a_wrong_metrics_or_log_setting_stops_the_start(tmp_path, request):
    config = base_config(tmp_path, database_url("sqlite", request, tmp_path))
    with pytest.raises(ConfigurationError, match="METRICS_ALLOW holds 'intranet'"):
        build_app({**config, "METRICS_ALLOW": ["10.0.0.0/8", "intranet"]})
    with pytest.raises(ConfigurationError, match="LOG_FORMAT must be json or text"):
        build_app({**config, "LOG_FORMAT": "xml"})


def counting_workers(folder) -> set[str]:
    """The worker processes that have counted something (prometheus_client keeps one file per process)."""
    return {path.stem.rsplit("_", 1)[1] for path in folder.glob("counter_*.db")}


@pytest.mark.slow
def test_two_gunicorn_workers_in_production_log_json_and_count_together(sqlite_app, tmp_path, monkeypatch):
    """As deployed: gunicorn, production settings, prometheus_client's multiprocess folder. Whichever worker
    answers the scrape, it counts the requests of both; every request is one JSON line on stderr."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    config = {**sqlite_app.config, "APP_ENV": "production", "SECRET_KEY": "s" * 40}
    key = ("trygghetskartan_http_requests_total", (("method", "GET"), ("rule", "/karta"), ("status", "200")))
    with gunicorn(config, workers=2, threads=2) as server:
        sent, deadline = 0, time.monotonic() + 60
        while sent < 12 or (len(counting_workers(folder)) < 2 and time.monotonic() < deadline):
            assert requests.get(f"{server.url}/karta", headers={"Connection": "close"}, timeout=30).ok
            sent += 1
        assert len(counting_workers(folder)) == 2
        scrapes = [requests.get(f"{server.url}/metrics", headers={"Connection": "close"}, timeout=30)
                   for _ in range(4)]
        counted = [{(s.name, tuple(sorted(s.labels.items()))): s.value
                    for f in text_string_to_metric_families(r.text) for s in f.samples}[key] for r in scrapes]
        outside = requests.get(f"{server.url}/metrics", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=30)
    assert counted == [sent] * 4
    assert outside.status_code == 404
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    answered = [line for line in lines if line.get("logger") == "webapp.request" and line["rule"] == "/karta"]
    assert len(answered) == sent and all(line["status"] == 200 and line["request_id"] for line in answered)
