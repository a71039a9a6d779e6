// Symmetric cold-hot colour map (cyan-blue below zero, red-yellow above), like nilearn's.

// [position in 0..1, [r, g, b] in 0..1]; 0.5 is zero. vibe_widgets/figures/colors.py
// holds the same stops for the PNG/SVG export: change both together.
export const COLD_HOT_STOPS = [
  [0.0, [0.6, 1.0, 1.0]],
  [0.125, [0.0, 1.0, 1.0]],
  [0.25, [0.0, 0.35, 1.0]],
  [0.375, [0.0, 0.0, 0.69]],
  [0.5, [0.05, 0.0, 0.0]],
  [0.625, [0.71, 0.0, 0.0]],
  [0.75, [1.0, 0.37, 0.0]],
  [0.875, [1.0, 1.0, 0.04]],
  [1.0, [1.0, 1.0, 0.6]],
];

/** [r, g, b] (0..255 integers) at position t in [0, 1] (clamped), linear between stops. */
export function colorAt(t, stops = COLD_HOT_STOPS) {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0.5;
  let i = 1;
  while (i < stops.length - 1 && stops[i][0] < x) i += 1;
  const [t0, c0] = stops[i - 1];
  const [t1, c1] = stops[i];
  const f = t1 > t0 ? (x - t0) / (t1 - t0) : 0;
  return c0.map((c, k) => Math.round(255 * (c + f * (c1[k] - c))));
}

/** Position in [0, 1] of a value on the map symmetric around zero: -vmax -> 0, +vmax -> 1. */
export function normalize(value, vmax) {
  if (!(vmax > 0) || !Number.isFinite(value)) return 0.5;
  return Math.min(1, Math.max(0, 0.5 + value / (2 * vmax)));
}

/** A lookup table of `size` colours as CSS strings, index = round(t * (size - 1)). */
export function cssTable(size = 256, stops = COLD_HOT_STOPS) {
  const table = new Array(size);
  for (let i = 0; i < size; i += 1) {
    const [r, g, b] = colorAt(i / (size - 1), stops);
    table[i] = `rgb(${r},${g},${b})`;
  }
  return table;
}

/** The table index of a value (for cssTable of the same size). */
export function tableIndex(value, vmax, size = 256) {
  return Math.round(normalize(value, vmax) * (size - 1));
}

/** CSS linear-gradient stops (left = -vmax, right = +vmax) for a colour bar. */
export function cssGradient(stops = COLD_HOT_STOPS) {
  const parts = stops.map(([t, c]) => {
    const [r, g, b] = c.map((v) => Math.round(255 * v));
    return `rgb(${r},${g},${b}) ${(t * 100).toFixed(1)}%`;
  });
  return `linear-gradient(to right, ${parts.join(", ")})`;
}
