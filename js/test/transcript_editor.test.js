import { describe, expect, it } from "vitest";
import {
  MAX_UNDO,
  editedIndices,
  flattenLine,
  pasteInto,
  recordChange,
  replaceLine,
  sameLines,
} from "../lib/transcript_logic.js";

describe("flattenLine", () => {
  it("turns every line break and tab into one space", () => {
    expect(flattenLine("a\nb\r\nc\rd\te\u2028f")).toBe("a b c d e f");
  });
  it("keeps other text as is, emoji and right-to-left included", () => {
    expect(flattenLine("héllo 👋 שלום <b>")).toBe("héllo 👋 שלום <b>");
    expect(flattenLine(undefined)).toBe("");
  });
});

describe("replaceLine", () => {
  it("returns a copy with one line changed and the same count", () => {
    const lines = ["a", "b", "c"];
    const next = replaceLine(lines, 1, "x\ny");
    expect(next).toEqual(["a", "x y", "c"]);
    expect(lines).toEqual(["a", "b", "c"]);
  });
  it("rejects an index outside the lines", () => {
    expect(() => replaceLine(["a"], 1, "x")).toThrow(RangeError);
    expect(() => replaceLine(["a"], -1, "x")).toThrow(RangeError);
  });
});

describe("sameLines / editedIndices", () => {
  it("compares line by line", () => {
    expect(sameLines(["a", "b"], ["a", "b"])).toBe(true);
    expect(sameLines(["a", "b"], ["a", "c"])).toBe(false);
    expect(sameLines(["a"], ["a", ""])).toBe(false);
  });
  it("lists changed indices in order", () => {
    expect(editedIndices(["a", "b", "c", "d"], ["a", "B", "c", "D"])).toEqual([1, 3]);
    expect(editedIndices(["a"], ["a"])).toEqual([]);
  });
});

describe("recordChange", () => {
  it("pushes the previous state on a new change", () => {
    const stack = [];
    recordChange(stack, ["a"], ["b"]);
    recordChange(stack, ["b"], ["c"]);
    expect(stack).toEqual([["a"], ["b"]]);
  });
  it("pops when the change goes back to the top state (an undo)", () => {
    const stack = [["a"], ["b"]];
    recordChange(stack, ["c"], ["b"]);
    expect(stack).toEqual([["a"]]);
  });
  it("ignores a change that changes nothing", () => {
    const stack = [["a"]];
    recordChange(stack, ["b"], ["b"]);
    expect(stack).toEqual([["a"]]);
  });
  it("keeps at most MAX_UNDO states, dropping the oldest", () => {
    const stack = [];
    for (let i = 0; i < MAX_UNDO + 5; i += 1) recordChange(stack, [String(i)], [String(i + 1)]);
    expect(stack.length).toBe(MAX_UNDO);
    expect(stack[0]).toEqual(["5"]);
  });
});

describe("pasteInto", () => {
  it("replaces the selection with flattened text and puts the caret after it", () => {
    expect(pasteInto("hello world", 6, 11, "big\nsea")).toEqual({ value: "hello big sea", caret: 13 });
  });
});
