"""numpy arrays as binary widget traits: {"view": memoryview, "dtype", "shape"}, not JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from vibe_widgets.errors import InvalidParameterError

__all__ = ["SUPPORTED_DTYPES", "array_from_json", "array_serialization", "array_to_json"]

# Dtypes the browser has typed arrays for (js/lib/arrays.js mirrors this list).
SUPPORTED_DTYPES = ("float32", "float64", "int8", "int16", "int32", "uint8", "uint16", "uint32")


def array_to_json(array: np.ndarray | None, widget: Any = None) -> dict[str, Any] | None:
    """Serialise an array as one binary buffer plus its dtype and shape."""
    if array is None:
        return None
    # Not ascontiguousarray: it turns a 0-d array into shape (1,).
    array = np.asarray(array)
    if not array.flags.c_contiguous:
        array = array.copy(order="C")
    if array.dtype.name not in SUPPORTED_DTYPES:
        raise InvalidParameterError(
            f"arrays sent to the browser must have one of the dtypes {list(SUPPORTED_DTYPES)}, "
            f"got {array.dtype}; cast it first (e.g. .astype('float32'))."
        )
    return {"view": memoryview(array), "dtype": array.dtype.name, "shape": list(array.shape)}


def array_from_json(value: dict[str, Any] | None, widget: Any = None) -> np.ndarray | None:
    """Inverse of `array_to_json` for arrays coming back from the browser."""
    if value is None:
        return None
    # Messages from the browser are untrusted: a bad one is refused, never half-decoded.
    try:
        dtype = np.dtype(value["dtype"])
        if dtype.name not in SUPPORTED_DTYPES:
            raise ValueError(f"dtype {dtype} is not one of {list(SUPPORTED_DTYPES)}")
        array = np.frombuffer(bytes(value["view"]), dtype=dtype)
        return array.reshape([int(n) for n in value["shape"]]).copy()
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidParameterError(
            "a binary array from the browser must be {'view': bytes, 'dtype': one of "
            f"{list(SUPPORTED_DTYPES)}, 'shape': list of int}} whose sizes agree; got an "
            f"unusable message ({type(error).__name__}: {error})."
        ) from error


array_serialization = {"to_json": array_to_json, "from_json": array_from_json}
