"""Binary array traits: round trips and refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from vibe_widgets.errors import InvalidParameterError
from vibe_widgets.widgets._serialize import array_from_json, array_to_json


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64, np.int32, np.uint8, np.int16]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=7),
    )
)
def test_round_trip_keeps_values_dtype_and_shape(array: np.ndarray):
    payload = array_to_json(array)
    assert isinstance(payload["view"], memoryview)  # a binary buffer, not a JSON list
    back = array_from_json({**payload, "view": payload["view"].tobytes()})
    assert back.dtype == array.dtype
    np.testing.assert_array_equal(back, array)


def test_non_contiguous_input_is_sent_in_c_order():
    array = np.arange(12, dtype=np.float32).reshape(3, 4).T
    payload = array_to_json(array)
    np.testing.assert_array_equal(array_from_json(payload), array)


def test_unsupported_dtypes_are_refused_with_a_fix():
    with pytest.raises(InvalidParameterError, match=r"astype\('float32'\)"):
        array_to_json(np.zeros(3, dtype=np.complex64))
    assert array_to_json(None) is None
