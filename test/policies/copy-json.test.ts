/** The offline runner's copy of resource inputs: exactly what a JSON round trip gives, frozen when asked. */
import { describe, expect, it } from "vitest";
import { copyJson } from "../../policies/offline";

const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

function isDeepFrozen(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return true;
  return Object.isFrozen(v) && Object.values(v).every(isDeepFrozen);
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const tricky: Record<string, unknown> = {
  text: "a",
  number: 1.5,
  negativeZero: -0,
  notFinite: [NaN, Infinity, -Infinity],
  flags: [true, false, null],
  gone: undefined,
  fn: () => 1,
  sym: Symbol("s"),
  inArray: [undefined, () => 1, Symbol("s"), 1],
  // A hole: JSON writes null.
  sparse: [1, , 3],
  date: new Date(0),
  map: new Map([["k", 1]]),
  boxed: [Object(1) as unknown, Object("s") as unknown],
  withToJson: { toJSON: (key: string) => ({ key }) },
  instance: new Point(1, 2),
  nullProto: Object.assign(Object.create(null) as object, { a: 1 }),
  ["__proto__"]: { polluted: true },
  10: "integer key",
  nested: { deep: [{ a: [1, { b: undefined, c: "x" }] }] },
};

describe("copyJson", () => {
  it("gives what JSON.parse(JSON.stringify(v)) gives, key order and -0 included", () => {
    for (const freeze of [false, true]) {
      const copy = copyJson(tricky, freeze);
      expect(copy).toStrictEqual(roundTrip(tricky));
      expect(Object.keys(copy as object)).toEqual(Object.keys(roundTrip(tricky) as object));
      expect(Object.is((copy as { negativeZero: number }).negativeZero, 0)).toBe(true);
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.hasOwn(copy as object, "__proto__")).toBe(true);
    }
  });

  it("freezes every object and array of the copy when asked, and only then", () => {
    expect(isDeepFrozen(copyJson(tricky, true))).toBe(true);
    const open = copyJson(tricky, false) as { nested: { deep: unknown[] } };
    expect(Object.isFrozen(open)).toBe(false);
    expect(Object.isFrozen(open.nested.deep)).toBe(false);
  });

  it("shares nothing with the original", () => {
    const original = { a: { b: [1, 2] } };
    const copy = copyJson(original, false) as typeof original;
    copy.a.b.push(3);
    expect(original.a.b).toEqual([1, 2]);
  });

  it("throws on a bigint, as JSON does", () => {
    expect(() => copyJson({ n: 1n }, false)).toThrow(TypeError);
  });
});
