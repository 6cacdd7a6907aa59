"""Command-line tools: flask demo load, flask geo import …"""
from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from webapp import unitofwork
from webapp.geo import services as geo
from webapp.insights.services import EXPORT_FORMATS
from webapp.operator_cli import register_operator_cli

demo_cli = AppGroup("demo", help="Demo data: districts, reports, campaigns and staff.")
geo_cli = AppGroup("geo", help="Districts and zones from the city's GIS (GeoJSON, WGS84 or SWEREF 99 TM).")
geo_import = AppGroup("import", help="Import districts or zones from a GeoJSON file.")
geo_cli.add_command(geo_import)


@demo_cli.command("load")
@click.option("--reports", default=360, show_default=True, help="How many demo reports to create.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has reports.")
@click.option("--seed", default=1282, show_default=True, help="Random seed, for the same demo every time.")
def demo_load(reports: int, if_empty: bool, seed: int):
    """Load approximate demo districts and a few hundred plausible reports from 2018–2019."""
    from devdata import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has reports; demo data not loaded.")
        return
    with click.progressbar(length=reports, label="Demo reports") as bar:
        created, walk_reports = demo.load(reports=reports, seed=seed, progress=bar.update)
    click.echo(f"Loaded {created} demo reports (approximate demo districts, labelled as such), and "
               f"{walk_reports} from a safety walk with two school classes.")
    from devdata import lights

    lamp_rows = lights.invented_lights(seed)
    with click.progressbar(length=len(lamp_rows), label="Invented street lights") as bar:
        lamps = lights.load_invented_lights(lamp_rows, progress=bar.update)
    click.echo(f"Loaded {lamps} INVENTED street lights (not the kommun's real inventory; source: "
               f"{lights.INVENTED_SOURCE!r}).")


@demo_cli.command("logins")
def demo_logins():
    """Print the demo staff logins (created by `flask demo load`)."""
    from devdata import demo

    rows = demo.demo_logins()
    if not rows:
        click.echo("No demo staff accounts in this database.")
        return
    click.echo("Demo staff logins (password for all: %s):" % demo.DEMO_PASSWORD)
    for email, role, note in rows:
        click.echo(f"  {role:<18} {email}{'  ' + note if note else ''}")


def _import(kind: str, path: str, name_property: str | None, approximate: bool):
    try:
        count = (geo.import_districts if kind == "districts" else geo.import_zones)(
            path, source=Path(path).name, approximate=approximate, name_property=name_property)
    except geo.GeoImportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Imported {count} {kind} from {path}.")


@geo_import.command("districts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name-property", help="The feature property holding the name (default: name or namn).")
@click.option("--approximate", is_flag=True, help="Mark the geometry as approximate on every page.")
def import_districts(path, name_property, approximate):
    """Import districts; reports keep their district until re-located."""
    _import("districts", path, name_property, approximate)


@geo_import.command("zones")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name-property", help="The feature property holding the name (default: name or namn).")
@click.option("--approximate", is_flag=True, help="Mark the geometry as approximate on every page.")
def import_zones(path, name_property, approximate):
    """Import zones, e.g. a higher-intensity maintenance zone."""
    _import("zones", path, name_property, approximate)


@geo_cli.command("import-streets")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", help="A name for this list (default: the file's name); importing the same source again "
                               "replaces what it gave before.")
@click.option("--street-field", help="The column or property holding the street's name (default: street, gata, "
                                     "gatunamn, addr:street, name or namn).")
@click.option("--number-field", help="The column or property holding the house number (default: number, nummer, "
                                     "husnummer, addr:housenumber).")
