"""Attack round 4, finding 2: a place's split figure moved from 6 to 7 inside one release block. Published split
figures are rounded to the threshold (webapp.disclosure.rounded)."""
from hypothesis import given
from hypothesis import strategies as st

from webapp.disclosure import rounded


@given(st.integers(min_value=0, max_value=10_000))
def test_a_rounded_figure_is_a_multiple_of_five_and_never_moves_by_exactly_one(n):
    assert rounded(n, 5) % 5 == 0 and abs(rounded(n, 5) - n) <= 2
    assert abs(rounded(n + 1, 5) - rounded(n, 5)) in (0, 5)
    assert rounded(None, 5) is None
