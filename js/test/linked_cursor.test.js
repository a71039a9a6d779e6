import { describe, expect, it, vi } from "vitest";
import { linkedCursor } from "../lib/linked_cursor.js";

function fakeModel(state) {
  return {
    state,
    saves: 0,
    get(key) {
      return this.state[key];
    },
    set(key, value) {
      this.state[key] = value;
    },
    save_changes() {
      this.saves += 1;
    },
  };
}

describe("linkedCursor", () => {
  it("clamps, paints and saves a view's own change to the model", () => {
    const model = fakeModel({ cursor: 0, n_tr: 10, link_id: "" });
    const paint = vi.fn();
    const sync = linkedCursor(model, paint);
    sync.apply(42, "click");
    expect(paint).toHaveBeenCalledWith(9, "click", true);
    expect(model.state.cursor).toBe(9);
    expect(model.saves).toBe(1);
    expect(sync.value).toBe(9);
  });

  it("does not write a change from the model back to it", () => {
    const model = fakeModel({ cursor: 4, n_tr: 10, link_id: "" });
    const sync = linkedCursor(model, () => {});
    sync.apply(4, "model");
    expect(model.saves).toBe(0);
  });

  it("links views: the first publishes, a later one adopts, changes travel both ways", () => {
    globalThis.__vibeWidgetsCursorBus = undefined;
    const a = fakeModel({ cursor: 3, n_tr: 10, link_id: "L-test" });
    const b = fakeModel({ cursor: 0, n_tr: 10, link_id: "L-test" });
    const syncA = linkedCursor(a, () => {});
    const syncB = linkedCursor(b, () => {});
    syncA.connect();
    syncB.connect();
    expect(syncB.value).toBe(3);
    expect(b.state.cursor).toBe(3);
    syncB.apply(7, "click");
    expect(syncA.value).toBe(7);
    syncB.leave();
    syncA.apply(1, "click");
    expect(syncB.value).toBe(7);
  });
});
