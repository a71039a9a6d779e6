import { describe, expect, it } from "vitest";
import { fromBinary, row } from "../lib/arrays.js";

describe("fromBinary", () => {
  it("views a float32 buffer with its shape and reads rows", () => {
    const source = new Float32Array([1, 2, 3, 4, 5, 6]);
    const value = { view: new DataView(source.buffer), dtype: "float32", shape: [2, 3] };
    const array = fromBinary(value);
    expect(array.shape).toEqual([2, 3]);
    expect([...row(array, 1)]).toEqual([4, 5, 6]);
  });
  it("copies when the offset is misaligned", () => {
    const bytes = new Uint8Array(13);
    new DataView(bytes.buffer).setFloat32(1, 2.5, true);
    const value = { view: new DataView(bytes.buffer, 1, 12), dtype: "float32", shape: [3] };
    expect(fromBinary(value).data[0]).toBe(2.5);
  });
  it("rejects unknown dtypes and wrong shapes", () => {
    const view = new DataView(new ArrayBuffer(8));
    expect(() => fromBinary({ view, dtype: "complex64", shape: [1] })).toThrow(TypeError);
    expect(() => fromBinary({ view, dtype: "float32", shape: [3] })).toThrow(RangeError);
    expect(fromBinary(null)).toBeNull();
  });
});