def import_streets(path, source, street_field, number_field):
    """Streets and addresses for the report form's place search, from GeoJSON (an OpenStreetMap extract: streets
    as lines, addresses as points) or CSV (street, number, lon/lat or E/N in SWEREF 99 TM; as Excel saves it)."""
    from webapp.geo import streets

    try:
        rows = streets.read_street_file(path, street_field, number_field)
    except geo.GeoImportError as exc:
        raise click.ClickException(str(exc)) from None
    with click.progressbar(length=len(rows), label="Streets and addresses") as bar:
        written = streets.import_streets(rows, source or Path(path).name, progress=bar.update)
    named = len({r.street for r in rows})
    click.echo(f"Imported {written} streets and addresses ({named} street names) from {path}. "
               "The report form's search now finds them.")


assets_cli = AppGroup("assets", help="The kommun's inventory: street lights, litter bins, benches (issue 26).")


@assets_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", required=True, help="The kind of asset, e.g. street_light (see `flask assets kinds`).")
@click.option("--id-field", help="The column or property holding the inventory's own id (default: id, "
                                 "external_id, objektid, nummer).")
@click.option("--source", help="A name for this inventory (default: the file's name).")
def assets_import(path, kind, id_field, source):
    """Import or update one kind of asset from GeoJSON (points) or CSV (id, lon/lat or E/N in SWEREF 99 TM; as
    Excel saves it). The same id updates the asset in place; one the file no longer holds is retired."""
    from webapp.assets import inventory

    try:
        rows = inventory.read_asset_file(path, id_field)
        with click.progressbar(length=len(rows), label="Assets") as bar:
            result = inventory.import_assets(kind, rows, source or Path(path).name, progress=bar.update)
    except geo.GeoImportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{kind}: {result.added} added, {result.updated} updated, {result.retired} retired (from {path}).")


@assets_cli.command("kinds")
@click.option("--add", "key", help="Add or change a kind with this key, e.g. bollard.")
@click.option("--sv", help="Its Swedish name.")
@click.option("--en", help="Its English name.")
@click.option("--ar", help="Its Arabic name.")
@click.option("--category", "categories", multiple=True, help="A category key whose reports may name it (repeatable).")
def assets_kinds(key, sv, en, ar, categories):
    """List the kinds of asset, or add or change one."""
    from webapp.assets import inventory, services
    from webapp.extensions import db

    if key:
        inventory.set_kind(key, {"sv": sv, "en": en, "ar": ar}, list(categories))
        db.session.flush()
    for kind in services.all_kinds():
        names = " / ".join(kind.names[lang] for lang in ("sv", "en", "ar") if kind.names.get(lang))
        click.echo(f"{kind.key}: {names} (categories: {', '.join(kind.category_keys or []) or '-'})")


open311_cli = AppGroup("open311", help="Open311 GeoReport v2 clients.")


@open311_cli.command("create-key")
@click.option("--name", required=True, help="The client system, e.g. 'FixMyStreet'.")
def open311_create_key(name):
    """Create an API key for a client and print it (only its hash is stored)."""
    from webapp.auth import apikeys
    from webapp.errors import InputRefused

    try:
        client, key = apikeys.create_key(name, actor="cli")
    except InputRefused as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"API key for {client.name}: {key}")


campaigns_cli = AppGroup("campaigns", help="Campaigns and their imports.")


@campaigns_cli.command("import")
@click.argument("slug")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--images", type=click.Path(exists=True, dir_okay=False), help="A zip file with the posts' images.")
@click.option("--queue", is_flag=True, help="Queue the import as a job for `flask jobs work` instead of running it here.")
def campaigns_import(slug, csv_path, images, queue):
    """Import posts collected during an Instagram week into the campaign SLUG."""
    from webapp.campaigns import imports
    from webapp.campaigns import services as campaigns
    from webapp.errors import InputRefused
    from webapp.media import photo_settings

    campaign = campaigns.by_slug(slug)
    if campaign is None:
        raise click.ClickException(f"No campaign {slug}.")
    data = Path(csv_path).read_bytes()
    if queue:
        # The same queue as an import from the campaign page: a worker carries it out, and carries it on after
        # a restart.
        run = imports.start_import(campaign, data, Path(csv_path).name, actor="cli",
                                   zip_bytes=Path(images).read_bytes() if images else None,
                                   work_dir=str(Path(current_app.instance_path) / "imports"))
        click.echo(f"Queued job {run.job_id} (import {run.id}, {run.total_rows} rows). "
                   "Follow it with `flask jobs list`; `flask jobs work` carries it out.")
        return
    with click.progressbar(length=imports._count_rows(data), label="Posts") as bar:
        try:
            result = imports.import_posts(campaign, data, Path(csv_path).name, actor="cli", settings=photo_settings(),
                                            zip_bytes=Path(images).read_bytes() if images else None,
                                            progress=bar.update)
        except InputRefused as exc:
            raise click.ClickException(str(exc.message)) from None
    click.echo(f"Imported {result.created} ({result.unplaced} need a place), skipped {result.skipped}, "
               f"{len(result.errors)} rows with errors.")
    for line, message in result.errors:
        click.echo(f"  line {line}: {message}")


