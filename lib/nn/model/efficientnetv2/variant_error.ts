/**
 * The typed error for a bad EfficientNetV2 variant: an unknown name, a bad
 * coefficient, or a stage row with an unknown block type or bad field.
 *
 * @module
 */
import { HintedError } from "../../../hinted_error.ts";

/** Where a variant problem is: the variant, and the stage row and field when it is in a row. */
export interface VariantLocation {
  /** The variant's name. */
  variant: string;
  /** Zero-based index of the stage row, when the problem is in a row. */
  row?: number;
  /** The offending field (`block`, `repeats`, `width`, …). */
  field?: string;
}

/** Thrown when a variant cannot be built; the message names the variant and row. */
export class VariantError extends HintedError {
  override name = "VariantError";

  /**
   * @param problem what is wrong, e.g. `block "conv" is unknown`
   * @param at the variant, row and field
   * @param hint what to do instead
   */
  constructor(
    problem: string,
    readonly at: VariantLocation,
    hint?: string,
  ) {
    const where = at.row === undefined ? "" : ` row ${at.row}`;
    super(
      `Cannot build EfficientNetV2 variant "${at.variant}"${where}: ${problem}`,
      { hint },
    );
  }
}
