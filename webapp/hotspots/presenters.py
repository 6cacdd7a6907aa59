"""Plain values for the hot-spot page, the patrol sheet and the CSV: every value with its label, in the reader's
language, so that the templates only show."""
from __future__ import annotations

from babel.dates import get_day_names
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from webapp import disclosure, spreadsheets
from webapp.hotspots import services
from webapp.hotspots.services import TIMES_OF_DAY, WEEKDAYS
from webapp.reports.labels import TIME_OF_DAY_LABELS
from webapp.reports.presenters import category_name


def time_labels() -> dict[str, str]:
    return {"day": _("Daytime"), "evening": _("Evening"), "night": _("Night")}


def weekday_names() -> dict[int, str]:
    names = get_day_names("wide", locale=get_locale())
    return {d: names[d].capitalize() for d in WEEKDAYS}


def trend_labels() -> dict[str, str]:
    return {"up": _("More than before"), "down": _("Fewer than before"), "same": _("As many as before"),
            "new": _("New: none before")}


def _heat(value: int, top: int) -> int:
    """A shade 0–4 for a heat-table cell (the number itself is always written in the cell)."""
    if not value or not top:
        return 0
    return min(4, 1 + (value * 4 - 1) // top)


def _period(query: services.HotspotQuery) -> str:
    return _("%(start)s – %(end)s", start=format_date(query.date_from, "medium"),
             end=format_date(query.date_to, "medium"))


def _map_links(place: services.Place) -> dict:
    lat, lon = place.lat, place.lon
    return {"geo": f"geo:{lat},{lon}?q={lat},{lon}",
            "osm": f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"}


def _place(place: services.Place, rank: int, weekdays: dict[int, str], trends: dict[str, str]) -> dict:
    busiest = sorted((d for d in WEEKDAYS if place.by_weekday[d]), key=lambda d: (-place.by_weekday[d], d))[:3]
    return {
        "rank": rank, "area": place.district or _("Outside the areas"), "count": place.count, "before": place.before,
        "trend": trends[place.trend], "trend_key": place.trend, "change": f"{place.count - place.before:+d}",
        "mean_rating": format_decimal(place.mean_rating) if place.mean_rating is not None else "–",
        "coordinates": f"{place.lat:.5f}, {place.lon:.5f}", "lat": place.lat, "lon": place.lon,
        "sweref": f"E {place.sweref[0]}, N {place.sweref[1]}", "links": _map_links(place),
        "busiest_days": ", ".join(f"{weekdays[d]} ({place.by_weekday[d]})" for d in busiest) or "–",
        "location_text": place.location_text,
        "texts": [{"reference": t["reference"], "category": category_name(t["category"]),
                   "created": format_date(t["created"], "medium"), "time_of_day": str(TIME_OF_DAY_LABELS[t["time_of_day"]]),
                   "description": t["description"]} for t in place.texts],
    }


def hotspot_page(result: services.Hotspots) -> dict:
    """The page: the weekday × time-of-day table with its totals, the areas, the top places with their trend and
    the cells for the small map."""
    query = result.query
    times, weekdays, trends = time_labels(), weekday_names(), trend_labels()
    top = max((v for row in result.table.values() for v in row.values()), default=0)
    table = [{"weekday": weekdays[d], "cells": [{"value": result.table[d][t], "heat": _heat(result.table[d][t], top),
                                                 "label": times[t]} for t in TIMES_OF_DAY],
              "total": sum(result.table[d].values())} for d in WEEKDAYS]
    time_totals = [sum(result.table[d][t] for d in WEEKDAYS) for t in TIMES_OF_DAY]
    areas = [{"area": name or _("Outside the areas"), "cells": [counts[t] for t in TIMES_OF_DAY],
              "total": sum(counts.values()), "before": result.by_district_before.get(name, 0)}
             for name, counts in sorted(result.by_district.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))]
    areas += [{"area": name or _("Outside the areas"), "cells": [0, 0, 0], "total": 0, "before": n}
              for name, n in sorted(result.by_district_before.items()) if name not in result.by_district]
    places = [_place(p, i, weekdays, trends) for i, p in enumerate(result.places, 1) if p.count or p.before]
    return {
        "period": _period(query), "before": _period(query.before()), "days": query.days,
        "time": times[query.time_of_day] if query.time_of_day else _("All times"),
        "total": result.total, "total_before": result.total_before,
        "time_headers": [times[t] for t in TIMES_OF_DAY], "table": table, "time_totals": time_totals,
        "grand_total": sum(time_totals), "areas": areas, "places": places, "threshold": disclosure.threshold(),
        "map_cells": [{"lat": p["lat"], "lon": p["lon"], "rank": p["rank"], "count": p["count"],
                       "polygon": services.cell_ring(r)} for p, r in zip(places, result.places)],
    }


def patrol_sheet(result: services.Hotspots, today) -> dict:
    query = result.query
    weekdays, trends = weekday_names(), trend_labels()
    return {"time": time_labels()[query.time_of_day or "evening"], "period": _period(query),
            "before": _period(query.before()), "printed": format_date(today, "full"),
            "places": [{**_place(p, i, weekdays, trends),
                        "map_cells": [{"lat": p.lat, "lon": p.lon, "rank": i, "count": p.count,
                                       "polygon": services.cell_ring(p)}]}
                       for i, p in enumerate(result.places, 1) if p.count]}


CSV_COLUMNS = [*services.EXPORT_COLUMNS]


def cells_csv(query: services.HotspotQuery):
    """The export's cells as CSV lines (webapp/spreadsheets.py), the trend in words."""
    trends = trend_labels()
    rows = ([c[k] if k != "trend" else (trends[c[k]] if c[k] else None) for k in CSV_COLUMNS]
            for c in services.export_cells(query))
    return spreadsheets.csv_lines(CSV_COLUMNS, rows)