jobs_cli = AppGroup("jobs", help="Background work (imports): the worker and the queue.")


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Stop when the queue is empty instead of waiting for more.")
def jobs_work(once):
    """Carry out queued jobs, and take up those whose worker stopped (its heartbeat older than
    JOB_STALE_SECONDS). Run one or more under systemd or compose (docs/deploy.md)."""
    from datetime import datetime

    from webapp.jobs import services as jobs

    stale = current_app.config["JOB_STALE_SECONDS"]
    click.echo(f"jobs worker: taking up jobs whose worker has been silent for {stale} s", err=True)
    try:
        ran = jobs.work(once=once, stale_seconds=stale, max_backoff=current_app.config["JOBS_DB_RETRY_MAX_SECONDS"],
                        schedule=current_app.config["JOBS_SCHEDULE"],
                        echo=lambda line: click.echo(f"{datetime.now().isoformat(timespec='seconds')} {line}",
                                                     err=True))
    except jobs.DATABASE_DOWN as exc:  # only with --once: the long-running worker waits for the database instead
        raise click.ClickException(f"the database cannot be reached ({type(exc).__name__})") from None
    if once:
        click.echo(f"{ran} jobs run.")


@jobs_cli.command("schedule")
def jobs_schedule():
    """Queue the periodic jobs whose time has come (area alerts, the daily digest, the open-data refresh); each
    period once, however often it runs. For a cron job or timer when the workers do not (JOBS_SCHEDULE=0)."""
    from webapp.jobs import services as jobs

    queued = jobs.enqueue_periodic()
    click.echo(f"{len(queued)} periodic jobs queued{': ' + ', '.join(queued) if queued else ''}.")


