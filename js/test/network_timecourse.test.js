import { describe, expect, it } from "vitest";
import {
  backingSize,
  hitTr,
  insideArea,
  niceTicks,
  plotArea,
  readoutHeader,
  toggleHidden,
  trToX,
  valueToY,
  xToTr,
  yRange,
} from "../lib/timecourse_logic.js";

const area = plotArea(700, 280, { left: 50, right: 10, top: 10, bottom: 30 });

describe("plotArea", () => {
  it("subtracts the margins", () => {
    expect(area).toEqual({ left: 50, top: 10, width: 640, height: 240 });
  });
  it("never collapses below one pixel", () => {
    expect(plotArea(20, 20, { left: 50, right: 10, top: 10, bottom: 30 })).toMatchObject({ width: 1, height: 1 });
  });
});

describe("TR <-> x", () => {
  it("puts TR 0 on the left edge and the last TR on the right edge", () => {
    expect(trToX(0, 30, area)).toBe(50);
    expect(trToX(29, 30, area)).toBe(690);
    expect(trToX(14.5, 30, area)).toBeCloseTo(370);
  });
  it("centres a single TR", () => {
    expect(trToX(0, 1, area)).toBe(370);
  });
  it("round-trips every TR", () => {
    for (let i = 0; i < 30; i++) expect(xToTr(trToX(i, 30, area), 30, area)).toBe(i);
  });
  it("picks the nearest TR and clamps outside the plot", () => {
    const step = 640 / 29;
    expect(xToTr(50 + 2.4 * step, 30, area)).toBe(2);
    expect(xToTr(50 + 2.6 * step, 30, area)).toBe(3);
    expect(xToTr(-100, 30, area)).toBe(0);
    expect(xToTr(5000, 30, area)).toBe(29);
    expect(xToTr(400, 0, area)).toBe(0);
  });
});

describe("yRange", () => {
  it("pads the span of all series on both sides", () => {
    const r = yRange([Float32Array.of(0, 1), Float32Array.of(-1, 0.5)], 0.1);
    expect(r.min).toBeCloseTo(-1.2);
    expect(r.max).toBeCloseTo(1.2);
  });
  it("skips null series and non-finite values", () => {
    expect(yRange([null, Float64Array.of(2, NaN, 4)], 0)).toEqual({ min: 2, max: 4 });
  });
  it("widens a flat series and has a default for no data", () => {
    expect(yRange([Float32Array.of(3, 3)])).toEqual({ min: 2, max: 4 });
    expect(yRange([])).toEqual({ min: -1, max: 1 });
  });
  it("maps the range onto the area, max at the top", () => {
    const r = { min: -1, max: 1 };
    expect(valueToY(1, r, area)).toBe(10);
    expect(valueToY(-1, r, area)).toBe(250);
    expect(valueToY(0, r, area)).toBe(130);
  });
});

describe("hitTr", () => {
  it("returns the TR under a pointer inside the plot", () => {
    expect(hitTr(trToX(20, 30, area), 100, 30, area)).toBe(20);
  });
  it("accepts a little slack beside the first and last TR", () => {
    expect(hitTr(46, 100, 30, area)).toBe(0);
    expect(hitTr(694, 100, 30, area)).toBe(29);
  });
  it("ignores the axes, the margins and empty plots", () => {
    expect(hitTr(30, 100, 30, area)).toBeNull();
    expect(hitTr(300, 260, 30, area)).toBeNull();
    expect(hitTr(300, 5, 30, area)).toBeNull();
    expect(hitTr(300, 100, 0, area)).toBeNull();
  });
  it("insideArea includes the edges", () => {
    expect(insideArea(50, 10, area)).toBe(true);
    expect(insideArea(690, 250, area)).toBe(true);
    expect(insideArea(690.1, 250, area)).toBe(false);
  });
});

describe("niceTicks", () => {
  it("uses 1-2-5 steps inside the range", () => {
    expect(niceTicks(0, 43.21, 8)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(-0.37, 0.52, 5)).toEqual([-0.2, 0, 0.2, 0.4]);
  });
  it("has no floating point noise", () => {
    for (const t of niceTicks(0, 1, 10)) expect(String(t).length).toBeLessThanOrEqual(3);
  });
  it("handles an empty range", () => {
    expect(niceTicks(2, 2)).toEqual([2]);
  });
});

describe("backingSize", () => {
  it("scales the canvas by devicePixelRatio", () => {
    expect(backingSize(700, 280, 2)).toEqual({ width: 1400, height: 560, ratio: 2 });
    expect(backingSize(700, 280, 1.5)).toEqual({ width: 1050, height: 420, ratio: 1.5 });
  });
  it("falls back to 1 for a missing ratio", () => {
    expect(backingSize(10, 10, undefined)).toEqual({ width: 10, height: 10, ratio: 1 });
  });
});

describe("legend and read-out", () => {
  it("toggles a network in and out of the hidden list without mutating it", () => {
    const hidden = ["Vis"];
    expect(toggleHidden(hidden, "Cont")).toEqual(["Vis", "Cont"]);
    expect(toggleHidden(hidden, "Vis")).toEqual([]);
    expect(hidden).toEqual(["Vis"]);
  });
  it("names the TR and its time in seconds", () => {
    expect(readoutHeader(3, 1.49)).toBe("TR 3 \u00b7 4.47 s");
  });
});
