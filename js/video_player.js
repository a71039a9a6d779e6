// VideoPlayer view: a <video> that is the clock while playing, synced to a TR cursor.
import { toBlob } from "./lib/binary.js";
import { linkedCursor } from "./lib/linked_cursor.js";
import { clampCursor, cursorToTime, formatTime, timeToCursor } from "./lib/cursor.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  // textContent, never innerHTML: labels may come from user data.
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const root = element("div", "vw-player");
  root.tabIndex = 0;
  const video = element("video", "vw-video");
  video.controls = true;
  video.preload = "auto";
  video.playsInline = true;
  const controls = element("div", "vw-controls");
  const prev = element("button", "vw-prev", "\u25c0 TR");
  prev.title = "Previous TR (left arrow)";
  const slider = element("input", "vw-scrub");
  slider.type = "range";
  slider.min = "0";
  slider.step = "1";
  const next = element("button", "vw-next", "TR \u25b6");
  next.title = "Next TR (right arrow)";
  const readout = element("span", "vw-readout");
  const message = element("div", "vw-message");
  message.hidden = true;
  controls.append(prev, slider, next, readout);
  root.append(video, controls, message);
  el.append(root);

  let cursor = clampCursor(model.get("cursor"), model.get("n_tr"));
  let url = null;
  let frameRequest = null;

  const nTr = () => model.get("n_tr");
  const tr = () => model.get("tr");
  const offset = () => model.get("hrf_offset");
  const duration = () => (Number.isFinite(video.duration) ? video.duration : model.get("duration"));

  function showMessage(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function paintCursor() {
    slider.max = String(Math.max(0, nTr() - 1));
    slider.value = String(cursor);
    const start = cursor * tr();
    // 0-based like the Python `cursor` and the rows of the response arrays.
    readout.textContent = `TR ${cursor} of 0\u2013${nTr() - 1} \u00b7 ${formatTime(start)}\u2013${formatTime(start + tr())}`;
    root.dataset.cursor = String(cursor);
  }

  function seekTo(c) {
    if (timeToCursor(video.currentTime, tr(), offset(), nTr()) === c) return;
    video.currentTime = cursorToTime(c, tr(), offset(), duration(), model.get("frame_rate") || 0);
  }

  // Every cursor change goes through here; linkedCursor keeps model and link in step.
  const sync = linkedCursor(model, (c, origin, changed) => {
    cursor = c;
    paintCursor();
    if (origin !== "video") seekTo(c);
  });
  function applyCursor(value, origin) {
    sync.apply(value, origin);
  }

  function followVideo() {
    applyCursor(timeToCursor(video.currentTime, tr(), offset(), nTr()), "video");
  }

  // While playing, follow the video frame by frame (timeupdate alone fires only ~4 Hz).
  function tick() {
    followVideo();
    if (!video.paused && !video.ended) scheduleTick();
    else frameRequest = null;
  }
  function scheduleTick() {
    if (video.requestVideoFrameCallback) frameRequest = video.requestVideoFrameCallback(tick);
    else frameRequest = requestAnimationFrame(tick);
  }

  function loadVideo() {
    if (url) URL.revokeObjectURL(url);
    const blob = toBlob(model.get("video"), "video/mp4");
    url = blob && blob.size ? URL.createObjectURL(blob) : null;
    if (url) video.src = url;
    else video.removeAttribute("src");
  }

  video.addEventListener("loadedmetadata", () => {
    showMessage("");
    if (cursor > 0) seekTo(cursor);
  });
  video.addEventListener("seeked", followVideo);
  video.addEventListener("timeupdate", followVideo);
  video.addEventListener("play", () => {
    if (!model.get("playing")) {
      model.set("playing", true);
      model.save_changes();
    }
    if (frameRequest === null) scheduleTick();
  });
  const onStop = () => {
    followVideo();
    if (model.get("playing")) {
      model.set("playing", false);
      model.save_changes();
    }
  };
  video.addEventListener("pause", onStop);
  video.addEventListener("ended", onStop);
  video.addEventListener("error", () => {
    const code = video.error ? video.error.code : "?";
    showMessage(`The browser could not play this video (media error ${code}).`);
  });

  slider.addEventListener("input", () => applyCursor(Number(slider.value), "slider"));
  prev.addEventListener("click", () => applyCursor(cursor - 1, "button"));
  next.addEventListener("click", () => applyCursor(cursor + 1, "button"));
  root.addEventListener("keydown", (event) => {
    if (event.target !== root) return;
    if (event.key === "ArrowLeft") applyCursor(cursor - 1, "key");
    else if (event.key === "ArrowRight") applyCursor(cursor + 1, "key");
    else return;
    event.preventDefault();
  });

  const onModelCursor = () => applyCursor(model.get("cursor"), "model");
  const onModelPlaying = () => {
    if (model.get("playing") && video.paused) {
      video.play().catch((error) => {
        showMessage(`Playback was blocked by the browser: ${error.message}`);
        model.set("playing", false);
        model.save_changes();
      });
    } else if (!model.get("playing") && !video.paused) {
      video.pause();
    }
  };
  const onGrid = () => applyCursor(cursor, "grid");
  const onLinkId = () => {
    sync.connect();
  };
  const handlers = [
    ["change:cursor", onModelCursor],
    ["change:playing", onModelPlaying],
    ["change:video", loadVideo],
    ["change:tr", onGrid],
    ["change:hrf_offset", onGrid],
    ["change:n_tr", onGrid],
    ["change:link_id", onLinkId],
  ];
  for (const [event, handler] of handlers) model.on(event, handler);

  loadVideo();
  paintCursor();
  sync.connect();

  return () => {
    sync.leave();
    for (const [event, handler] of handlers) model.off(event, handler);
    video.pause();
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