@jobs_cli.command("list")
def jobs_list():
    """The newest jobs with their state and progress."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.jobs.models import Job

    for job in db.session.execute(select(Job).order_by(Job.id.desc()).limit(20)).scalars():
        click.echo(f"{job.id:>6} {job.kind:<16} {job.status:<8} {job.done}/{job.total} attempts {job.attempts}"
                   f"{'  ' + job.error if job.error else ''}")
    _echo_mail_backlog()


mail_cli = AppGroup("mail", help="The outgoing mail outbox.")


def _echo_mail_backlog() -> None:
    from webapp import mail

    waiting = mail.backlog()
    age = f", oldest {int(waiting.oldest_age.total_seconds() // 60)} min" if waiting.oldest_age else ""
    error = f", last error {waiting.last_error}" if waiting.last_error else ""
    click.echo(f"mail outbox: {waiting.waiting} waiting{age}{error}; {waiting.failed} given up")


@mail_cli.command("status")
def mail_status():
    """What waits in the mail outbox (how many, the oldest's age, the last error); never an address."""
    _echo_mail_backlog()


@click.command("export")
@click.argument("kind", type=click.Choice(list(EXPORT_FORMATS)))
@click.option("--format", "fmt", type=click.Choice(sorted({f for formats in EXPORT_FORMATS.values() for f in formats})),
              default=None,
              help="points: csv, geojson or xlsx; cells: geojson; heatmap: png.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["safety", "fault"]))
@click.option("--category", "categories", multiple=True, help="A category key, e.g. dark_unsafe (repeatable).")
@click.option("--time", "times", multiple=True, type=click.Choice(["day", "evening", "night"]))
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--district", help="District name.")
@click.option("--campaign", help="Campaign short name.")
@click.option("--cell", default=100, show_default=True, help="Cell size in metres for cells and heatmap.")
@click.option("--out", "out_dir", default=None, help="Folder (default: exports/ in the project).")
def export_command(kind, fmt, kinds, categories, times, date_from, date_to, district, campaign, cell, out_dir):
    """Export the selected reports into exports/ with a dated file name (no personal data)."""
    from sqlalchemy import select

    from webapp import ROOT
    from webapp.campaigns.services import by_slug
    from webapp.errors import InputRefused
    from webapp.extensions import db
    from webapp.geo.models import District
    from webapp.insights import services as insights

    try:
        fmt = insights.export_format(kind, fmt)
    except InputRefused as exc:
        raise click.ClickException(str(exc.message)) from None
    district_id = db.session.execute(select(District.id).where(District.name == district)).scalar_one_or_none() \
        if district else None
    if district and district_id is None:
        raise click.ClickException(f"No district {district}.")
    campaign_row = by_slug(campaign) if campaign else None
    if campaign and campaign_row is None:
        raise click.ClickException(f"No campaign {campaign}.")
    try:
        selection = insights.Selection(kinds=list(kinds), categories=list(categories), times_of_day=list(times),
                                       date_from=date_from.date() if date_from else None,
                                       date_to=date_to.date() if date_to else None, district=district_id,
                                       campaign=campaign_row.id if campaign_row else None).check()
    except InputRefused as exc:
        raise click.ClickException(str(exc.message)) from None
    folder = Path(out_dir) if out_dir else ROOT / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / insights.dated_name(f"trygghetskartan-{kind}" + (f"-{cell}m" if kind != "points" else ""), fmt)
    rows = 0
    if kind == "points" and fmt == "xlsx":
        rows = insights.points_xlsx(selection, path)
    elif kind == "points":
        total = insights.count(selection)
        pieces = insights.points_csv(selection) if fmt == "csv" else insights.points_geojson(selection)
        with path.open("w", encoding="utf-8") as handle, click.progressbar(length=total, label="Reports") as bar:
            for number, piece in enumerate(pieces):
                handle.write(piece)
                if number:
                    bar.update(1)
        rows = total
    else:
        result = insights.grid(selection, cell)
        rows = len(result.cells)
        if kind == "cells":
            path.write_text(json.dumps(insights.grid_geojson(result)), encoding="utf-8")
        else:
            path.write_bytes(insights.heat_png(result, _("Trygghetskartan – heat map"), selection=selection))
    insights.log_export(kind, fmt, selection, rows=rows, actor="cli")
    click.echo(f"Wrote {path} ({rows} {'reports' if kind == 'points' else 'cells'}).")


bench_cli = AppGroup("bench", help="Data for benchmarks.")


@bench_cli.command("generate")
@click.option("--reports", "count", default=100000, show_default=True, help="How many reports to add.")
@click.option("--seed", default=1282, show_default=True)
def bench_generate(count: int, seed: int):
    """Fill the database with COUNT realistic reports (bulk inserts; a million takes minutes)."""
    from devdata import benchdata, demo

    demo.ensure_demo_areas()
    with click.progressbar(length=count, label="Reports") as bar:
        made = benchdata.generate(count, seed=seed, progress=bar.update)
    click.echo(f"Added {made} reports.")


retention_cli = AppGroup("retention", help="Erase reporters' contact data a set time after closing.")
privacy_cli = AppGroup("privacy", help="Data protection: what is stored about a person.")


@retention_cli.command("run")
@click.option("--months", type=int, default=None,
              help="Erase contact data this many months after a report was closed (default RETENTION_MONTHS).")
@click.option("--dry-run", is_flag=True, help="Only count what would be erased.")
def retention_run(months, dry_run):
    """Erase e-mail, name and phone of reporters whose reports were closed long enough ago; keep the statistics."""
    from flask import current_app

    from webapp.reports.privacy import run_retention

    months = months if months is not None else current_app.config["RETENTION_MONTHS"]
    if months < 1:
        raise click.UsageError("--months must be at least 1.")
    result = run_retention(months=months, outbox_dir=current_app.config["MAIL_OUTBOX_DIR"], dry_run=dry_run)
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} the contact data of {result.reports} reports closed before {result.cutoff.date()} and "
               f"{result.mails} kept outgoing mails.")


