"""The files an operator copies (deploy/): the systemd units start what exists, with settings the environment
file example names, and every setting in the example is one the application reads."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
EXAMPLE = DEPLOY / "trygghetskartan.env.example"


def example_settings() -> dict[str, str]:
    lines = [line for line in EXAMPLE.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def unit_values(unit: Path, key: str) -> list[str]:
    text = unit.read_text().replace("\\\n", " ")
    return [m.group(1).strip() for m in re.finditer(rf"^{key}=(.*)$", text, re.M)]


def test_the_web_jobs_and_retention_units_are_shipped():
    assert {u.name for u in UNITS} >= {"trygghetskartan-web.service", "trygghetskartan-jobs.service",
                                         "trygghetskartan-retention.service"}
    assert (DEPLOY / "systemd" / "trygghetskartan-retention.timer").exists()


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_each_unit_runs_a_command_of_the_checkout_with_the_shared_environment_file(unit):
    assert unit_values(unit, "EnvironmentFile") == ["/etc/trygghetskartan.env"]
    (command,) = unit_values(unit, "ExecStart")
    words = shlex.split(command)
    program = words[0].replace("/srv/trygghetskartan/app/", "")
    assert (ROOT / program).name in {"gunicorn", "flask"} and (ROOT / program).exists(), program
    if words[0].endswith("gunicorn"):
        assert words[-1] == "webapp:create_app()"
    for variable in re.findall(r"\$\{(\w+)\}", command):
        assert variable in example_settings(), f"{unit.name} uses {variable}, which the example does not set"


def test_every_setting_in_the_example_is_read_by_the_application_or_the_units():
    sources = "".join(p.read_text() for p in (ROOT / "webapp").rglob("*.py"))
    units = "".join(u.read_text() for u in (DEPLOY / "systemd").iterdir())
    for name in example_settings():
        assert f'"{name}"' in sources or f"${{{name}}}" in units, f"{name} is read by nothing"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (Debian: systemd)")
def test_systemd_accepts_the_units_and_the_timer(tmp_path):
    """`systemd-analyze verify` on the units with the checkout's path in place of /srv/trygghetskartan/app."""
    for unit in (DEPLOY / "systemd").iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/trygghetskartan/app", str(ROOT)))
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(map(str, tmp_path.iterdir()))],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert checked.returncode == 0 and "trygghetskartan" not in checked.stderr, checked.stderr


def test_the_shipped_gunicorn_config_marks_ended_workers_for_the_summed_metrics():
    import runpy

    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert callable(settings["child_exit"])
    web = (ROOT / "deploy" / "systemd" / "trygghetskartan-web.service").read_text()
    assert "--config deploy/gunicorn.conf.py" in web and "PROMETHEUS_MULTIPROC_DIR=/run/trygghetskartan-metrics" in web
