"""Timestamps are stored in UTC; calendar days are shown and counted in Europe/Stockholm (a report at 00:33 in
the kommun belongs to that day, not the previous one, and a campaign ending on the 6th ends at midnight there)."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def local_today() -> date:
    """Today's date in Europe/Stockholm: the day people in the kommun are living."""
    return utcnow().astimezone(LOCAL).date()


def local_now() -> datetime:
    return utcnow().astimezone(LOCAL)


def local_date(value: datetime | str) -> date:
    """The calendar day (Europe/Stockholm) of a stored UTC time; a string as SQLite hands back raw rows."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value).astimezone(LOCAL).date()


def day_starts_utc(day: date) -> datetime:
    """The UTC moment a local calendar day begins (for WHERE created_at >= …)."""
    return datetime.combine(day, time.min, LOCAL).astimezone(timezone.utc)


def day_ends_utc(day: date) -> datetime:
    """The UTC moment after a local calendar day (for WHERE created_at < …)."""
    return day_starts_utc(day + timedelta(days=1))
