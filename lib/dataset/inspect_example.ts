/**
 * Checks one record in the notebook's schema (`image`: JPEG or PNG bytes,
 * `label`: int64; `width`/`height` optional) and returns what the index
 * needs. The image size comes from the image header, upright.
 *
 * @module
 */
import { readImageHeader } from "../formats/image_header.ts";
import { decodeExample } from "../tfrecord/example.ts";
import { RecordError, type RecordLocation } from "../tfrecord/record_error.ts";

/** What an index row needs from a record. */
export interface InspectedRecord {
  /** The encoded image (a view into the record). */
  image: Uint8Array;
  /** The class label. */
  label: number;
  /** Upright width. */
  width: number;
  /** Upright height. */
  height: number;
  /** Colour components of the encoded image. */
  channels: number;
}

/** Options of {@linkcode inspectExample}. */
export interface InspectExampleOptions {
  /** Number of classes; labels must lie in [0, classes). @default no check */
  classes?: number;
  /** The bytes feature holding the image. @default "image" */
  imageKey?: string;
  /** The int64 feature holding the label. @default "label" */
  labelKey?: string;
}

const HINT =
  'Records must be tf.train.Example with "image" (JPEG or PNG bytes) and "label" (int64); fix the source or set on_error: skip';

/**
 * Parses and checks one record.
 *
 * @param at where the record is; `resumeAt` should be the next record's offset
 * @throws {RecordError} with `resumeAt` set, when the record is unusable
 */
export function inspectExample(
  data: Uint8Array,
  at: RecordLocation & { resumeAt?: number },
  options: InspectExampleOptions = {},
): InspectedRecord {
  const imageKey = options.imageKey ?? "image";
  const labelKey = options.labelKey ?? "label";
  const fail = (reason: string, cause?: unknown): never => {
    throw new RecordError(reason, at, HINT, { cause });
  };
  let example;
  try {
    example = decodeExample(data, { int64: "number" });
  } catch (error) {
    return fail(
      `Cannot parse tf.train.Example: ${(error as Error).message}`,
      error,
    );
  }
  const image = example[imageKey];
  const label = example[labelKey];
  if (image?.kind !== "bytes" || image.value.length !== 1) {
    return fail(
      `Cannot find the image: feature "${imageKey}" is not a single bytes value`,
    );
  }
  if (label?.kind !== "int64" || label.value.length !== 1) {
    return fail(
      `Cannot find the label: feature "${labelKey}" is not a single int64 value`,
    );
  }
  const value = label.value[0];
  if (
    value < 0 || (options.classes !== undefined && value >= options.classes)
  ) {
    return fail(
      `Cannot use label "${value}": it is outside 0..${
        (options.classes ?? 0) - 1
      }`,
    );
  }
  let header;
  try {
    header = readImageHeader(image.value[0]);
  } catch (error) {
    return fail((error as Error).message, error);
  }
  return {
    image: image.value[0],
    label: value,
    width: header.width,
    height: header.height,
    channels: header.channels,
  };
}
