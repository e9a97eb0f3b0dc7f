/**
 * Looks up a variant by name and checks a variant table row by row, so a bad
 * table fails with a {@linkcode VariantError} naming the row instead of a
 * shape error deep inside tfjs.
 *
 * @module
 */
import { VariantError } from "./variant_error.ts";
import {
  EFFICIENTNETV2_VARIANTS,
  VARIANT_NAMES,
  type VariantSpec,
} from "./variants.ts";

const BLOCK_TYPES = ["fused", "mbconv"];

/**
 * Returns the built-in variant `name` (`"s"` or `"efficientnetv2-s"`), or
 * checks and returns a custom table.
 *
 * @throws {VariantError} for an unknown name or a bad table
 */
export function resolveVariant(variant: string | VariantSpec): VariantSpec {
  if (typeof variant !== "string") return validateVariant(variant);
  const key = variant.replace(/^efficientnetv2-/, "");
  const spec = Object.hasOwn(EFFICIENTNETV2_VARIANTS, key)
    ? EFFICIENTNETV2_VARIANTS[key]
    : undefined;
  if (spec === undefined) {
    throw new VariantError(
      "the name is unknown",
      { variant },
      `choose from ${VARIANT_NAMES.join(", ")}`,
    );
  }
  return spec;
}

/**
 * Checks every field of a variant and of each stage row.
 *
 * @throws {VariantError} naming the variant, the row and the field
 */
export function validateVariant(spec: VariantSpec): VariantSpec {
  const variant = typeof spec.name === "string" && spec.name !== ""
    ? spec.name
    : "(unnamed)";
  const positive = (
    value: unknown,
    field: string,
    row?: number,
    integer = true,
  ) => {
    const ok = typeof value === "number" && Number.isFinite(value) &&
      value > 0 &&
      (!integer || Number.isInteger(value));
    if (!ok) {
      throw new VariantError(
        `${field} ${JSON.stringify(value)} is not a positive ${
          integer ? "integer" : "number"
        }`,
        { variant, row, field },
      );
    }
  };
  positive(spec.stem, "stem");
  positive(spec.top, "top");
  positive(spec.width, "width", undefined, false);
  positive(spec.depth, "depth", undefined, false);
  positive(spec.imgSize, "imgSize");
  for (
    const [field, value] of [["dropout", spec.dropout], [
      "dropPath",
      spec.dropPath,
    ]] as const
  ) {
    if (!(typeof value === "number" && value >= 0 && value < 1)) {
      throw new VariantError(
        `${field} ${JSON.stringify(value)} is not in [0, 1)`,
        { variant, field },
      );
    }
  }
  if (!Array.isArray(spec.stages) || spec.stages.length === 0) {
    throw new VariantError("the stage table is empty", {
      variant,
      field: "stages",
    });
  }
  spec.stages.forEach((row, index) => {
    if (typeof row !== "object" || row === null) {
      throw new VariantError(
        `the row is ${JSON.stringify(row)}, not an object`,
        { variant, row: index },
      );
    }
    if (!BLOCK_TYPES.includes(row.block)) {
      throw new VariantError(
        `block ${JSON.stringify(row.block)} is unknown`,
        { variant, row: index, field: "block" },
        `use "fused" or "mbconv"`,
      );
    }
    positive(row.repeats, "repeats", index);
    positive(row.kernel, "kernel", index);
    if (row.kernel % 2 !== 1) {
      throw new VariantError(`kernel ${row.kernel} is even`, {
        variant,
        row: index,
        field: "kernel",
      }, "use an odd size");
    }
    if (row.stride !== 1 && row.stride !== 2) {
      throw new VariantError(
        `stride ${JSON.stringify(row.stride)} is not 1 or 2`,
        {
          variant,
          row: index,
          field: "stride",
        },
      );
    }
    positive(row.expand, "expand", index);
    positive(row.out, "out", index);
    if (
      row.se !== undefined &&
      !(typeof row.se === "number" && row.se >= 0 && row.se <= 1)
    ) {
      throw new VariantError(`se ${JSON.stringify(row.se)} is not in [0, 1]`, {
        variant,
        row: index,
        field: "se",
      });
    }
  });
  return spec;
}