@privacy_cli.command("export")
@click.argument("email")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Write the JSON here (default: print it).")
def privacy_export(email, out_path):
    """Everything stored about an e-mail address, as JSON, for a request under GDPR article 15."""
    from flask import current_app

    from webapp import audit
    from webapp.reports.privacy import subject_export

    data = subject_export(email, current_app.config["MAIL_OUTBOX_DIR"])
    audit.record("privacy", 0, "subject_export", "cli", reports=len(data["reports"]))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out_path:
        # Readable by its owner only, from the first byte: it holds a person's address and reports.
        target = Path(out_path)
        target.unlink(missing_ok=True)
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
            out.write(text)
        click.echo(f"Wrote {len(data['reports'])} reports, {len(data['mails'])} mails and "
                   f"{'a staff account' if data['staff_account'] else 'no staff account'} to {out_path}.")
    else:
        click.echo(text)


@click.command("doctor")
@click.option("--repair", is_flag=True, help="Delete leftover files and rows of photos whose files are lost.")
def doctor_command(repair):
    """Check the database and that photo files and rows agree (after a crash); --repair fixes the leftovers."""
    from flask import current_app

    from webapp import doctor

    store = current_app.extensions["photo_store"]
    findings = doctor.examine(store)
    click.echo(f"Database: {'ok' if not findings.database else '; '.join(findings.database)}")
    click.echo(f"Photo files without a report: {len(findings.orphan_files)}")
    click.echo(f"Half-written files: {len(findings.temp_files)}")
    click.echo(f"Photos whose files are missing: {len(findings.missing_files)}")
    if findings.clean:
        click.echo("All well.")
        return
    if repair and not findings.database:
        doctor.repair(store, findings)
        click.echo("Repaired.")
        return
    raise SystemExit(1)


@click.command("backup")
@click.option("--out", "out_dir", default=None, help="Folder for the archive (default: instance/backups).")
def backup_command(out_dir):
    """A consistent copy of the database and the photos in one .tar.gz, made while the server runs."""
    from flask import current_app

    from webapp import backup

    store = current_app.extensions["photo_store"]
    total = sum(1 for _ in store.names())
    with click.progressbar(length=total, label="Photos") as bar:
        path = backup.make_backup(store, out_dir or Path(current_app.instance_path) / "backups", progress=bar.update)
    manifest = backup.read_manifest(path)
    click.echo(f"{path}: {manifest['reports']} reports, {manifest['photos']} photos, "
               f"{manifest['media_files']} files (schema {manifest['revision']}).")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive):
    """Restore a backup into this instance, which must be empty (no reports, no photos)."""
    from flask import current_app

    from webapp import backup

    manifest = backup.read_manifest(archive)
    with click.progressbar(length=manifest["media_files"], label="Photos") as bar:
        try:
            backup.restore(archive, current_app.extensions["photo_store"], progress=bar.update)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {manifest['reports']} reports and {manifest['photos']} photos. "
               "Run `flask db upgrade` if this version is newer, then `flask doctor`.")


