/**
 * Label maps: which class id (a landmark id, a class number) and name each
 * contiguous label stands for. Read from JSON, CSV or the notebook's
 * `label2landmark_id.pkl`.
 *
 * @module
 */
import { parseCsv } from "./_csv.ts";
import { parsePickledDict } from "./_pickle.ts";
import { SourceError } from "./source_error.ts";

/** One class. */
export interface LabelInfo {
  /** The contiguous label, 0 … classes−1. */
  label: number;
  /** The source's id for the class (landmark id, class number) as a string. */
  id: string;
  /** A readable name, when the source has one. */
  name: string | null;
}

const HINT =
  'Give a JSON array of {"label", "id", "name"}, a JSON object {"<label>": <id>}, a CSV with a "label" column (and "id" or "landmark_id", "name"), or a pickled dict of label to id';

/**
 * Reads a label map by its extension: `.json`, `.csv`, `.pkl`/`.pickle`.
 * Labels must be the integers 0 … N−1, each once.
 *
 * @throws {SourceError} naming the file (and line for CSV)
 */
export async function readLabelMap(path: string): Promise<LabelInfo[]> {
  const ext = path.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  let labels: LabelInfo[];
  try {
    if (ext === "json") {
      labels = fromJson(JSON.parse(await Deno.readTextFile(path)), path);
    } else if (ext === "csv") {
      labels = fromCsv(await Deno.readTextFile(path), path);
    } else if (ext === "pkl" || ext === "pickle") {
      labels = fromPairs(
        [...parsePickledDict(await Deno.readFile(path))],
        path,
      );
    } else {
      throw new SourceError(
        `Cannot read label map: unknown extension "${ext ?? ""}"`,
        { file: path },
        HINT,
      );
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(
      `Cannot read label map: ${(error as Error).message}`,
      { file: path },
      HINT,
      {
        cause: error,
      },
    );
  }
  return checkContiguous(labels, path);
}

function fromJson(value: unknown, file: string): LabelInfo[] {
  if (Array.isArray(value)) {
    return value.map((entry, i) => {
      const e = entry as { label?: unknown; id?: unknown; name?: unknown };
      if (typeof e !== "object" || e === null || !Number.isInteger(e.label)) {
        throw new SourceError(
          `Cannot read label map entry ${i}: it has no integer "label"`,
          { file },
          HINT,
        );
      }
      return {
        label: e.label as number,
        id: e.id === undefined || e.id === null
          ? String(e.label)
          : String(e.id),
        name: typeof e.name === "string" ? e.name : null,
      };
    });
  }
  if (typeof value === "object" && value !== null) {
    return fromPairs(Object.entries(value as Record<string, unknown>), file);
  }
  throw new SourceError(
    "Cannot read label map: the JSON is neither an array nor an object",
    { file },
    HINT,
  );
}

function fromPairs(pairs: [unknown, unknown][], file: string): LabelInfo[] {
  return pairs.map(([key, id]) => {
    const label = Number(key);
    if (
      !Number.isInteger(label) ||
      (typeof id !== "number" && typeof id !== "string")
    ) {
      throw new SourceError(
        `Cannot read label map: entry "${key}" -> "${id}" is not an integer label with an id`,
        { file },
        HINT,
      );
    }
    return { label, id: String(id), name: null };
  });
}

function fromCsv(text: string, file: string): LabelInfo[] {
  const [header, ...rows] = parseCsv(text);
  const columns = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const labelAt = columns.indexOf("label");
  const idAt = columns.includes("id")
    ? columns.indexOf("id")
    : columns.indexOf("landmark_id");
  const nameAt = columns.indexOf("name");
  if (labelAt < 0) {
    throw new SourceError(
      `Cannot read label map: the header has no "label" column (it has ${
        JSON.stringify(columns)
      })`,
      { file, line: header?.line ?? 1 },
      HINT,
    );
  }
  return rows.map(({ fields, line }) => {
    const label = Number(fields[labelAt]);
    if (!Number.isInteger(label) || fields[labelAt].trim() === "") {
      throw new SourceError(
        `Cannot read label map row: label "${
          fields[labelAt]
        }" is not an integer`,
        {
          file,
          line,
        },
        HINT,
      );
    }
    return {
      label,
      id: idAt >= 0 && fields[idAt] !== undefined
        ? fields[idAt].trim()
        : String(label),
      name: nameAt >= 0 && fields[nameAt] ? fields[nameAt] : null,
    };
  });
}

function checkContiguous(labels: LabelInfo[], file: string): LabelInfo[] {
  const sorted = [...labels].sort((a, b) => a.label - b.label);
  sorted.forEach((entry, i) => {
    if (entry.label !== i) {
      throw new SourceError(
        `Cannot use label map: labels must be 0..${
          sorted.length - 1
        } each once, found "${entry.label}" at position ${i}`,
        { file },
        HINT,
      );
    }
  });
  return sorted;
}
