"""Numbers in addresses: every integer in a route (`<int:…>`) and in a query parameter is one a database column
can hold, so that no view turns page=99999999999999999999999 into an overflow in a query (a 404 or the default
instead). `webapp.urls.App` uses BoundedMap for every route."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

# The largest number an id, a page or a count in an address may be: what every database column holds. A larger
# one (page=99999999999999999999999) is no such thing, never an overflow in a query: a 404 for a path segment,
# the default or a 400 for a query parameter.
MAX_NUMBER = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in every route: at most MAX_NUMBER (anything larger matches no route, a 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_NUMBER if max is None else max,
                         signed=signed)


class BoundedMap(Map):
    default_converters = {**Map.default_converters, "int": BoundedIntegerConverter}


def query_number(args, name: str, default: int | None = None, low: int = 1, high: int = MAX_NUMBER) -> int | None:
    """An integer query parameter (a page, an id), read once for every view: a missing, malformed or out-of-range
    value gives the default, so that no number the database cannot hold reaches a query."""
    value = args.get(name, type=int)
    return value if value is not None and low <= value <= high else default


def query_numbers(args, name: str, low: int = 1, high: int = MAX_NUMBER) -> list[int]:
    """Every integer value of a repeated query or form parameter that lies in range; the rest are dropped."""
    return [v for v in args.getlist(name, type=int) if low <= v <= high]


def parse_number(text, low: int = 1, high: int = MAX_NUMBER) -> int | None:
    """A number typed or posted in a form field ("12"): None unless it is ASCII digits within [low, high]."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    value = int(text)
    return value if low <= value <= high else None
