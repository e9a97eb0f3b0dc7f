/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Makes JavaScript safe to place inside a <script> element: the HTML
 * parser would end the element at `</script` and switch to an escaped
 * state at `<!--`. Both only occur inside string, template or regex
 * literals in real code, where `<\/script` and `<\!--` mean the same.
 */
export function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * JSON for a <script type="application/json"> element: every `<` becomes
 * `\u003c`, which JSON.parse reads back unchanged, so no tag can close it.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** A two-column table of facts; values are text (escaped here). */
export function factsTable(
  rows: readonly (readonly [string, string])[],
): string {
  if (rows.length === 0) return "";
  const body = rows.map(([k, v]) =>
    `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`
  )
    .join("");
  return `<table class="facts">${body}</table>`;
}

/** A table with a header row; cells are text (escaped here). */
export function dataTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const head = header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join(
    "",
  );
  const body = rows.map((row) =>
    `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`
  ).join("");
  return `<table class="data"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A short text for any JSON value: numbers grouped, objects compact and cut at `max` characters. */
export function showValue(value: unknown, max = 160): string {
  if (typeof value === "number") {
    return Number.isInteger(value)
      ? value.toLocaleString("en-US")
      : String(value);
  }
  const text = typeof value === "string"
    ? value
    : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
