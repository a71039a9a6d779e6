import { describe, expect, it } from "vitest";
import {
  VIEWS,
  autoVmax,
  formatValue,
  layoutPanels,
  nearestPoint,
  paintOrder,
  percentile,
  projectCentroids,
  toPixel,
} from "../lib/brain_logic.js";
import { COLD_HOT_STOPS, colorAt, cssGradient, cssTable, normalize, tableIndex } from "../lib/colormap.js";

describe("colormap", () => {
  it("is cyan/blue below zero, near black at zero, red/yellow above", () => {
    const [nr, ng, nb] = colorAt(0.15);
    expect(nb).toBeGreaterThan(200);
    expect(nr).toBeLessThan(30);
    expect(ng).toBeGreaterThan(nr);
    expect(colorAt(0.5)).toEqual([13, 0, 0]);
    const [pr, pg, pb] = colorAt(0.8);
    expect(pr).toBe(255);
    expect(pg).toBeGreaterThan(pb);
    expect(colorAt(0.875)).toEqual([255, 255, 10]);
  });

  it("interpolates linearly between stops and clamps outside [0, 1]", () => {
    // Halfway between [0.0, 0.35, 1] and [0, 0, 0.69].
    expect(colorAt(0.3125)).toEqual([0, Math.round(255 * 0.175), Math.round(255 * 0.845)]);
    expect(colorAt(-3)).toEqual(colorAt(0));
    expect(colorAt(7)).toEqual(colorAt(1));
    expect(colorAt(Number.NaN)).toEqual(colorAt(0.5));
  });

  it("maps values symmetrically around zero", () => {
    expect(normalize(0, 2)).toBe(0.5);
    expect(normalize(2, 2)).toBe(1);
    expect(normalize(-2, 2)).toBe(0);
    expect(normalize(-10, 2)).toBe(0);
    expect(normalize(1, 2) - 0.5).toBeCloseTo(0.5 - normalize(-1, 2));
    expect(normalize(1, 0)).toBe(0.5);
    expect(tableIndex(2, 2, 256)).toBe(255);
    expect(tableIndex(-2, 2, 256)).toBe(0);
  });

  it("builds a CSS table and a gradient from the same stops", () => {
    const table = cssTable(256);
    expect(table).toHaveLength(256);
    expect(table[0]).toBe("rgb(153,255,255)");
    expect(table[255]).toBe("rgb(255,255,153)");
    const gradient = cssGradient();
    expect(gradient.startsWith("linear-gradient(to right,")).toBe(true);
    expect(gradient.match(/rgb\(/g)).toHaveLength(COLD_HOT_STOPS.length);
  });
});

describe("projection", () => {
  const bounds = [
    [-108, 77, -72, 82], // sagittal: y, z
    [-72, 72, -72, 83], // coronal: x, z
    [-71, 73, -107, 74], // axial: x, y
  ];

  it("lays the three views side by side with one mm scale, inside the box", () => {
    const { scale, panels } = layoutPanels(bounds, 900, 260, 12, 6);
    expect(panels).toHaveLength(3);
    for (let i = 0; i < 3; i += 1) {
      const b = bounds[i];
      expect(panels[i].width).toBeCloseTo((b[1] - b[0]) * scale);
      expect(panels[i].height).toBeCloseTo((b[3] - b[2]) * scale);
      expect(panels[i].x).toBeGreaterThanOrEqual(0);
      expect(panels[i].y).toBeGreaterThanOrEqual(0);
      expect(panels[i].y + panels[i].height).toBeLessThanOrEqual(260 + 1e-9);
      if (i > 0) expect(panels[i].x).toBeCloseTo(panels[i - 1].x + panels[i - 1].width + 12);
    }
    expect(panels[2].x + panels[2].width).toBeLessThanOrEqual(900);
  });

  it("puts mm bounds on the panel corners with up pointing up", () => {
    const { scale, panels } = layoutPanels(bounds, 900, 260);
    const p = panels[0];
    expect(toPixel(-108, 82, p, scale)).toEqual([p.x, p.y]);
    const [x, y] = toPixel(77, -72, p, scale);
    expect(x).toBeCloseTo(p.x + p.width);
    expect(y).toBeCloseTo(p.y + p.height);
    // Higher z is higher on screen (smaller pixel y).
    expect(toPixel(0, 50, p, scale)[1]).toBeLessThan(toPixel(0, -50, p, scale)[1]);
  });

  it("projects centroids on the right MNI axes per view", () => {
    const { scale, panels } = layoutPanels(bounds, 900, 260);
    const centroids = new Float32Array([10, -20, 30, -40, 50, -60]);
    expect(VIEWS.map((v) => v.axes)).toEqual([
      [1, 2],
      [0, 2],
      [0, 1],
    ]);
    VIEWS.forEach((view, i) => {
      const pos = projectCentroids(centroids, view.axes, panels[i], scale);
      expect(pos).toHaveLength(4);
      const [h, v] = view.axes;
      const expected = toPixel(centroids[3 + h], centroids[3 + v], panels[i], scale);
      expect(pos[2]).toBeCloseTo(expected[0], 4);
      expect(pos[3]).toBeCloseTo(expected[1], 4);
    });
  });
});

describe("hit testing", () => {
  const positions = new Float32Array([10, 10, 20, 10, 100, 100]);
  it("returns the nearest point within the radius", () => {
    expect(nearestPoint(positions, 12, 11, 6)).toBe(0);
    expect(nearestPoint(positions, 17, 10, 6)).toBe(1);
    expect(nearestPoint(positions, 103, 104, 6)).toBe(2);
  });
  it("returns -1 when nothing is close enough", () => {
    expect(nearestPoint(positions, 50, 50, 6)).toBe(-1);
    expect(nearestPoint(positions, 107, 100, 6)).toBe(-1);
    expect(nearestPoint(new Float32Array(0), 0, 0, 6)).toBe(-1);
  });
});

describe("automatic colour limit", () => {
  it("computes percentiles like numpy (linear interpolation)", () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    // np.percentile(np.arange(101), 99) == 99; np.percentile([0, 10], 99) == 9.9
    expect(percentile(Array.from({ length: 101 }, (_, i) => i), 99)).toBe(99);
    expect(percentile([10, 0], 99)).toBeCloseTo(9.9);
    expect(Number.isNaN(percentile([], 99))).toBe(true);
  });

  it("selects the same percentile as a full sort on random, tied and sorted data", () => {
    const sortedPercentile = (values, q) => {
      const s = Float64Array.from(values).sort();
      const pos = (q / 100) * (s.length - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(s.length - 1, lo + 1);
      return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    };
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const cases = [
      Array.from({ length: 1001 }, () => random() * 2 - 1),
      Array.from({ length: 500 }, () => Math.floor(random() * 5)),
      Array.from({ length: 300 }, (_, i) => i),
      Array.from({ length: 300 }, (_, i) => 300 - i),
      [3],
    ];
    for (const values of cases) {
      for (const q of [0, 1, 50, 99, 99.9, 100]) {
        expect(percentile(values, q)).toBeCloseTo(sortedPercentile(values, q), 12);
      }
    }
  });
  it("uses |values| and falls back to 1 for all-zero data", () => {
    const values = Float32Array.from({ length: 101 }, (_, i) => (i % 2 ? -i : i));
    expect(autoVmax(values)).toBeCloseTo(99);
    expect(autoVmax(new Float32Array(10))).toBe(1);
  });
});

describe("paint order and labels", () => {
  it("paints filtered parcels first, then shown ones by rising |value|", () => {
    const values = new Float32Array([0.5, -3, 1, 0.1]);
    const shown = new Uint8Array([1, 1, 0, 1]);
    expect(paintOrder(values, shown)).toEqual([2, 3, 0, 1]);
  });
  it("formats values compactly", () => {
    expect(formatValue(1.23456)).toBe("1.23");
    expect(formatValue(-0.5)).toBe("-0.5");
    expect(formatValue(0)).toBe("0");
    expect(formatValue(123456)).toBe("1.23e+5");
  });
});
