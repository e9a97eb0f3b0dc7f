/**
 * Canonical JSON: object keys sorted, no whitespace, so equal values always
 * serialise to equal bytes and therefore equal digests.
 *
 * @module
 */

/**
 * Serialises `value` with object keys in sorted order.
 *
 * @throws {TypeError} for values JSON cannot represent exactly (NaN,
 * Infinity, bigint, functions, undefined inside arrays).
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, "$");
}

function serialise(value: unknown, path: string): string {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new TypeError(
        `Cannot serialise ${path}: ${value} has no JSON form`,
      );
    }
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    return `[${
      value.map((item, i) => serialise(item, `${path}[${i}]`)).join(",")
    }]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${
      entries.map(([key, item]) =>
        `${JSON.stringify(key)}:${serialise(item, `${path}.${key}`)}`
      ).join(",")
    }}`;
  }
  throw new TypeError(
    `Cannot serialise ${path}: a ${typeof value} has no JSON form`,
  );
}
