// TR-cursor arithmetic shared by every view: one place for the time <-> TR mapping.

// Seeking to exactly k * tr can land a hair before the boundary in floating point and read
// back as TR k - 1; nudging by a millisecond (far below one video frame) keeps it on k.
export const SEEK_NUDGE_S = 0.001;

/** Number of whole TRs in a clip: floor(duration / tr), never negative. */
export function trCount(duration, tr) {
  if (!(duration > 0) || !(tr > 0)) return 0;
  // The epsilon absorbs float error for durations that are exact multiples of tr.
  return Math.max(0, Math.floor(duration / tr + 1e-9));
}

/** Clamp an integer cursor into [0, nTr - 1] (0 when there are no TRs). */
export function clampCursor(cursor, nTr) {
  if (!(nTr > 0) || !Number.isFinite(cursor)) return 0;
  return Math.min(nTr - 1, Math.max(0, Math.trunc(cursor)));
}

/** Cursor for a playback time: floor((time - hrfOffset) / tr), clamped to the TR range. */
export function timeToCursor(time, tr, hrfOffset, nTr) {
  return clampCursor(Math.floor((time - hrfOffset) / tr), nTr);
}

/**
 * Playback time to seek to for a cursor: where its TR starts (shifted by hrfOffset), kept
 * inside the clip. With the frame rate known, the time moves on to the first frame that
 * starts inside the TR: at the TR's exact start the picture on screen is usually the last
 * frame of the TR before, which would show the previous TR's content.
 */
export function cursorToTime(cursor, tr, hrfOffset, duration, frameRate = 0) {
  let start = cursor * tr + hrfOffset;
  // Only when a frame is shorter than a TR; the epsilon keeps a boundary that falls exactly
  // on a frame (up to float error) on that frame.
  if (frameRate > 0 && 1 / frameRate < tr) start = Math.ceil(start * frameRate - 1e-6) / frameRate;
  const last = Math.max(0, duration - SEEK_NUDGE_S);
  return Math.min(last, Math.max(0, start + SEEK_NUDGE_S));
}

/** "m:ss.s" label for a time in seconds. */
export function formatTime(seconds) {
  const s = Math.max(0, seconds);
  const minutes = Math.floor(s / 60);
  const rest = s - minutes * 60;
  return `${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
}
