// Pure helpers of the TranscriptEditor view: line editing, edited rows and the undo stack.

/** Most states kept for undo, as in the Python widget. */
export const MAX_UNDO = 100;

// Every character that would start a new line (or cell) becomes one space: a row stays a row.
const LINE_BREAKS = /\r\n|[\r\n\t\v\f\u0085\u2028\u2029]/g;

/** One line of text: line breaks and tabs flattened to spaces. */
export function flattenLine(text) {
  return String(text ?? "").replace(LINE_BREAKS, " ");
}

/** A copy of `lines` with line `index` replaced by `text` (flattened); the count never changes. */
export function replaceLine(lines, index, text) {
  if (!Number.isInteger(index) || index < 0 || index >= lines.length) {
    throw new RangeError(`line ${index} is outside 0..${lines.length - 1}`);
  }
  const next = lines.slice();
  next[index] = flattenLine(text);
  return next;
}

/** Whether two lists of lines are equal, line by line. */
export function sameLines(a, b) {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((line, i) => line === b[i]);
}

/** Indices (ascending) where `current` differs from `original`. */
export function editedIndices(original, current) {
  const out = [];
  const n = Math.min(original.length, current.length);
  for (let i = 0; i < n; i += 1) if (original[i] !== current[i]) out.push(i);
  return out;
}

/**
 * Record a change `previous` -> `next` on the undo `stack` (mutated, oldest first).
 * Going back to the state on top of the stack is an undo and pops it, so an undo from
 * anywhere (this view, Python) keeps every stack in step. Keeps at most `max` states.
 */
export function recordChange(stack, previous, next, max = MAX_UNDO) {
  if (sameLines(previous, next)) return stack;
  if (stack.length && sameLines(stack[stack.length - 1], next)) {
    stack.pop();
  } else {
    stack.push(previous.slice());
    if (stack.length > max) stack.splice(0, stack.length - max);
  }
  return stack;
}

/** Insert `pasted` (flattened) into `value` over the selection [start, end); returns value and caret. */
export function pasteInto(value, start, end, pasted) {
  const text = flattenLine(pasted);
  return { value: value.slice(0, start) + text + value.slice(end), caret: start + text.length };
}
