"""Timestamps are stored in UTC; calendar days are shown and counted in Europe/Stockholm (a report at 00:33 in
the kommun belongs to that day, not the previous one, and a campaign ending on the 6th ends at midnight there)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from webapp.refusal import InputRefused

LOCAL = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def local_time(value: datetime) -> datetime:
    """A stored UTC time as the kommun's wall time (aware, Europe/Stockholm): what spreadsheets write, so that
    a report at 00:33 there reads 00:33 and its day is that day."""
    return as_utc(value).astimezone(LOCAL)


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


# The days a date filter may name: a range the app can compute with (the day after the last one still exists,
# every database stores the years, a year's heat map has its rows). Every date filter (inbox, saved views, heat
# map, exports, lighting basis, indicators, Open311) goes through check_period, so that a date out of range is
# a clear 400 or form error in one place, never an overflow deep in a query.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def day_in_range(value: date) -> bool:
    return EARLIEST_DAY <= value <= LATEST_DAY


def out_of_range_message():
    return _l("Choose a date between %(first)s and %(last)s.", first=EARLIEST_DAY.isoformat(),
              last=LATEST_DAY.isoformat())


def check_period(date_from: date | None, date_to: date | None, names: tuple[str, str] = ("date_from", "date_to")) -> None:
    """Refuse (InputRefused, in the user's language) a period the app cannot compute with: a day outside
    EARLIEST_DAY–LATEST_DAY, or an end before the start."""
    for name, value in zip(names, (date_from, date_to)):
        if value is not None and not day_in_range(value):
            raise InputRefused(name, out_of_range_message())
    if date_from and date_to and date_to < date_from:
        raise InputRefused(names[1], _l("The end date must not be before the start date."))


def parse_day(text: str | None, name: str) -> date | None:
    """A YYYY-MM-DD date filter from a query string (None when empty); InputRefused when it is no date or out of
    range."""
    if not text:
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise InputRefused(name, _l("Give the date as YYYY-MM-DD.")) from None
    check_period(value, None, (name, name))
    return value


def instant_in_range(value: datetime) -> bool:
    """Whether a parsed date-time (any offset) lies within the days a filter may name, checked before any
    arithmetic on it (0001-01-01T00:00+14:00 cannot even be turned into UTC)."""
    return EARLIEST_DAY.year <= value.year <= LATEST_DAY.year
