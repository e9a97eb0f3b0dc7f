/**
 * The few assertions the tests use (jsr:@std/assert cannot be fetched here).
 *
 * @module
 */

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Asserts deep equality (JSON-comparable values, typed arrays, Maps excluded). */
export function assertEquals<T>(
  actual: T,
  expected: T,
  message?: string,
): void {
  if (!deepEqual(actual, expected)) {
    throw new AssertionError(
      `${message ? `${message}: ` : ""}values differ\n  actual:   ${
        show(actual)
      }\n  expected: ${show(expected)}`,
    );
  }
}

/** Asserts that `value` is truthy. */
export function assert(
  value: unknown,
  message = "expected a truthy value",
): asserts value {
  if (!value) throw new AssertionError(message);
}

/** Asserts that `text` matches `pattern`. */
export function assertMatch(
  text: string,
  pattern: RegExp,
  message?: string,
): void {
  if (!pattern.test(text)) {
    throw new AssertionError(
      `${message ? `${message}: ` : ""}${show(text)} does not match ${pattern}`,
    );
  }
}

/** Asserts that `a` and `b` differ by at most `tolerance`. */
export function assertAlmostEquals(
  a: number,
  b: number,
  tolerance = 1e-7,
  message?: string,
): void {
  if (!(Math.abs(a - b) <= tolerance)) {
    throw new AssertionError(
      `${
        message ? `${message}: ` : ""
      }${a} and ${b} differ by more than ${tolerance}`,
    );
  }
}

/** Asserts that `fn` throws (or rejects) an error of class `type` whose message includes `includes`. */
export async function assertRejects<E extends Error>(
  fn: () => unknown,
  type?: new (...args: never[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    if (type && !(error instanceof type)) {
      throw new AssertionError(
        `expected ${type.name}, got ${(error as Error)?.name}: ${
          (error as Error)?.message
        }`,
      );
    }
    if (includes && !(error as Error).message.includes(includes)) {
      throw new AssertionError(
        `error message ${show((error as Error).message)} does not include ${
          show(includes)
        }`,
      );
    }
    return error as E;
  }
  throw new AssertionError("expected an error, but none was thrown");
}

/** Synchronous variant of {@linkcode assertRejects}. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  type?: new (...args: never[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    if (type && !(error instanceof type)) {
      throw new AssertionError(
        `expected ${type.name}, got ${(error as Error)?.name}: ${
          (error as Error)?.message
        }`,
      );
    }
    if (includes && !(error as Error).message.includes(includes)) {
      throw new AssertionError(
        `error message ${show((error as Error).message)} does not include ${
          show(includes)
        }`,
      );
    }
    return error as E;
  }
  throw new AssertionError("expected an error, but none was thrown");
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (a.constructor !== b.constructor || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (
    typeof a !== "object" || typeof b !== "object" || a === null || b === null
  ) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a as object).filter((k) =>
    (a as Record<string, unknown>)[k] !== undefined
  );
  const keysB = Object.keys(b as object).filter((k) =>
    (b as Record<string, unknown>)[k] !== undefined
  );
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) =>
    deepEqual(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
    )
  );
}

function show(value: unknown): string {
  try {
    return JSON.stringify(
      value,
      (_, v) => typeof v === "bigint" ? `${v}n` : v,
    ) ?? String(value);
  } catch {
    return String(value);
  }
}
