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
    array = np.ascontiguousarray(array)
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
    data = value["view"]
    array = np.frombuffer(bytes(data), dtype=np.dtype(value["dtype"]))
    return array.reshape(value["shape"]).copy()


array_serialization = {"to_json": array_to_json, "from_json": array_from_json}
