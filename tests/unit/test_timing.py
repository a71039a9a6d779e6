"""engine.timing: the TR grid."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vibe_widgets.engine.timing import check_tr, count_trs, tr_start
from vibe_widgets.errors import InvalidParameterError


def test_count_is_the_floor_of_duration_over_tr():
    assert count_trs(45.25, 1.49) == 30
    assert count_trs(1.489, 1.49) == 0
    assert count_trs(0.0) == 0


@given(n=st.integers(0, 20_000), tr=st.sampled_from([0.5, 1.0, 1.49, 2.0, 0.72]))
def test_exact_multiples_keep_their_last_tr(n: int, tr: float):
    assert count_trs(n * tr, tr) == n


@given(duration=st.floats(0, 1e5), tr=st.floats(0.1, 10))
def test_every_counted_tr_fits_in_the_clip(duration: float, tr: float):
    n = count_trs(duration, tr)
    assert tr_start(n, tr) <= duration + 1e-6 * max(1.0, duration)
    assert (n + 1) * tr > duration - 1e-6 * max(1.0, duration)


@pytest.mark.parametrize("tr", [0, -1.0, math.nan, math.inf, "1.49", None, True])
def test_bad_tr_is_refused_with_the_value(tr):
    with pytest.raises(InvalidParameterError, match="tr must be"):
        check_tr(tr)


@pytest.mark.parametrize("duration", [-1.0, math.nan, math.inf])
def test_bad_duration_is_refused(duration: float):
    with pytest.raises(InvalidParameterError, match="duration must be"):
        count_trs(duration)
