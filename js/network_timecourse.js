// NetworkTimecourse view: per-network mean response over TRs on a HiDPI canvas, linked cursor.
import { fromBinary, row } from "./lib/arrays.js";
import { linkedCursor } from "./lib/linked_cursor.js";
import { clampCursor } from "./lib/cursor.js";
import {
  backingSize,
  hitTr,
  niceTicks,
  plotArea,
  readoutHeader,
  toggleHidden,
  trToX,
  valueToY,
  yRange,
} from "./lib/timecourse_logic.js";

const HEIGHT = 280;
const MARGIN = { left: 58, right: 14, top: 12, bottom: 36 };
const PARCEL_COLOR = "#8c8c8c";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  // textContent, never innerHTML: labels may come from user data.
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const root = element("div", "vw-timecourse");
  const title = element("div", "vw-tc-title");
  const plot = element("div", "vw-tc-plot");
  const canvas = element("canvas", "vw-tc-canvas");
  const tooltip = element("div", "vw-tc-tooltip");
  tooltip.hidden = true;
  const legend = element("div", "vw-tc-legend");
  plot.append(canvas, tooltip);
  root.append(title, plot, legend);
  el.append(root);

  let cursor = clampCursor(model.get("cursor"), model.get("n_tr"));
  let hover = null; // TR under the pointer, or null
  let dragging = false;
  let frame = null;
  let data = null; // {means, compare, responses}, decoded once per change of the arrays

  const nTr = () => model.get("n_tr");
  const tr = () => model.get("tr");

  function decode() {
    data = {
      means: fromBinary(model.get("timecourses")),
      compare: fromBinary(model.get("compare")),
      responses: fromBinary(model.get("responses")),
    };
  }

  function visibleNetworks() {
    const hidden = model.get("hidden");
    return model
      .get("networks")
      .map((name, i) => ({ name, i, color: model.get("colors")[i] }))
      .filter((n) => !hidden.includes(n.name));
  }

  // Parcel i's timecourse: column i of the (n_tr, 1000) responses, gathered once per draw.
  function parcelSeries(p) {
    const r = data.responses;
    if (!r || p < 0 || p >= r.shape[1]) return null;
    const out = new Float32Array(r.shape[0]);
    for (let t = 0; t < r.shape[0]; t++) out[t] = r.data[t * r.shape[1] + p];
    return out;
  }

  function cssSize() {
    return { width: Math.max(200, plot.clientWidth || 640), height: HEIGHT };
  }

  function line(ctx, series, n, area, range) {
    ctx.beginPath();
    for (let t = 0; t < n; t++) {
      const x = trToX(t, n, area);
      const y = valueToY(series[t], range, area);
      if (t === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }

  // Shaded band between two series: the difference between original and compared.
  function band(ctx, a, b, n, area, range) {
    ctx.beginPath();
    for (let t = 0; t < n; t++) {
      const x = trToX(t, n, area);
      if (t === 0) ctx.moveTo(x, valueToY(a[t], range, area));
      else ctx.lineTo(x, valueToY(a[t], range, area));
    }
    for (let t = n - 1; t >= 0; t--) ctx.lineTo(trToX(t, n, area), valueToY(b[t], range, area));
    ctx.closePath();
    ctx.fill();
  }

  // The lines, axes and bands change only with the data, size, hidden networks or parcels:
  // they are drawn once into an offscreen canvas, and a cursor move only copies it and
  // draws the cursor (stroking every line each frame costs a frame in software raster).
  const base = document.createElement("canvas");
  let baseDirty = true;

  function invalidate() {
    baseDirty = true;
    scheduleDraw();
  }

  function draw() {
    frame = null;
    const css = cssSize();
    const size = backingSize(css.width, css.height, window.devicePixelRatio || 1);
    if (canvas.width !== size.width || canvas.height !== size.height) {
      canvas.width = size.width;
      canvas.height = size.height;
      baseDirty = true;
    }
    canvas.style.width = `${css.width}px`;
    canvas.style.height = `${css.height}px`;
    if (baseDirty) {
      drawBase(css, size);
      baseDirty = false;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(base, 0, 0);
    const n = nTr();
    if (!data || !data.means || n < 1) return;
    ctx.setTransform(size.ratio, 0, 0, size.ratio, 0, 0);
    const area = plotArea(css.width, css.height, MARGIN);
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.width, area.height);
    ctx.clip();
    drawCursorLines(ctx, n, area);
    ctx.restore();
  }

  function drawBase(css, size) {
    base.width = size.width;
    base.height = size.height;
    const ctx = base.getContext("2d");
    // Draw in CSS pixels; the transform maps them onto the devicePixelRatio backing store.
    ctx.setTransform(size.ratio, 0, 0, size.ratio, 0, 0);
    ctx.clearRect(0, 0, css.width, css.height);
    const area = plotArea(css.width, css.height, MARGIN);
    // The plot's x extent in CSS px, for tests and for code that places things over the plot.
    canvas.dataset.plotLeft = String(area.left);
    canvas.dataset.plotWidth = String(area.width);
    const n = nTr();
    if (!data || !data.means || n < 1) return;

    const nets = visibleNetworks();
    const parcels = model.get("parcels").map((p) => ({ p, series: parcelSeries(p) }));
    const series = [
      ...nets.map((net) => row(data.means, net.i)),
      ...(data.compare ? nets.map((net) => row(data.compare, net.i)) : []),
      ...parcels.map((q) => q.series),
    ];
    const range = yRange(series);

    // Axes, grid and tick labels.
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#555";
    ctx.strokeStyle = "#e6e6e6";
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of niceTicks(range.min, range.max, 5)) {
      const y = Math.round(valueToY(v, range, area)) + 0.5;
      ctx.strokeStyle = v === 0 ? "#bdbdbd" : "#ececec";
      ctx.beginPath();
      ctx.moveTo(area.left, y);
      ctx.lineTo(area.left + area.width, y);
      ctx.stroke();
      ctx.fillText(String(v), area.left - 6, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const lastTime = (n - 1) * tr();
    for (const s of niceTicks(0, Math.max(lastTime, tr()), 8)) {
      if (s > lastTime + 1e-9) continue;
      const x = trToX(s / tr(), n, area);
      ctx.fillText(String(s), x, area.top + area.height + 6);
    }
    ctx.fillText("time (s)", area.left + area.width / 2, area.top + area.height + 20);
    ctx.save();
    ctx.translate(12, area.top + area.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(model.get("y_label"), 0, 0);
    ctx.restore();
    ctx.strokeStyle = "#999";
    ctx.strokeRect(area.left + 0.5, area.top + 0.5, area.width - 1, area.height - 1);

    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.width, area.height);
    ctx.clip();
    ctx.lineJoin = "round";
    // Parcels first (thin grey, behind), then the difference bands, then the lines.
    ctx.strokeStyle = PARCEL_COLOR;
    ctx.lineWidth = 1;
    for (const q of parcels) if (q.series) line(ctx, q.series, n, area, range);
    if (data.compare) {
      ctx.globalAlpha = 0.16;
      for (const net of nets) {
        ctx.fillStyle = net.color;
        band(ctx, row(data.means, net.i), row(data.compare, net.i), n, area, range);
      }
      ctx.globalAlpha = 1;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 4]);
      for (const net of nets) {
        ctx.strokeStyle = net.color;
        line(ctx, row(data.compare, net.i), n, area, range);
      }
      ctx.setLineDash([]);
    }
    ctx.lineWidth = 2;
    for (const net of nets) {
      ctx.strokeStyle = net.color;
      line(ctx, row(data.means, net.i), n, area, range);
    }
    ctx.restore();
  }

  function drawCursorLines(ctx, n, area) {
    if (hover !== null && hover !== cursor) {
      ctx.strokeStyle = "rgba(0,0,0,0.25)";
      ctx.lineWidth = 1;
      const hx = Math.round(trToX(hover, n, area)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(hx, area.top);
      ctx.lineTo(hx, area.top + area.height);
      ctx.stroke();
    }
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1.5;
    const cx = trToX(cursor, n, area);
    ctx.beginPath();
    ctx.moveTo(cx, area.top);
    ctx.lineTo(cx, area.top + area.height);
    ctx.stroke();
  }

  function scheduleDraw() {
    if (frame === null) frame = requestAnimationFrame(draw);
  }

  function paintTitle() {
    title.textContent = model.get("title");
  }

  function paintLegend() {
    legend.replaceChildren();
    const hidden = model.get("hidden");
    model.get("networks").forEach((name, i) => {
      const item = element("button", "vw-tc-item");
      item.type = "button";
      item.dataset.network = name;
      item.setAttribute("aria-pressed", String(!hidden.includes(name)));
      item.title = `Show/hide ${name}`;
      const swatch = element("span", "vw-tc-swatch");
      swatch.style.background = model.get("colors")[i];
      item.append(swatch, element("span", "vw-tc-name", name));
      if (hidden.includes(name)) item.classList.add("vw-tc-off");
      item.addEventListener("click", () => {
        model.set("hidden", toggleHidden(model.get("hidden"), name));
        // The local change:hidden event redraws the legend and the plot.
        model.save_changes();
      });
      legend.append(item);
    });
    const names = model.get("parcel_names");
    for (const p of model.get("parcels")) {
      const item = element("span", "vw-tc-parcel");
      item.append(element("span", "vw-tc-swatch vw-tc-grey"), element("span", "", names[p] ?? `parcel ${p}`));
      legend.append(item);
    }
    if (data && data.compare) {
      const note = element("span", "vw-tc-note");
      note.append(
        element("span", "vw-tc-dash"),
        element("span", "", `${model.get("compare_label")} (dashed; difference shaded)`),
      );
      legend.append(note);
    }
    root.dataset.hidden = hidden.join(",");
  }

  function paintTooltip() {
    if (hover === null || !data || !data.means) {
      tooltip.hidden = true;
      return;
    }
    tooltip.replaceChildren(element("div", "vw-tc-tip-head", readoutHeader(hover, tr())));
    for (const net of visibleNetworks()) {
      const value = row(data.means, net.i)[hover];
      let text = `${net.name}: ${value.toFixed(3)}`;
      if (data.compare) text += ` \u2192 ${row(data.compare, net.i)[hover].toFixed(3)}`;
      const line = element("div", "vw-tc-tip-row", text);
      line.style.borderLeftColor = net.color;
      tooltip.append(line);
    }
    const names = model.get("parcel_names");
    for (const p of model.get("parcels")) {
      const s = parcelSeries(p);
      if (s) tooltip.append(element("div", "vw-tc-tip-row vw-tc-tip-parcel", `${names[p] ?? p}: ${s[hover].toFixed(3)}`));
    }
    tooltip.hidden = false;
    const area = plotArea(cssSize().width, HEIGHT, MARGIN);
    const x = trToX(hover, nTr(), area);
    // Keep the tooltip inside the plot: flip it to the left of the pointer past the middle.
    const flip = x > area.left + area.width / 2;
    tooltip.style.left = flip ? "" : `${x + 10}px`;
    tooltip.style.right = flip ? `${cssSize().width - x + 10}px` : "";
    tooltip.style.top = `${area.top + 4}px`;
  }

  function paintCursor() {
    root.dataset.cursor = String(cursor);
    scheduleDraw();
  }

  // Every cursor change goes through here; linkedCursor keeps model and link in step.
  const sync = linkedCursor(model, (c, origin, changed) => {
    cursor = c;
    paintCursor();
  });
  function applyCursor(value, origin) {
    sync.apply(value, origin);
  }

  function pointerTr(event) {
    const rect = canvas.getBoundingClientRect();
    const area = plotArea(cssSize().width, HEIGHT, MARGIN);
    return hitTr(event.clientX - rect.left, event.clientY - rect.top, nTr(), area);
  }

  canvas.addEventListener("pointerdown", (event) => {
    const t = pointerTr(event);
    if (t === null) return;
    dragging = true;
    canvas.setPointerCapture?.(event.pointerId);
    applyCursor(t, "pointer");
  });
  canvas.addEventListener("pointermove", (event) => {
    const t = pointerTr(event);
    if (dragging && t !== null) applyCursor(t, "pointer");
    if (t !== hover) {
      hover = t;
      paintTooltip();
      scheduleDraw();
    }
  });
  const endDrag = () => {
    dragging = false;
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("pointerleave", () => {
    hover = null;
    paintTooltip();
    scheduleDraw();
  });

  // Counts data arrivals, so tests and benchmarks can wait for a re-encode to land.
  let dataUpdates = 0;
  root.dataset.dataUpdates = "0";
  const onData = () => {
    decode();
    applyCursor(cursor, "grid");
    paintLegend();
    paintTooltip();
    invalidate();
    root.dataset.dataUpdates = String(++dataUpdates);
  };
  const onHidden = () => {
    paintLegend();
    paintTooltip();
    invalidate();
  };
  const onModelCursor = () => applyCursor(model.get("cursor"), "model");
  const onLinkId = () => {
    sync.connect();
  };
  const onTitle = () => {
    paintTitle();
    invalidate();
  };
  const handlers = [
    ["change:cursor", onModelCursor],
    ["change:timecourses", onData],
    ["change:compare", onData],
    ["change:responses", onData],
    ["change:n_tr", onData],
    ["change:tr", onHidden],
    ["change:hidden", onHidden],
    ["change:parcels", onHidden],
    ["change:colors", onHidden],
    ["change:networks", onHidden],
    ["change:link_id", onLinkId],
    ["change:title", onTitle],
    ["change:y_label", onTitle],
  ];
  for (const [event, handler] of handlers) model.on(event, handler);

  // Redraw on resize and when the page's zoom (devicePixelRatio) changes.
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(scheduleDraw) : null;
  if (resize) resize.observe(plot);

  decode();
  paintTitle();
  paintLegend();
  paintCursor();
  sync.connect();

  return () => {
    sync.leave();
    for (const [event, handler] of handlers) model.off(event, handler);
    if (resize) resize.disconnect();
    if (frame !== null) cancelAnimationFrame(frame);
  };
}

export default { render };
