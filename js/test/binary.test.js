import { describe, expect, it } from "vitest";
import { byteLength, toBlob } from "../lib/binary.js";

describe("toBlob", () => {
  it("wraps exactly the DataView's window of its buffer", async () => {
    const buffer = new Uint8Array([9, 1, 2, 3, 9]).buffer;
    const blob = toBlob(new DataView(buffer, 1, 3), "video/mp4");
    expect(blob.type).toBe("video/mp4");
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3]);
  });
  it("is null for no data and rejects non-binary values", () => {
    expect(toBlob(null, "video/mp4")).toBeNull();
    expect(() => toBlob("abc", "video/mp4")).toThrow(TypeError);
    expect(byteLength(new DataView(new ArrayBuffer(4)))).toBe(4);
    expect(byteLength(undefined)).toBe(0);
  });
});
