// Pure maths of the network timecourse plot: TR <-> x mapping, y scale, pointer hit-testing.

/** Plot rectangle {left, top, width, height} inside a canvas of cssWidth x cssHeight. */
export function plotArea(cssWidth, cssHeight, margin) {
  const left = margin.left;
  const top = margin.top;
  return {
    left,
    top,
    width: Math.max(1, cssWidth - margin.left - margin.right),
    height: Math.max(1, cssHeight - margin.top - margin.bottom),
  };
}

/** x (CSS px) of TR `i`: TR 0 at the left edge, TR nTr - 1 at the right edge. */
export function trToX(i, nTr, area) {
  if (nTr <= 1) return area.left + area.width / 2;
  return area.left + (i / (nTr - 1)) * area.width;
}

/** Nearest TR to x (CSS px), clamped to [0, nTr - 1]; 0 when there are no TRs. */
export function xToTr(x, nTr, area) {
  if (!(nTr > 1)) return 0;
  const t = Math.round(((x - area.left) / area.width) * (nTr - 1));
  return Math.min(nTr - 1, Math.max(0, t));
}

/**
 * y range {min, max} over the given typed arrays (nulls skipped), padded by `pad` of the
 * span on each side; a flat or empty series gets a range of +-1 around its value.
 */
export function yRange(series, pad = 0.08) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (!s) continue;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) return { min: -1, max: 1 };
  if (hi - lo < 1e-12) return { min: lo - 1, max: hi + 1 };
  const p = (hi - lo) * pad;
  return { min: lo - p, max: hi + p };
}

/** y (CSS px) of a value: range.max at the top of the area, range.min at the bottom. */
export function valueToY(v, range, area) {
  return area.top + ((range.max - v) / (range.max - range.min)) * area.height;
}

/** True when (x, y) in CSS px lies inside the plot area (edges included). */
export function insideArea(x, y, area) {
  return x >= area.left && x <= area.left + area.width && y >= area.top && y <= area.top + area.height;
}

/**
 * TR under the pointer at (x, y), or null outside the plot area. Slack (px) lets a click a
 * little left of TR 0 or right of the last TR still count.
 */
export function hitTr(x, y, nTr, area, slack = 6) {
  const grown = {
    left: area.left - slack,
    top: area.top,
    width: area.width + 2 * slack,
    height: area.height,
  };
  if (!(nTr > 0) || !insideArea(x, y, grown)) return null;
  return xToTr(x, nTr, area);
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 x 10^k). */
export function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    // Rounding to the step's precision keeps labels like 0.30000000000000004 away.
    ticks.push(Number(v.toFixed(Math.max(0, -Math.floor(Math.log10(step))))));
  }
  return ticks;
}

/** Canvas backing size for a CSS size at a devicePixelRatio (at least 1 px each way). */
export function backingSize(cssWidth, cssHeight, dpr) {
  const ratio = dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  return {
    width: Math.max(1, Math.round(cssWidth * ratio)),
    height: Math.max(1, Math.round(cssHeight * ratio)),
    ratio,
  };
}

/** A new list with `name` added to or removed from `hidden`. */
export function toggleHidden(hidden, name) {
  return hidden.includes(name) ? hidden.filter((n) => n !== name) : [...hidden, name];
}

/** "TR 3 · 4.47 s" header of the hover read-out. */
export function readoutHeader(i, tr) {
  return `TR ${i} \u00b7 ${(i * tr).toFixed(2)} s`;
}
