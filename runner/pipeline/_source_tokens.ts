/**
 * A small JavaScript/TypeScript tokenizer for the cache key: comments and
 * formatting are dropped, so a comment-only or `deno fmt` edit of a stage
 * leaves its code digest unchanged, and the import specifiers come out as a
 * by-product. It is not a parser: it only needs to tell code, strings,
 * template literals, regular expressions and comments apart.
 *
 * Newlines matter to JavaScript in one place, automatic semicolon insertion
 * after `return`/`throw`/`break`/`continue`/`yield` and before postfix
 * `++`/`--`; there a newline is kept as a token.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";

/**
 * Bumped whenever the tokens or imports found for the same source change, so
 * results cached under the old rules are not reused.
 */
export const TOKENIZER_VERSION = 2;

/** The significant tokens of a source file and its import specifiers. */
export interface SourceTokens {
  /** Tokens in order; string literals keep their quotes. */
  tokens: string[];
  /**
   * Specifiers of static imports, re-exports, literal dynamic imports and
   * `new URL("…", import.meta.url)` references (Worker modules, assets).
   */
  imports: string[];
}

const PUNCTUATORS = [
  ">>>=",
  "...",
  "===",
  "!==",
  "**=",
  "<<=",
  ">>=",
  ">>>",
  "&&=",
  "||=",
  "??=",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "<<",
  ">>",
  "**",
];
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);
const NEWLINE_SENSITIVE_AFTER = new Set([
  "return",
  "throw",
  "break",
  "continue",
  "yield",
]);

/** Thrown for input the tokenizer cannot follow (an unterminated literal). */
export class TokenizeError extends HintedError {
  override name = "TokenizeError";
}

/**
 * Splits `source` into significant tokens.
 *
 * @throws {TokenizeError} on an unterminated string, template, comment or regex.
 */
export function tokenizeSource(source: string): SourceTokens {
  const tokens: string[] = [];
  const braceStack: number[] = []; // open-brace depth of each enclosing template
  let depth = 0;
  let i = source.startsWith("#!") ? source.indexOf("\n") : 0;
  if (i < 0) i = source.length;
  let sawNewline = false;

  const push = (token: string) => {
    const previous = tokens[tokens.length - 1];
    if (
      sawNewline &&
      (NEWLINE_SENSITIVE_AFTER.has(previous) || token === "++" ||
        token === "--")
    ) {
      tokens.push("\n");
    }
    tokens.push(token);
    sawNewline = false;
  };

  const scanTemplateChunk = (start: number): number => {
    // From just after ` or }, to just after the closing ` or the ${.
    let j = start;
    while (j < source.length) {
      const c = source[j];
      if (c === "\\") j += 2;
      else if (c === "`") return j + 1;
      else if (c === "$" && source[j + 1] === "{") return j + 2;
      else j++;
    }
    throw new TokenizeError(`Unterminated template literal at offset ${start}`);
  };

  while (i < source.length) {
    const c = source[i];
    if (c === "\n" || c === "\r" || c === "\u2028" || c === "\u2029") {
      sawNewline = true;
      i++;
    } else if (
      c === " " || c === "\t" || c === "\v" || c === "\f" || c === "\ufeff" ||
      c === "\u00a0"
    ) {
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      if (end < 0) {
        throw new TokenizeError(`Unterminated comment at offset ${i}`);
      }
      if (/[\n\r]/.test(source.slice(i, end))) sawNewline = true;
      i = end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) {
        if (source[j] === "\\") j++;
        else if (source[j] === "\n") break;
        j++;
      }
      if (source[j] !== c) {
        throw new TokenizeError(`Unterminated string at offset ${i}`);
      }
      push(source.slice(i, j + 1));
      i = j + 1;
    } else if (c === "`") {
      const end = scanTemplateChunk(i + 1);
      push(source.slice(i, end));
      if (source[end - 1] === "{") braceStack.push(depth);
      i = end;
    } else if (
      c === "}" && braceStack.length > 0 &&
      braceStack[braceStack.length - 1] === depth
    ) {
      braceStack.pop();
      const end = scanTemplateChunk(i + 1);
      push(source.slice(i, end));
      if (source[end - 1] === "{") braceStack.push(depth);
      i = end;
    } else if (c === "/" && regexAllowed(tokens[tokens.length - 1])) {
      let j = i + 1;
      let inClass = false;
      while (j < source.length) {
        const d = source[j];
        if (d === "\\") j++;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
        else if (d === "\n") {
          throw new TokenizeError(
            `Unterminated regular expression at offset ${i}`,
          );
        }
        j++;
      }
      if (j >= source.length) {
        throw new TokenizeError(
          `Unterminated regular expression at offset ${i}`,
        );
      }
      j++;
      while (j < source.length && /[A-Za-z]/.test(source[j])) j++;
      push(source.slice(i, j));
      i = j;
    } else if (isIdentifierStart(c)) {
      let j = i + 1;
      while (j < source.length && isIdentifierPart(source[j])) j++;
      push(source.slice(i, j));
      i = j;
    } else if (
      /[0-9]/.test(c) || (c === "." && /[0-9]/.test(source[i + 1] ?? ""))
    ) {
      let j = i + 1;
      while (j < source.length) {
        const d = source[j];
        if (/[0-9A-Za-z_.]/.test(d)) j++;
        else if (
          (d === "+" || d === "-") && /[eE]/.test(source[j - 1]) &&
          !/^0[xX]/.test(source.slice(i, j))
        ) j++;
        else break;
      }
      push(source.slice(i, j));
      i = j;
    } else {
      const punctuator = PUNCTUATORS.find((p) => source.startsWith(p, i)) ?? c;
      if (punctuator === "{") depth++;
      else if (punctuator === "}") depth--;
      push(punctuator);
      i += punctuator.length;
    }
  }
  if (braceStack.length > 0) {
    throw new TokenizeError("Unterminated template literal");
  }
  return { tokens, imports: findImports(tokens) };
}

function findImports(tokens: string[]): string[] {
  const imports: string[] = [];
  const stringValue = (token: string | undefined) =>
    token !== undefined && (token[0] === '"' || token[0] === "'")
      ? token.slice(1, -1)
      : undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === "from" || token === "import") {
      const direct = stringValue(tokens[i + 1]);
      if (direct !== undefined && tokens[i - 1] !== ".") imports.push(direct);
      if (token === "import" && tokens[i + 1] === "(") {
        const dynamic = stringValue(tokens[i + 2]);
        if (
          dynamic !== undefined &&
          (tokens[i + 3] === ")" || tokens[i + 3] === ",")
        ) {
          imports.push(dynamic);
        }
      }
    }
    // new URL("./worker.ts", import.meta.url): a Worker's module or an asset.
    if (token === "new" && tokens[i + 1] === "URL" && tokens[i + 2] === "(") {
      const target = stringValue(tokens[i + 3]);
      const rest = tokens.slice(i + 4, i + 11).join(" ");
      if (target !== undefined && rest === ", import . meta . url )") {
        imports.push(target);
      }
    }
  }
  return imports;
}

function regexAllowed(previous: string | undefined): boolean {
  if (previous === undefined) return true;
  if (REGEX_AFTER_WORDS.has(previous)) return true;
  if (previous === ")" || previous === "]" || previous === "}") return false;
  return !isIdentifierPart(previous[previous.length - 1]) &&
    !/["'`]/.test(previous[0]);
}

function isIdentifierStart(c: string): boolean {
  return /[A-Za-z_$#@]/.test(c) || c.charCodeAt(0) > 0x7f;
}

function isIdentifierPart(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) > 0x7f;
}
