"""The operator's tools: `flask users …` (accounts, a locked-out admin), `flask categories …` and
`flask departments …` (a kommun's own set, from a file). Thin wrappers: the services check and flush, each command
commits once, and rolls back (writing nothing) when a service refuses."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from webapp.auth import services as accounts
from webapp.auth.roles import Role
from webapp.errors import InputRefused
from webapp.reports import catalogue

users_cli = AppGroup("users", help="Staff accounts: create, list, disable/enable, set-role, reset-password, reset-2fa.")
categories_cli = AppGroup("categories", help="What residents report: list, add, retire, load a kommun's file.")
departments_cli = AppGroup("departments", help="The kommun's departments: list, load from a file.")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


class DepartmentCode(click.ParamType):
    """A department code the database holds (not retired), checked when the command runs."""

    name = "department"

    def convert(self, value, param, ctx):
        codes = accounts.department_codes()
        if value not in codes:
            self.fail(f"{value!r} is not one of the departments: {', '.join(codes) or '(none)'}.", param, ctx)
        return value


def _refusing(action):
    """Run a service call; a refusal ends the command with its message (and the command's boundary,
    webapp.unitofwork, rolls back; otherwise it commits once at the end)."""
    try:
        return action()
    except (accounts.AccountError, InputRefused) as exc:
        raise click.ClickException(str(exc.message)) from None


def _user(email: str):
    user = accounts.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account {email}.")
    return user


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="", help="Shown in the audit log and to colleagues.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--department", type=DepartmentCode(), default=None, help="A department code (flask departments list).")
@click.password_option(help="At least 10 characters; asked for when not given.")
def users_create(email, name, role, department, password):
    """Create a staff account."""
    user = _refusing(lambda: accounts.create_user(email, name or email, password=password, role=role,
                                                department=department, actor="cli"))
    click.echo(f"Created {user.email} ({user.role}).")


@users_cli.command("list")
def users_list():
    """Every account: e-mail, role, department, active, two-factor, last login (Europe/Stockholm)."""
    rows = [("E-MAIL", "ROLE", "DEPT", "ACTIVE", "2FA", "LAST LOGIN")]
    for user in accounts.all_users():
        last = user.last_login_at
        rows.append((user.email, user.role, user.department_code or "-", "yes" if user.active else "no",
                     "on" if user.totp_enabled else "off",
                     last.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if last else "never"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


@users_cli.command("disable")
@click.argument("email")
def users_disable(email):
    """Disable an account: it can no longer log in, and its sessions end now."""
    user = _user(email)
    _refusing(lambda: accounts.change_account(user, "cli", active=False))
    click.echo(f"Disabled {user.email}; their sessions have ended.")


@users_cli.command("enable")
@click.argument("email")
def users_enable(email):
    """Enable a disabled account again."""
    user = _user(email)
    _refusing(lambda: accounts.change_account(user, "cli", active=True))
    click.echo(f"Enabled {user.email}.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.option("--department", type=DepartmentCode(), default=None, help="Also move the account to this department.")
def users_set_role(email, role, department):
    """Give an account another role (and department); its sessions end, so the new rights apply at once."""
    user = _user(email)
    changes = _refusing(lambda: accounts.change_account(user, "cli", role=role, department=department))
    click.echo(f"{user.email}: {user.role}, {user.department_code or 'no department'}"
               f"{'' if changes else ' (unchanged)'}.")


@users_cli.command("reset-password")
@click.argument("email")
@click.option("--prompt", "ask", is_flag=True, help="Type the new password instead of getting a random one.")
def users_reset_password(email, ask):
    """Give an account a one-time password, printed once, which they replace with their own at the next login (or
    set one typed with --prompt); their sessions end."""
    user = _user(email)
    given = click.prompt("New password", hide_input=True, confirmation_prompt=True) if ask else None
    password = _refusing(lambda: accounts.reset_password(user, "cli", given))
    if given:
        click.echo(f"The password of {user.email} was changed; their sessions have ended.")
    else:
        click.echo(f"One-time password for {user.email} (shown only now): {password}")
        click.echo("Hand it over in person or by phone; they choose their own at the next login. "
                   "Their sessions have ended.")


@users_cli.command("reset-2fa")
@click.argument("email")
def users_reset_2fa(email):
    """Turn two-factor authentication off for someone who lost their phone; the next login enrols again
    (administrators must). Their sessions end."""
    user = _user(email)
    _refusing(lambda: accounts.reset_second_factor(user, "cli"))
    click.echo(f"Two-factor authentication of {user.email} was reset; they enrol again at the next login.")


def _name(texts: dict | None) -> str:
    texts = texts or {}
    return texts.get("sv") or texts.get("en") or ""


@departments_cli.command("list")
def departments_list():
    """Every department: code, Swedish name, active or retired."""
    for department in catalogue.departments():
        click.echo(f"{department.code:<8} {'active ' if department.active else 'retired'} {_name(department.names)}")


def _echo_summary(summary: dict, sections) -> None:
    for section in sections:
        counts = summary[section]
        click.echo(f"{section}: {counts['created']} created, {counts['updated']} updated, "
                   f"{counts['unchanged']} unchanged")


@departments_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def departments_load(path):
    """Add or update the departments of a TOML or JSON file (by code); see docs/categories.md."""
    summary = _refusing(lambda: catalogue.load_catalogue(catalogue.read_catalogue_file(path), "cli", categories=False))
    _echo_summary(summary, ("departments",))


@categories_cli.command("list")
def categories_list():
    """Every category: key, kind, department, active or retired, Swedish name."""
    for category in catalogue.all_categories():
        click.echo(f"{category.key:<20} {category.kind:<7} {category.department_code or '-':<6} "
                   f"{'active ' if category.active else 'retired'} {_name(category.names)}")


@categories_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def categories_load(path):
    """Add or update, by key, the categories of a TOML or JSON file, and its departments first. Loading the same
    file again changes nothing; what the file leaves out stays as it is. See docs/categories.md."""
    summary = _refusing(lambda: catalogue.load_catalogue(catalogue.read_catalogue_file(path), "cli"))
    _echo_summary(summary, ("departments", "categories"))


@categories_cli.command("add")
@click.argument("key")
@click.option("--kind", type=click.Choice(list(catalogue.KINDS)), required=True)
@click.option("--name-sv", required=True)
@click.option("--name-en", required=True)
@click.option("--name-ar", default="")
@click.option("--description-sv", default="")
@click.option("--description-en", default="")
@click.option("--description-ar", default="")
@click.option("--icon", required=True, help="A name of the icon set (static/img/icons), e.g. dark, bin, other.")
@click.option("--department", type=DepartmentCode(), default=None)
@click.option("--positive", is_flag=True, help="A positive category (\"here it feels safe\"): never a job.")
def categories_add(key, kind, name_sv, name_en, name_ar, description_sv, description_en, description_ar, icon,
                   department, positive):
    """Add a category that residents can report in at once."""
    category = _refusing(lambda: catalogue.create_category(key, "cli", {
        "kind": kind, "names": {"sv": name_sv, "en": name_en, "ar": name_ar},
        "descriptions": {"sv": description_sv, "en": description_en, "ar": description_ar},
        "icon": icon, "department_code": department, "positive": positive}))
    click.echo(f"Added {category.key}.")


@categories_cli.command("retire")
@click.argument("key")
def categories_retire(key):
    """Stop offering a category to residents; its reports keep it (categories are never deleted)."""
    category = catalogue.category_by_any_key(key)
    if category is None:
        raise click.ClickException(f"No category {key}.")
    _refusing(lambda: catalogue.change_category(category, "cli", {"active": False}))
    click.echo(f"Retired {category.key}; {catalogue.reports_in_category(category)} reports keep it.")


def register_operator_cli(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(categories_cli)
    app.cli.add_command(departments_cli)