def register_cli(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(doctor_command)
    app.cli.add_command(retention_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(geo_cli)
    app.cli.add_command(assets_cli)
    register_operator_cli(app)
    app.cli.add_command(open311_cli)
    app.cli.add_command(campaigns_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(export_command)
    app.cli.add_command(bench_cli)
    app.cli.add_command(opendata_cli)
    app.cli.add_command(handoff_cli)
    # One commit at the end of each command, a rollback when it fails (webapp.unitofwork); `jobs work` and an
    # import with a job commit per step inside.
    unitofwork.commit_each_command(app.cli, skip=("db",))


opendata_cli = AppGroup("opendata", help="The public reports as open data.")


@opendata_cli.command("build")
def opendata_build():
    """Write the open dataset (GeoJSON and CSV) to OPENDATA_DIR now, as the daily job does."""
    from webapp.opendata import services as opendata

    built = opendata.build()
    click.echo(f"{built.rows} public reports written to {opendata.folder()}.")


handoff_cli = AppGroup("handoff", help="Hand-off of reports to the kommun's own systems (e-mail or Open311).")


@handoff_cli.command("target")
@click.argument("name")
@click.option("--method", type=click.Choice(["email", "open311"]), required=True)
@click.option("--email", default="", help="The address that takes the reports (method email).")
@click.option("--endpoint", default="", help="The GeoReport v2 base address, e.g. https://x.se/open311/v2/.")
@click.option("--api-key", default=None, help="The key the other system gave us (kept when left out).")
@click.option("--jurisdiction", default="", help="jurisdiction_id, if the other system wants one.")
@click.option("--service-code", "codes", multiple=True, help="CATEGORY_KEY=CODE; repeat for each category.")
@click.option("--inactive", is_flag=True, help="Keep the target but send nothing to it.")
def handoff_target(name, method, email, endpoint, api_key, jurisdiction, codes, inactive):
    """Create or change a receiving system."""
    from webapp.errors import InputRefused
    from webapp.handoff import services as handoff

    try:
        target = handoff.save_target(actor="cli", name=name, method=method, email=email, endpoint=endpoint,
                                     api_key=api_key, jurisdiction_id=jurisdiction,
                                     service_codes=handoff.parse_service_codes("\n".join(codes)), active=not inactive,
                                     target=handoff.target_by_name(name))
    except InputRefused as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    click.echo(f"{target.name}: {target.method} {target.email or target.endpoint}")


@handoff_cli.command("route")
@click.option("--department", default=None, help="A department's code.")
@click.option("--category", default=None, help="A category's key (wins over its department).")
@click.option("--target", "target_name", default=None, help="Send to this receiving system.")
@click.option("--none", "handled_here", is_flag=True, help="Handled here, even if the department sends.")
def handoff_route(department, category, target_name, handled_here):
    """Send a department's or a category's new reports to a target; with neither --target nor --none, remove
    the route."""
    from webapp.errors import InputRefused
    from webapp.handoff import services as handoff

    target = handoff.target_by_name(target_name) if target_name else None
    if target_name and target is None:
        raise click.ClickException(f"There is no receiving system {target_name}.")
    try:
        handoff.set_route(actor="cli", department_code=department, category_key=category, target=target,
                          handled_here=handled_here)
    except InputRefused as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"{category or department}: {target_name or ('none' if handled_here else 'follows its department')}")


@handoff_cli.command("list")
def handoff_list():
    """The receiving systems and the routes."""
    from webapp.handoff import services as handoff

    for target in handoff.targets():
        state = "" if target.active else " (inactive)"
        click.echo(f"target {target.name}: {target.method} {target.email or target.endpoint}{state}")
    for route in handoff.routes():
        click.echo(f"route {route.department_code or route.category_id}: {route.target.name if route.target else 'none'}")


@handoff_cli.command("send")
def handoff_send():
    """Send the hand-offs that are due now (as the job does every minute)."""
    from webapp.handoff import jobs

    click.echo(jobs.send_due())


@handoff_cli.command("updates")
def handoff_updates():
    """Ask the Open311 targets for updates now (as the job does every five minutes)."""
    from webapp.handoff import jobs

    click.echo(jobs.take_updates())
