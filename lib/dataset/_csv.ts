/**
 * Splits CSV text into rows of fields (RFC 4180 quoting; comma separated;
 * LF or CRLF line ends). Private to lib/dataset.
 *
 * @module
 */

/** One parsed row and its 1-based line number. */
export interface CsvRow {
  /** The fields. */
  fields: string[];
  /** The line the row starts on. */
  line: number;
}

/** Parses CSV text; blank lines are skipped. */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== "") {
      rows.push({ fields, line: rowLine });
    }
    fields = [];
    field = "";
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
      rowLine = line;
    } else field += ch;
    i++;
  }
  if (field !== "" || fields.length > 0) endRow();
  return rows;
}
