"""Statistical disclosure control: the one rule every count of people split by gender or age goes through
(the heat map's cells in JSON, GeoJSON and PNG, the lighting basis, campaign results, and every export of them).

1. A split is answered only when the selection *without* the split holds at least `threshold()` reports
   (DISCLOSURE_THRESHOLD, 5); otherwise the answer is `TooSmallToSplit`, the same whatever the split value.
2. In a split table, a cell of 1 to threshold - 1 is hidden, and so many other cells or margins with it
   (`suppress`) that no hidden cell follows by subtraction from what is shown. How many were hidden is never told.
3. Split figures count whole *release blocks* only. A selection's blocks are made over all its days (its own
   dates left out): walking the days in order, a block closes at the end of a day once at least `threshold()`
   reports had come in since the block before (`release_window`; for a campaign, whose period is its own,
   `release_day` is the end of its last block). A period asked for is narrowed to the whole blocks inside it, at
   both ends: moving either date, or the day passing, changes a split figure by a whole block of at least the
   threshold of reports or not at all, never one respondent at a time.
4. A block is the whole selection's, so one place or cell inside it may gain a single report in a block: the
   figures of a place, a cell or a group are published rounded to the nearest multiple of the threshold
   (`rounded`), so that such a gain moves no figure by exactly one (attack round 4). The dialogue's tables count
   blocks of real answers per table ("prefer not to say" makes no block).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Mapping, Sequence

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from webapp.errors import InputRefused
from webapp.extensions import db

DEFAULT_THRESHOLD = 5


def threshold() -> int:
    """The smallest group of people a figure may count (the setting DISCLOSURE_THRESHOLD, 5 by default)."""
    if has_app_context():
        return max(2, int(current_app.config.get("DISCLOSURE_THRESHOLD", DEFAULT_THRESHOLD)))
    return DEFAULT_THRESHOLD


class TooSmallToSplit(InputRefused):
    """The selection without the split is too small to split: the same answer whatever the split value."""

    def __init__(self):
        super().__init__("gender", _l("This selection is too small to split by gender or age. Widen it (more "
                                      "dates, a larger area or more categories) to see the split."))


def rounded(value: int | None, base: int | None = None) -> int | None:
    """A published count rounded to the nearest multiple of the threshold (5): within a release block, one more
    respondent in a group moves no figure by exactly one. None (hidden) stays None."""
    if value is None:
        return None
    base = base or threshold()
    return int(base * round(value / base)) if value else 0


def release_day(per_day: Mapping[date, int], today: date, limit: int | None = None) -> date | None:
    """The last day whose end split figures count up to, from how many of the selection's reports (the split
    left out) came in each day. Days from `today` on are not counted yet; walking the others in order, a release
    is made at the end of a day once at least `limit` reports came in since the release before. None when not
    even the first release has `limit` reports: then the selection is too small to split."""
    limit = limit or threshold()
    released, since = None, 0
    for day, n in sorted((d, n) for d, n in per_day.items() if d < today):
        since += n
        if since >= limit:
            released, since = day, 0
    return released


def release_blocks(per_day: Mapping[date, int], today: date, limit: int | None = None) -> list[tuple[date, date]]:
    """The release blocks (first day with reports, last day) of a selection from how many of its reports came in
    each day, its own dates left out; days from `today` on are not counted yet."""
    limit = limit or threshold()
    blocks, first, since = [], None, 0
    for day, n in sorted((d, n) for d, n in per_day.items() if d < today and n):
        first = first or day
        since += n
        if since >= limit:
            blocks.append((first, day))
            first, since = None, 0
    return blocks


def release_window(per_day: Mapping[date, int], today: date, start: date | None, end: date | None,
                   limit: int | None = None) -> tuple[date, date] | None:
    """The period asked for (`start`, `end`, inclusive, None for open) narrowed to the whole release blocks
    inside it: (first day of the first, last day of the last). None when not one whole block fits: then the
    selection is too small to split, whatever the split value."""
    inside = [(a, b) for a, b in release_blocks(per_day, today, limit)
              if (start is None or a >= start) and (end is None or b <= end)]
    return (inside[0][0], inside[-1][1]) if inside else None


class ReleasedFigures(db.Model):
    """What a release of split figures showed (a campaign's tables), kept until the next release: figures move
    only with a whole new block, not when a report already counted is edited."""

    __tablename__ = "released_figures"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    release_day: Mapped[date] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)


def kept_release(key: str, day: date, compute: Callable[[], dict]) -> dict:
    """The figures released on `day` under `key`: those kept when this release was first shown, else `compute()`
    kept now (one row per key, replaced by the next release)."""
    kept = db.session.get(ReleasedFigures, key)
    if kept is not None and kept.release_day == day:
        return kept.data
    figures = compute()
    try:
        with db.session.begin_nested():
            if kept is None:
                db.session.add(ReleasedFigures(key=key, release_day=day, data=figures))
            else:
                kept.release_day, kept.data = day, figures
    except IntegrityError:  # another request kept the same release a moment before: the same figures
        pass
    return figures


@dataclass
class Suppressed:
    """A table as it may be shown: None where a figure is hidden."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None

    def value(self, row: int | None, column: int | None) -> int | None:
        """A cell (row, column), a row's total (row, None), a column's total (None, column) or the total."""
        if row is None and column is None:
            return self.total
        if column is None:
            return self.row_totals[row]
        if row is None:
            return self.column_totals[column]
        return self.cells[row][column]


def suppress(table: Sequence[Sequence[int]], limit: int | None = None, *, published: Iterable[str] = ("total",)
             ) -> Suppressed:
    """The table with its row totals, column totals and total, where every figure of 1 to `limit` - 1 is hidden
    (primary suppression) and, besides, the smallest other figures of the same rows and columns, until no hidden
    figure can be worked out from those shown (complementary suppression). `published` names the margins shown
    elsewhere in any case ("total", "rows", "columns"): those are never hidden, and the others are chosen so
    that they need not be.

    Seen as a graph whose nodes are the rows and columns (margins included) and whose edges are the hidden
    figures, a hidden figure could take another value, with every sum unchanged, when it lies on a cycle along
    which the figures can move one step each, up and down in turn, none below zero.
    For each figure not yet so protected, the cheapest rectangle of figures through it is hidden (else the
    smallest figure next to it), until every hidden figure above zero lies on such a cycle: then it has at least two possible values, and none follows by subtraction.
    A hidden zero is no one; it may follow from a published zero. Pure: no database, no request."""
    limit = limit or threshold()
    rows, columns = len(table), len(table[0]) if table else 0
    published = set(published)
    # The table with its margins: row `rows` holds the column totals, column `columns` the row totals.
    grid = [list(map(int, r)) + [sum(r)] for r in table]
    grid.append([sum(grid[i][j] for i in range(rows)) for j in range(columns + 1)])
    fixed = set()
    if "total" in published:
        fixed.add((rows, columns))
    if "rows" in published:
        fixed |= {(i, columns) for i in range(rows + 1)}
    if "columns" in published:
        fixed |= {(rows, j) for j in range(columns + 1)}
    everything = [(i, j) for i in range(rows + 1) for j in range(columns + 1)]
    hidden = {c for c in everything if 0 < grid[c[0]][c[1]] < limit and c not in fixed}
    while hidden:
        exposed = _unprotected(hidden, grid)
        if exposed is None:
            break
        rectangle = _cheapest_rectangle(exposed, grid, hidden, fixed)
        if rectangle:
            hidden |= rectangle
            continue
        complement = _complement(exposed, grid, hidden, fixed, everything)
        if complement is None:
            break   # nothing left to hide: a table of one row or one column cannot hide anything
        hidden.add(complement)
    shown = [[None if (i, j) in hidden else grid[i][j] for j in range(columns + 1)] for i in range(rows + 1)]
    return Suppressed(cells=[r[:columns] for r in shown[:rows]], row_totals=[r[columns] for r in shown[:rows]],
                      column_totals=shown[rows][:columns], total=shown[rows][columns])


def _may_move(cell, grid, up: bool) -> bool:
    """Whether a figure may move one step in the signed table (a margin counts with a minus sign, so that every
    row and column sums to nought): up or down, a figure of the table may only go down from above zero."""
    rows, columns = len(grid) - 1, len(grid[0]) - 1
    margin = (cell[0] == rows) != (cell[1] == columns)
    lowers = up == margin   # the figure itself goes down
    return not lowers or grid[cell[0]][cell[1]] > 0


def _cheapest_rectangle(exposed, grid, hidden, fixed) -> set[tuple[int, int]] | None:
    """The figures to hide with `exposed` so that it is a corner of a hidden rectangle along which every
    corner can move one step, the sums unchanged: the rectangle that hides the least not yet hidden (by sum,
    then by how many figures), or None when every such rectangle needs a published margin."""
    i, j = exposed
    best, best_cost = None, None
    for i2 in range(len(grid)):
        for j2 in range(len(grid[0])):
            if i2 == i or j2 == j:
                continue
            corners = {(i, j2), (i2, j), (i2, j2)}
            if corners & fixed:
                continue
            if not any(all(_may_move(c, grid, up) for c, up in
                           (((i, j), first), ((i, j2), not first), ((i2, j2), first), ((i2, j), not first)))
                       for first in (True, False)):
                continue
            new = corners - hidden
            cost = (sum(grid[a][b] for a, b in new), len(new), i2, j2)
            if best_cost is None or cost < best_cost:
                best, best_cost = new, cost
    return best


def _complement(exposed, grid, hidden, fixed, everything):
    """The figure to hide next: the smallest above zero shown in the exposed figure's row or column, else the
    smallest above zero anywhere, else a zero in its row or column, else any zero."""
    i, j = exposed
    free = [c for c in everything if c not in hidden and c not in fixed]
    near = [c for c in free if c[0] == i or c[1] == j]
    for group in ([c for c in near if grid[c[0]][c[1]] > 0], [c for c in free if grid[c[0]][c[1]] > 0], near, free):
        if group:
            return min(group, key=lambda c: (grid[c[0]][c[1]], c))
    return None


def _unprotected(hidden: set[tuple[int, int]], grid) -> tuple[int, int] | None:
    """A hidden figure above zero that could not move: no cycle of hidden figures through it along which each
    can move one step, up and down in turn, every row and column sum unchanged. As arcs between rows and
    columns: a figure that may go down in the signed table is an arc row -> column, one that may go up an arc
    column -> row; the figure can move when the far end of one of its arcs leads back to the near end without
    going over the figure itself."""
    arcs: dict[tuple[str, int], list[tuple[tuple[str, int], tuple[int, int]]]] = {}
    for cell in hidden:
        r, c = ("r", cell[0]), ("c", cell[1])
        if _may_move(cell, grid, up=False):
            arcs.setdefault(r, []).append((c, cell))
        if _may_move(cell, grid, up=True):
            arcs.setdefault(c, []).append((r, cell))
    for cell in sorted(hidden):
        if grid[cell[0]][cell[1]] <= 0:
            continue
        r, c = ("r", cell[0]), ("c", cell[1])
        ends = ([(c, r)] if _may_move(cell, grid, up=False) else []) + \
               ([(r, c)] if _may_move(cell, grid, up=True) else [])
        if not any(_reaches(arcs, start, target, cell) for start, target in ends):
            return cell
    return None


def _reaches(arcs, start, target, without) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for neighbour, via in arcs.get(node, []):
            if via == without or neighbour in seen:
                continue
            if neighbour == target:
                return True
            seen.add(neighbour)
            todo.append(neighbour)
    return False
