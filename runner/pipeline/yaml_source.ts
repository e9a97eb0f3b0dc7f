/**
 * A parsed YAML file that can say where any value or key came from, so
 * validation errors point at `file:line:column`.
 *
 * @module
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import type { ConfigProblem, SourceSpan } from "./config_error.ts";

/** A YAML file's value plus a locator for paths inside it. */
export interface YamlSource {
  /** The plain JavaScript value of the document. */
  value: unknown;
  /**
   * The position of the value at `path`, or of its key when `key` is true;
   * falls back to the nearest existing ancestor.
   */
  locate(path: readonly PropertyKey[], key?: boolean): SourceSpan;
}

const SYNTAX_HINTS: Record<string, string> = {
  DUPLICATE_KEY:
    "each key may appear once per mapping; merge or rename the duplicate",
  BAD_INDENT:
    "keys of one mapping must line up; nest a mapping two spaces deeper than its parent key",
  BLOCK_AS_IMPLICIT_KEY:
    "keys of one mapping must line up; nest a mapping two spaces deeper than its parent key",
  MULTILINE_IMPLICIT_KEY:
    "keys of one mapping must line up; nest a mapping two spaces deeper than its parent key",
  MISSING_CHAR: "a bracket or quote is not closed",
  TAB_AS_INDENT: "indent with spaces, not tabs",
};

/**
 * Parses `text` (the content of `file`).
 *
 * @returns the source, or the syntax problems found.
 */
export function parseYamlSource(
  text: string,
  file: string,
): { source: YamlSource; problems: [] } | {
  source?: undefined;
  problems: ConfigProblem[];
} {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const spanAt = (offset: number): SourceSpan => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length > 0) {
    // One problem per line: the parser often reports a bad line twice.
    const seenLines = new Set<number>();
    const problems: ConfigProblem[] = [];
    for (const error of doc.errors) {
      let at = spanAt(error.pos[0]);
      let message = `Cannot parse YAML: ${error.message.split("\n")[0]}`;
      if (
        error.code === "BLOCK_AS_IMPLICIT_KEY" ||
        error.code === "MULTILINE_IMPLICIT_KEY"
      ) {
        // The parser points at the value before the over-indented line; point at that line.
        const lines = text.split("\n");
        let next = at.line; // 0-based index of the line after the reported one
        while (next < lines.length && lines[next].trim() === "") next++;
        if (next < lines.length) {
          const column = lines[next].length - lines[next].trimStart().length +
            1;
          at = { file, line: next + 1, column };
          message =
            "Cannot parse YAML: this line is indented deeper than the key above it allows";
        }
      }
      if (seenLines.has(at.line)) continue;
      seenLines.add(at.line);
      problems.push({ at, message, hint: SYNTAX_HINTS[error.code] });
    }
    return { problems };
  }
  const locate = (path: readonly PropertyKey[], key = false): SourceSpan => {
    let node: unknown = doc.contents;
    let best: Node | undefined = doc.contents ?? undefined;
    for (let i = 0; i < path.length; i++) {
      const part = path[i];
      let next: unknown;
      let keyNode: unknown;
      if (isMap(node)) {
        const pair = node.items.find((item) =>
          isScalar(item.key)
            ? String(item.key.value) === String(part)
            : String(item.key) === String(part)
        );
        next = pair?.value;
        keyNode = pair?.key;
      } else if (isSeq(node) && typeof part === "number") {
        next = node.items[part];
      }
      if (next === undefined && keyNode === undefined) break;
      const isLast = i === path.length - 1;
      const chosen = (isLast && key && keyNode) || next || keyNode;
      if (chosen && typeof chosen === "object" && "range" in chosen) {
        best = chosen as Node;
      }
      node = next;
    }
    return spanAt(best?.range?.[0] ?? 0);
  };
  return { source: { value: doc.toJS(), locate }, problems: [] };
}
