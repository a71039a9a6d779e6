// Glass-brain geometry: MNI mm -> view pixels, hit-testing and the automatic colour limit.

// The three views and the MNI axes (0 = x, 1 = y, 2 = z) drawn across and up in each.
export const VIEWS = [
  { name: "sagittal", axes: [1, 2] },
  { name: "coronal", axes: [0, 2] },
  { name: "axial", axes: [0, 1] },
];

/**
 * Side-by-side panels for views with mm bounds [hmin, hmax, vmin, vmax], one scale for all
 * (a millimetre is the same length in every view), centred in a width x height box.
 * Returns {scale, panels: [{x, y, width, height, bounds}]} in CSS pixels.
 */
export function layoutPanels(boundsList, width, height, gap = 12, pad = 6) {
  const spans = boundsList.map((b) => [b[1] - b[0], b[3] - b[2]]);
  const totalH = spans.reduce((s, [h]) => s + h, 0);
  const maxV = Math.max(...spans.map(([, v]) => v));
  const free = width - 2 * pad - gap * (boundsList.length - 1);
  const scale = Math.max(1e-6, Math.min(free / totalH, (height - 2 * pad) / maxV));
  const used = totalH * scale + gap * (boundsList.length - 1);
  let x = (width - used) / 2;
  const panels = boundsList.map((bounds, i) => {
    const [h, v] = spans[i];
    const panel = { x, y: (height - v * scale) / 2, width: h * scale, height: v * scale, bounds };
    x += h * scale + gap;
    return panel;
  });
  return { scale, panels };
}

/** Pixel [px, py] of a point (h, v) in mm inside a panel (v up on screen). */
export function toPixel(h, v, panel, scale) {
  return [panel.x + (h - panel.bounds[0]) * scale, panel.y + (panel.bounds[3] - v) * scale];
}

/**
 * Screen positions of every centroid in one view: Float32Array [px0, py0, px1, py1, ...].
 * `centroids` is a flat Float32Array of (n, 3) MNI mm.
 */
export function projectCentroids(centroids, axes, panel, scale) {
  const n = centroids.length / 3;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i += 1) {
    const [px, py] = toPixel(centroids[3 * i + axes[0]], centroids[3 * i + axes[1]], panel, scale);
    out[2 * i] = px;
    out[2 * i + 1] = py;
  }
  return out;
}

/**
 * Index of the point nearest to (x, y) among flat [x0, y0, ...] positions, or -1 when none
 * is within `radius` pixels.
 */
export function nearestPoint(positions, x, y, radius) {
  let best = -1;
  let bestD = radius * radius;
  for (let i = 0; i < positions.length / 2; i += 1) {
    const dx = positions[2 * i] - x;
    const dy = positions[2 * i + 1] - y;
    const d = dx * dx + dy * dy;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** q-th percentile (0..100) with linear interpolation, like numpy's default; NaN if empty. */
export function percentile(values, q) {
  const data = Float64Array.from(values);
  const n = data.length;
  if (n === 0) return Number.NaN;
  const pos = (Math.min(100, Math.max(0, q)) / 100) * (n - 1);
  const lo = Math.floor(pos);
  const low = select(data, lo);
  // After selecting lo, everything right of it is >= it: the next order statistic is their min.
  let high = low;
  if (lo + 1 < n) {
    high = Infinity;
    for (let i = lo + 1; i < n; i++) if (data[i] < high) high = data[i];
  }
  return low + (pos - lo) * (high - low);
}

/** The k-th smallest value (0-based), partially reordering `data` in place (quickselect, O(n)). */
function select(data, k) {
  let left = 0;
  let right = data.length - 1;
  while (right > left) {
    // Median of three as pivot: sorted or constant input stays linear.
    const mid = (left + right) >> 1;
    const a = data[left], b = data[mid], c = data[right];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (data[i] < pivot) i++;
      while (data[j] > pivot) j--;
      if (i <= j) {
        const t = data[i];
        data[i] = data[j];
        data[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return data[k];
  }
  return data[k];
}

/** The default colour limit: 99th percentile of |values|, 1 when that is not positive. */
export function autoVmax(values) {
  const abs = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) abs[i] = Math.abs(values[i]);
  const v = percentile(abs, 99);
  return v > 0 && Number.isFinite(v) ? v : 1;
}

/** Parcel indices in paint order: filtered-out first, then shown ones by rising |value|. */
export function paintOrder(values, shown) {
  const order = Array.from(values, (_, i) => i);
  order.sort((a, b) => {
    if (shown[a] !== shown[b]) return shown[a] ? 1 : -1;
    return Math.abs(values[a]) - Math.abs(values[b]);
  });
  return order;
}

/** A short label for a value: 3 significant digits, no trailing exponent clutter. */
export function formatValue(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const a = Math.abs(value);
  if (a >= 1e4 || a < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(3)).toString();
}
