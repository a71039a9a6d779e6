import { describe, expect, it } from "vitest";
import { clampCursor, cursorToTime, formatTime, timeToCursor, trCount } from "../lib/cursor.js";

describe("trCount", () => {
  it("floors duration / tr", () => {
    expect(trCount(45.25, 1.49)).toBe(30);
    expect(trCount(1.48, 1.49)).toBe(0);
  });
  it("keeps the last TR of an exact multiple despite float error", () => {
    expect(trCount(30 * 1.49, 1.49)).toBe(30);
  });
  it("is 0 for invalid input", () => {
    expect(trCount(NaN, 1.49)).toBe(0);
    expect(trCount(10, 0)).toBe(0);
  });
});

describe("timeToCursor", () => {
  it("is floor((t - offset) / tr) inside the clip", () => {
    expect(timeToCursor(0, 1.49, 0, 30)).toBe(0);
    expect(timeToCursor(1.489, 1.49, 0, 30)).toBe(0);
    expect(timeToCursor(1.49, 1.49, 0, 30)).toBe(1);
    expect(timeToCursor(10, 1.49, 5, 30)).toBe(3);
  });
  it("clamps before the offset and past the last TR", () => {
    expect(timeToCursor(2, 1.49, 5, 30)).toBe(0);
    expect(timeToCursor(1000, 1.49, 0, 30)).toBe(29);
  });
});

describe("cursorToTime", () => {
  it("round-trips every TR of a long clip, offsets included", () => {
    for (const offset of [0, 4.5, -1]) {
      for (let c = 0; c < 900; c++) {
        const t = cursorToTime(c, 1.49, offset, 900 * 1.49 + 10);
        if (c * 1.49 + offset < 0) continue;
        expect(timeToCursor(t, 1.49, offset, 900)).toBe(c);
      }
    }
  });
  it("with a frame rate, lands on the first frame that starts inside the TR", () => {
    for (const fps of [23.976, 24, 25, 29.97, 30, 60]) {
      for (const offset of [0, 4.5]) {
        for (let c = 0; c < 600; c++) {
          const t = cursorToTime(c, 1.49, offset, 600 * 1.49 + 10, fps);
          expect(timeToCursor(t, 1.49, offset, 600)).toBe(c);
          // The frame on screen at t started at floor(t * fps) / fps: inside TR c.
          const frameStart = Math.floor(t * fps) / fps;
          expect(frameStart).toBeGreaterThanOrEqual(c * 1.49 + offset - 1e-9);
          expect(frameStart).toBeLessThan((c + 1) * 1.49 + offset);
        }
      }
    }
  });
  it("without a frame rate, the TR's start at 24 fps often shows the previous TR's frame", () => {
    // The case the frame rate fixes: 12 * 1.49 = 17.88 s lies inside the frame of 17.875 s.
    const t = cursorToTime(12, 1.49, 0, 45);
    expect(Math.floor(t * 24) / 24).toBeLessThan(12 * 1.49);
    expect(Math.floor(cursorToTime(12, 1.49, 0, 45, 24) * 24) / 24).toBeGreaterThanOrEqual(12 * 1.49);
  });
  it("stays inside [0, duration)", () => {
    expect(cursorToTime(0, 1.49, -3, 40)).toBe(0);
    expect(cursorToTime(100, 1.49, 0, 40)).toBeLessThan(40);
  });
});

describe("clampCursor", () => {
  it("truncates and clamps", () => {
    expect(clampCursor(3.7, 10)).toBe(3);
    expect(clampCursor(-2, 10)).toBe(0);
    expect(clampCursor(12, 10)).toBe(9);
    expect(clampCursor(5, 0)).toBe(0);
    expect(clampCursor(NaN, 10)).toBe(0);
  });
});

describe("formatTime", () => {
  it("formats m:ss.s", () => {
    expect(formatTime(0)).toBe("0:00.0");
    expect(formatTime(75.25)).toBe("1:15.3");
  });
});
