// Cursor pub/sub shared by linked views in the browser, so scrubbing never waits for the kernel.
//
// anywidget loads each widget's bundle as its own ES module instance, so module-level state is
// not shared between widgets: the channels live on globalThis under one well-known key.

const GLOBAL_KEY = "__vibeWidgetsCursorBus";

function registry(scope) {
  if (!scope[GLOBAL_KEY]) scope[GLOBAL_KEY] = new Map();
  return scope[GLOBAL_KEY];
}

/**
 * The channel for a link id. Views with the same id share one cursor.
 * `publish(cursor, source)` notifies every subscriber except `source`.
 */
export function channel(linkId, scope = globalThis) {
  const channels = registry(scope);
  let ch = channels.get(linkId);
  if (ch) return ch;
  const subscribers = new Set();
  ch = {
    linkId,
    cursor: null,
    subscribe(fn) {
      subscribers.add(fn);
      return () => {
        subscribers.delete(fn);
        // An empty channel is forgotten, so views created later do not inherit a stale cursor.
        if (subscribers.size === 0 && channels.get(linkId) === ch) channels.delete(linkId);
      };
    },
    publish(cursor, source) {
      if (ch.cursor === cursor) return false;
      ch.cursor = cursor;
      for (const fn of [...subscribers]) {
        if (fn !== source) fn(cursor);
      }
      return true;
    },
    get size() {
      return subscribers.size;
    },
  };
  channels.set(linkId, ch);
  return ch;
}

/**
 * Join the channel named by `linkId` ("" means unlinked: returns a no-op handle).
 * Returns {publish(cursor), leave(), current()}; `onCursor` is called for other members'
 * cursors. `current()` is the link's cursor (null before anyone published): a view that
 * joins a live link adopts it, the first view of a link publishes its own.
 */
export function join(linkId, onCursor, scope = globalThis) {
  if (!linkId) return { publish() {}, leave() {}, current: () => null };
  const ch = channel(linkId, scope);
  const unsubscribe = ch.subscribe(onCursor);
  return {
    publish: (cursor) => ch.publish(cursor, onCursor),
    leave: unsubscribe,
    current: () => ch.cursor,
  };
}
