import { describe, expect, it, vi } from "vitest";
import { channel, join } from "../lib/bus.js";

describe("cursor bus", () => {
  it("delivers a cursor to the other members of a link, not to the sender", () => {
    const scope = {};
    const a = vi.fn();
    const b = vi.fn();
    const ja = join("link-1", a, scope);
    join("link-1", b, scope);
    ja.publish(7);
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledWith(7);
  });

  it("keeps links apart", () => {
    const scope = {};
    const other = vi.fn();
    join("left", () => {}, scope).publish(3);
    join("right", other, scope);
    join("left", () => {}, scope).publish(4);
    expect(other).not.toHaveBeenCalled();
  });

  it("does not re-broadcast an unchanged cursor (no echo loops)", () => {
    const scope = {};
    const b = vi.fn();
    const ja = join("x", () => {}, scope);
    join("x", b, scope);
    ja.publish(2);
    ja.publish(2);
    expect(b).toHaveBeenCalledTimes(1);
  });

  it("stops delivering after leave()", () => {
    const scope = {};
    const b = vi.fn();
    const ja = join("x", () => {}, scope);
    const jb = join("x", b, scope);
    jb.leave();
    ja.publish(5);
    expect(b).not.toHaveBeenCalled();
    expect(channel("x", scope).size).toBe(1);
  });

  it("an empty link id is unlinked", () => {
    const scope = {};
    const b = vi.fn();
    join("", b, scope).publish(1);
    join("", vi.fn(), scope).publish(2);
    expect(b).not.toHaveBeenCalled();
    expect(Object.keys(scope)).toHaveLength(0);
  });

  it("shares channels across module instances through the global scope", () => {
    const scope = {};
    expect(channel("k", scope)).toBe(channel("k", scope));
  });
});

describe("joining a live link", () => {
  it("exposes the link's cursor to late joiners and forgets empty links", () => {
    const scope = {};
    const first = join("y", () => {}, scope);
    expect(first.current()).toBeNull();
    first.publish(4);
    const second = join("y", () => {}, scope);
    expect(second.current()).toBe(4);
    first.leave();
    second.leave();
    expect(join("y", () => {}, scope).current()).toBeNull();
  });
});
