// Binary traits arrive as DataView (anywidget / ipywidgets buffers); views want Blobs or arrays.

/** A Blob over the bytes of a DataView/ArrayBuffer/typed array, without copying twice. */
export function toBlob(value, type) {
  if (value == null) return null;
  if (value instanceof DataView || ArrayBuffer.isView(value)) {
    return new Blob([new Uint8Array(value.buffer, value.byteOffset, value.byteLength)], { type });
  }
  if (value instanceof ArrayBuffer) return new Blob([value], { type });
  throw new TypeError(`expected binary data, got ${Object.prototype.toString.call(value)}`);
}

/** Byte length of a binary trait value (0 when empty). */
export function byteLength(value) {
  if (value == null) return 0;
  return value.byteLength ?? 0;
}
