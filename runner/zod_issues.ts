/**
 * Turns zod validation issues into path + message + hint triples, with a
 * "did you mean" for unknown keys. Shared by pipeline-file validation and the
 * stage host (which validates a stage's params against its own schema).
 *
 * @module
 */
import type { z } from "zod";
import { closestName } from "./closest_name.ts";

/** One validation problem at a path inside the validated value. */
export interface ValueIssue {
  /** Path from the validated value's root. */
  path: (string | number)[];
  /** What is wrong ("Cannot …" style). */
  message: string;
  /** What to do. */
  hint?: string;
  /** True when the issue is about a key rather than a value. */
  key?: boolean;
}

/** Converts a zod error of `schema` into issues (one per unknown key). */
export function describeZodIssues(
  schema: z.ZodType,
  error: z.ZodError,
): ValueIssue[] {
  const issues: ValueIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number =>
      typeof p !== "symbol"
    );
    const where = path.length > 0 ? `"${path.join(".")}"` : "the value";
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const suggestion = closestName(key, known);
        issues.push({
          path: [...path, key],
          key: true,
          message: `Cannot use unknown key "${key}"`,
          hint: suggestion
            ? `did you mean "${suggestion}"?`
            : known.length > 0
            ? `known keys here: ${known.join(", ")}`
            : undefined,
        });
      }
    } else if (issue.code === "invalid_type") {
      const received = issue.message.match(/received (\w+)/)?.[1];
      issues.push({
        path,
        message: received === "undefined"
          ? `Cannot find required key ${where}`
          : `Cannot use the value of ${where}: expected ${issue.expected}${
            received ? `, got ${received}` : ""
          }`,
        hint: received === "undefined"
          ? `add ${where} (${issue.expected})`
          : undefined,
      });
    } else if (issue.code === "invalid_union") {
      issues.push({
        path,
        message:
          `Cannot use the value of ${where}: it matches none of the allowed forms`,
      });
    } else {
      issues.push({
        path,
        message: `Cannot use the value of ${where}: ${issue.message}`,
      });
    }
  }
  return issues;
}

/** The keys an object schema accepts at `path` (empty when it is not an object). */
export function knownKeysAt(
  schema: z.ZodType,
  path: readonly (string | number)[],
): string[] {
  let node: unknown = schema;
  for (const part of path) {
    node = unwrap(node);
    const def = defOf(node);
    if (def?.type === "object") {
      node = (def.shape as Record<string, unknown>)[String(part)];
    } else if (def?.type === "record") node = def.valueType;
    else if (def?.type === "array") node = def.element;
    else return [];
    if (node === undefined) return [];
  }
  const def = defOf(unwrap(node));
  return def?.type === "object" ? Object.keys(def.shape as object) : [];
}

function defOf(node: unknown): Record<string, unknown> | undefined {
  return (node as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
}

function unwrap(node: unknown): unknown {
  for (let i = 0; i < 16; i++) {
    const def = defOf(node);
    if (!def) return node;
    if (
      [
        "optional",
        "default",
        "nullable",
        "prefault",
        "readonly",
        "catch",
        "nonoptional",
      ].includes(def.type as string)
    ) {
      node = def.innerType;
    } else if (def.type === "pipe") {
      node = def.in;
    } else {
      return node;
    }
  }
  return node;
}
