// One view's TR cursor, kept in step with its model (the kernel) and its link (other views).
import { join } from "./bus.js";
import { clampCursor } from "./cursor.js";

/**
 * Every cursor change of a view goes through `apply(value, origin)`: it is clamped to the
 * model's n_tr, handed to `paint(cursor, origin, changed)`, published on the link unless it
 * came from the link, and saved to the model unless it came from the model, so nothing is
 * echoed back to where it came from. `connect()` (re)joins the link named by the model's
 * `link_id`: the first view of a link publishes its cursor, later ones adopt the link's.
 */
export function linkedCursor(model, paint) {
  let cursor = clampCursor(model.get("cursor"), model.get("n_tr"));
  let link = join("", () => {});

  function apply(value, origin) {
    const c = clampCursor(value, model.get("n_tr"));
    const changed = c !== cursor;
    cursor = c;
    paint(c, origin, changed);
    if (origin !== "bus" && changed) link.publish(c);
    if (origin !== "model" && model.get("cursor") !== c) {
      model.set("cursor", c);
      model.save_changes();
    }
  }

  const onBus = (c) => apply(c, "bus");

  function connect() {
    link.leave();
    link = join(model.get("link_id"), onBus);
    const shared = link.current();
    if (shared === null) link.publish(cursor);
    else apply(shared, "bus");
  }

  return {
    apply,
    connect,
    leave: () => link.leave(),
    get value() {
      return cursor;
    },
  };
}
