"""The disclosure rule as pure functions: complementary suppression and the release of split figures."""
from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.disclosure import release_day, suppress

LIMIT = 5


def augmented(table):
    rows = [list(r) + [sum(r)] for r in table]
    return rows + [[sum(r[j] for r in rows) for j in range(len(rows[0]))]]


def shown_grid(result):
    return [list(r) + [t] for r, t in zip(result.cells, result.row_totals)] + \
        [list(result.column_totals) + [result.total]]


def another_value_possible(grid, shown, cell, value) -> bool:
    """Is there a table of non-negative whole numbers, equal to `grid` wherever a figure is shown and summing to
    its margins, in which `cell` holds `value`? Searched cell by cell over the hidden inner cells; the margins
    follow from them."""
    rows, columns = len(grid) - 1, len(grid[0]) - 1
    free = [(i, j) for i in range(rows) for j in range(columns) if shown[i][j] is None]
    bound = grid[rows][columns]
    values = {(i, j): grid[i][j] for i in range(rows) for j in range(columns) if shown[i][j] is not None}
    if cell[0] < rows and cell[1] < columns:
        if value < 0:
            return False
        values[cell] = value
        free.remove(cell)

    def fits(complete: bool) -> bool:
        for i in range(rows + 1):
            for j in range(columns + 1):
                if i < rows and j < columns:
                    continue
                cells = [(i, k) for k in range(columns)] if j == columns and i < rows else \
                    [(k, j) for k in range(rows)] if i == rows and j < columns else \
                    [(a, b) for a in range(rows) for b in range(columns)]
                known = sum(values[c] for c in cells if c in values)
                target = value if (i, j) == cell else shown[i][j]
                if target is None:
                    continue
                if known > target or (complete and known != target):
                    return False
                if not complete and all(c in values for c in cells) and known != target:
                    return False
        return True

    def search(k: int) -> bool:
        if not fits(k == len(free)):
            return False
        if k == len(free):
            return True
        for v in range(bound + 1):
            values[free[k]] = v
            if search(k + 1):
                return True
        del values[free[k]]
        return False

    return search(0)


tables = st.integers(2, 3).flatmap(lambda r: st.integers(2, 3).flatmap(
    lambda c: st.lists(st.lists(st.sampled_from([0, 0, 1, 2, 3, 5, 7]), min_size=c, max_size=c),
                       min_size=r, max_size=r)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.sampled_from([("total",), ("total", "columns"), ()]))
def test_no_hidden_figure_follows_from_the_shown_ones(table, published):
    result = suppress(table, LIMIT, published=published)
    grid, shown = augmented(table), shown_grid(result)
    for i, row in enumerate(shown):
        for j, figure in enumerate(row):
            if figure is None:
                continue
            assert figure == grid[i][j]
            # Every small figure is hidden, except a margin published elsewhere.
            fixed = (i == len(table) and j == len(table[0]) and "total" in published) or \
                (i == len(table) and j < len(table[0]) and "columns" in published)
            assert fixed or not 0 < figure < LIMIT, (table, shown)
    for i, row in enumerate(shown):
        for j, figure in enumerate(row):
            true = grid[i][j]
            if figure is None and true:   # a hidden zero is no one: it may follow from a published 0
                assert another_value_possible(grid, shown, (i, j), true + 1) or \
                    another_value_possible(grid, shown, (i, j), true - 1), (table, published, shown, (i, j))


def test_the_audited_row_cannot_be_completed_by_subtraction():
    # Issue 23.2: "Under 16" 24 in all, 8 + 8 + 5 shown, so the hidden 3 followed by subtraction.
    result = suppress([[8, 8, 5, 3], [10, 12, 9, 7]], LIMIT, published=("total", "columns"))
    row = result.cells[0]
    assert row.count(None) >= 2 or result.row_totals[0] is None
    assert row[3] is None


def test_nothing_small_nothing_hidden():
    result = suppress([[0, 7], [5, 0]], LIMIT)
    assert result.cells == [[0, 7], [5, 0]] and result.total == 12


def test_figures_are_released_in_steps_of_the_threshold():
    day = date(2026, 3, 1)
    days = [day] * 3 + [day + timedelta(1)] * 2 + [day + timedelta(2)] + [day + timedelta(3)] * 4
    assert release_day(Counter(days[:5]), day + timedelta(10), LIMIT) == day + timedelta(1)
    assert release_day(Counter(days), day + timedelta(10), LIMIT) == day + timedelta(3)
    assert release_day(Counter(days[:4]), day + timedelta(10), LIMIT) is None
    # One more report moves nothing: the next release waits for a whole step.
    assert release_day(Counter(days + [day + timedelta(4)]), day + timedelta(10), LIMIT) == day + timedelta(3)
    # Today's reports wait for tomorrow.
    assert release_day(Counter(days), day + timedelta(1), LIMIT) is None


def test_a_period_is_narrowed_to_whole_release_blocks_at_both_ends():
    """Issue 23 round 3: moving the start date one day changed a split figure by one respondent. Blocks are made
    over all the selection's days; a period counts only the whole blocks inside it, at both ends."""
    from webapp.disclosure import release_blocks, release_window

    d = [date(2018, 2, 1) + timedelta(i) for i in range(30)]
    per_day = Counter({d[0]: 2, d[2]: 3, d[5]: 1, d[6]: 4, d[10]: 5, d[20]: 2})   # blocks: 0–2, 5–6, 10; 20 open
    today = date(2026, 1, 1)
    assert release_blocks(per_day, today, LIMIT) == [(d[0], d[2]), (d[5], d[6]), (d[10], d[10])]
    assert release_window(per_day, today, None, None, LIMIT) == (d[0], d[10])
    # Any start from the day after a block's end up to its next block's first day gives the same answer...
    for start in (d[3], d[4], d[5]):
        assert release_window(per_day, today, start, None, LIMIT) == (d[5], d[10])
    # ...and one day later a whole block (five respondents) goes, never one respondent.
    assert release_window(per_day, today, d[6], None, LIMIT) == (d[10], d[10])
    for end in (d[6], d[7], d[9]):
        assert release_window(per_day, today, None, end, LIMIT) == (d[0], d[6])
    assert release_window(per_day, today, d[1], d[9], LIMIT) == (d[5], d[6])
    assert release_window(per_day, today, d[11], None, LIMIT) is None   # only the open block: too small
    assert release_window(per_day, today, d[1], d[4], LIMIT) is None
