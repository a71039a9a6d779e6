// Binary array traits ({view: DataView, dtype, shape}) as typed arrays, without copying.

const TYPED = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/** {data: TypedArray, shape: number[]} for a serialised numpy array, or null. */
export function fromBinary(value) {
  if (value == null) return null;
  const Typed = TYPED[value.dtype];
  if (!Typed) throw new TypeError(`unsupported dtype ${value.dtype}`);
  const view = value.view;
  const count = view.byteLength / Typed.BYTES_PER_ELEMENT;
  // A DataView's byteOffset may not be aligned for the element size: copy only then.
  const data =
    view.byteOffset % Typed.BYTES_PER_ELEMENT === 0
      ? new Typed(view.buffer, view.byteOffset, count)
      : new Typed(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  const expected = value.shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new RangeError(`array of shape [${value.shape}] has ${data.length} elements`);
  }
  return { data, shape: value.shape };
}

/** Row `i` of a 2-D array from fromBinary (a view, not a copy). */
export function row(array, i) {
  const width = array.shape[1];
  return array.data.subarray(i * width, (i + 1) * width);
}
