// GlassBrain view: parcel centroids on nilearn's outlines in three views, coloured per TR.
import { fromBinary, row } from "./lib/arrays.js";
import {
  VIEWS,
  autoVmax,
  formatValue,
  layoutPanels,
  nearestPoint,
  paintOrder,
  projectCentroids,
  toPixel,
} from "./lib/brain_logic.js";
import { cssGradient, cssTable, tableIndex } from "./lib/colormap.js";
import { linkedCursor } from "./lib/linked_cursor.js";
import { clampCursor } from "./lib/cursor.js";

const TABLE_SIZE = 256;
const HEIGHT = 260;
const DOT_RADIUS = 2.7;
const HIT_RADIUS = 7;
const FILTERED = "rgba(150,150,150,0.25)";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  // textContent, never innerHTML: parcel and network names come from data.
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const root = element("div", "vw-glass-brain");
  const header = element("div", "vw-gb-header");
  const readout = element("span", "vw-gb-readout");
  const filters = element("div", "vw-gb-networks");
  header.append(readout, filters);
  const stage = element("div", "vw-gb-stage");
  const canvas = element("canvas", "vw-gb-canvas");
  const tooltip = element("div", "vw-gb-tooltip");
  tooltip.hidden = true;
  stage.append(canvas, tooltip);
  const bar = element("div", "vw-gb-colorbar");
  const gradient = element("div", "vw-gb-gradient");
  gradient.style.background = cssGradient();
  const ticks = element("div", "vw-gb-ticks");
  const tickEls = [element("span", "vw-gb-tick"), element("span", "vw-gb-tick"), element("span", "vw-gb-tick")];
  ticks.append(...tickEls);
  const info = element("div", "vw-gb-selected");
  bar.append(gradient, ticks);
  root.append(header, stage, bar, info);
  el.append(root);

  const ctx = canvas.getContext("2d");
  const table = cssTable(TABLE_SIZE);
  const names = () => model.get("parcel_names");
  const networkNames = () => model.get("networks");

  let responses = null;
  let centroids = null;
  let networkIndex = null;
  let shown = new Uint8Array(0);
  let positions = []; // per view: Float32Array of screen positions (CSS px)
  let panels = [];
  let scale = 1;
  let outlineLayer = null;
  let cssWidth = 0;
  let dpr = 1;
  let cursor = clampCursor(model.get("cursor"), model.get("n_tr"));
  let vmax = 1;
  let frame = null;

  function loadArrays() {
    responses = fromBinary(model.get("responses"));
    centroids = fromBinary(model.get("centroids"));
    networkIndex = fromBinary(model.get("network_index"));
  }

  function updateVmax() {
    const set = model.get("vmax");
    vmax = set > 0 ? set : responses ? autoVmax(responses.data) : 1;
    const labels = [-vmax, 0, vmax].map(formatValue);
    labels.forEach((text, i) => {
      tickEls[i].textContent = text;
    });
    root.dataset.vmax = String(vmax);
  }

  function updateShown() {
    const wanted = new Set(model.get("networks_shown"));
    const nets = networkNames();
    const n = networkIndex ? networkIndex.data.length : 0;
    shown = new Uint8Array(n);
    for (let i = 0; i < n; i += 1) shown[i] = wanted.has(nets[networkIndex.data[i]]) ? 1 : 0;
    for (const box of filters.querySelectorAll("input")) box.checked = wanted.has(box.value);
  }

  function buildFilters() {
    filters.replaceChildren();
    for (const name of networkNames()) {
      const label = element("label", "vw-gb-network");
      const box = element("input");
      box.type = "checkbox";
      box.value = name;
      box.dataset.network = name;
      label.append(box, document.createTextNode(name));
      filters.append(label);
    }
  }

  // Outlines and centroid positions depend only on the size: computed here, not per frame.
  function relayout() {
    cssWidth = Math.max(300, Math.floor(stage.clientWidth || el.clientWidth || 900));
    dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${HEIGHT}px`;
    const outlines = model.get("outlines");
    const layout = layoutPanels(
      VIEWS.map((v) => outlines[v.name].bounds),
      cssWidth,
      HEIGHT,
    );
    scale = layout.scale;
    panels = layout.panels;
    positions = centroids
      ? VIEWS.map((v, i) => projectCentroids(centroids.data, v.axes, panels[i], scale))
      : [];
    outlineLayer = document.createElement("canvas");
    outlineLayer.width = canvas.width;
    outlineLayer.height = canvas.height;
    const octx = outlineLayer.getContext("2d");
    octx.setTransform(dpr, 0, 0, dpr, 0, 0);
    octx.fillStyle = "#ffffff";
    octx.fillRect(0, 0, cssWidth, HEIGHT);
    octx.strokeStyle = "#9a9a9a";
    octx.lineWidth = 1;
    octx.lineJoin = "round";
    VIEWS.forEach((v, i) => {
      for (const line of outlines[v.name].lines) {
        octx.beginPath();
        for (let k = 0; k < line.length; k += 2) {
          const [px, py] = toPixel(line[k], line[k + 1], panels[i], scale);
          if (k === 0) octx.moveTo(px, py);
          else octx.lineTo(px, py);
        }
        octx.stroke();
      }
      octx.fillStyle = "#666";
      octx.font = "11px system-ui, sans-serif";
      octx.fillText(v.name, panels[i].x, HEIGHT - 4);
    });
    paint();
  }

  // Per TR only the colours change: blit the outlines, then 3 x n dots.
  function paint() {
    frame = null;
    if (!outlineLayer) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(outlineLayer, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (!responses || !positions.length) return;
    const values = row(responses, cursor);
    const order = paintOrder(values, shown);
    for (const pos of positions) {
      for (const i of order) {
        ctx.fillStyle = shown[i] ? table[tableIndex(values[i], vmax, TABLE_SIZE)] : FILTERED;
        ctx.beginPath();
        ctx.arc(pos[2 * i], pos[2 * i + 1], DOT_RADIUS, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    const sel = model.get("selected_parcel");
    if (sel >= 0 && sel < values.length) {
      ctx.lineWidth = 2;
      for (const pos of positions) {
        ctx.strokeStyle = "#ffffff";
        ctx.beginPath();
        ctx.arc(pos[2 * sel], pos[2 * sel + 1], DOT_RADIUS + 3, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.strokeStyle = "#00a040";
        ctx.beginPath();
        ctx.arc(pos[2 * sel], pos[2 * sel + 1], DOT_RADIUS + 2, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
    root.dataset.paintedCursor = String(cursor);
  }

  function schedulePaint() {
    if (frame === null) frame = requestAnimationFrame(paint);
  }

  function paintReadout() {
    readout.textContent = `TR ${cursor} of 0\u2013${model.get("n_tr") - 1}`;
    root.dataset.cursor = String(cursor);
  }

  function describe(i) {
    const nets = networkNames();
    const value = responses ? row(responses, cursor)[i] : Number.NaN;
    return `${names()[i]} \u00b7 ${nets[networkIndex.data[i]]} \u00b7 ${formatValue(value)}`;
  }

  function paintSelected() {
    const sel = model.get("selected_parcel");
    root.dataset.selected = String(sel);
    info.textContent = sel >= 0 ? `Selected: ${describe(sel)}` : "Click a dot to select a parcel.";
  }

  function hit(event) {
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    for (const pos of positions) {
      const i = nearestPoint(pos, x, y, HIT_RADIUS);
      if (i >= 0) return { i, x, y };
    }
    return { i: -1, x, y };
  }

  // Every cursor change goes through here; linkedCursor keeps model and link in step.
  const sync = linkedCursor(model, (c, origin, changed) => {
    cursor = c;
    paintReadout();
    if (changed) {
      schedulePaint();
      paintSelected();
    }
  });
  function applyCursor(value, origin) {
    sync.apply(value, origin);
  }

  canvas.addEventListener("mousemove", (event) => {
    const { i, x, y } = hit(event);
    if (i < 0) {
      tooltip.hidden = true;
      canvas.style.cursor = "";
      return;
    }
    tooltip.textContent = describe(i);
    tooltip.hidden = false;
    tooltip.dataset.parcel = String(i);
    tooltip.style.left = `${Math.min(x + 12, cssWidth - 220)}px`;
    tooltip.style.top = `${y + 12}px`;
    canvas.style.cursor = "pointer";
  });
  canvas.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
  });
  canvas.addEventListener("click", (event) => {
    const { i } = hit(event);
    if (i === model.get("selected_parcel")) return;
    model.set("selected_parcel", i);
    model.save_changes();
    onSelected();
  });
  filters.addEventListener("change", () => {
    const wanted = [...filters.querySelectorAll("input")].filter((b) => b.checked).map((b) => b.value);
    model.set("networks_shown", wanted);
    model.save_changes();
    onNetworks();
  });

  const onSelected = () => {
    paintSelected();
    schedulePaint();
  };
  const onNetworks = () => {
    updateShown();
    schedulePaint();
  };
  // Counts data arrivals, so tests and benchmarks can wait for a re-encode to land.
  let dataUpdates = 0;
  root.dataset.dataUpdates = "0";
  const onResponses = () => {
    loadArrays();
    updateVmax();
    applyCursor(cursor, "grid");
    paintSelected();
    schedulePaint();
    root.dataset.dataUpdates = String(++dataUpdates);
  };
  const onVmax = () => {
    updateVmax();
    schedulePaint();
  };
  const onModelCursor = () => applyCursor(model.get("cursor"), "model");
  const onLinkId = () => {
    sync.connect();
  };
  const onGeometry = () => {
    loadArrays();
    updateShown();
    relayout();
  };
  const handlers = [
    ["change:cursor", onModelCursor],
    ["change:responses", onResponses],
    ["change:n_tr", onResponses],
    ["change:vmax", onVmax],
    ["change:selected_parcel", onSelected],
    ["change:networks_shown", onNetworks],
    ["change:link_id", onLinkId],
    ["change:outlines", onGeometry],
    ["change:centroids", onGeometry],
  ];
  for (const [event, handler] of handlers) model.on(event, handler);

  loadArrays();
  buildFilters();
  updateShown();
  updateVmax();
  paintReadout();
  paintSelected();
  sync.connect();
  // The element may not be in the page yet (width 0): lay out once it has a size.
  const observer = new ResizeObserver(() => {
    const width = Math.floor(stage.clientWidth);
    if (width > 0 && width !== cssWidth) relayout();
  });
  observer.observe(stage);
  relayout();

  return () => {
    sync.leave();
    observer.disconnect();
    if (frame !== null) cancelAnimationFrame(frame);
    for (const [event, handler] of handlers) model.off(event, handler);
  };
}

export default { render };
