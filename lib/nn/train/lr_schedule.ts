/**
 * Per-epoch learning rates. `rampCosine` is the Landmark 2021 notebook's
 * `lrfn`, value for value, quirks included:
 *
 * - warm-up (epoch < rampup): `start + (max + start)·(epoch/rampup)^exponent`
 *   (the notebook adds `start` to `max`; the usual form subtracts it);
 * - sustain (epoch < rampup + sustain): `max`;
 * - cosine decay: `final + (max − final)·(cos(π·d/(decayEpochs + 1)) + 1)/2`
 *   with `d = epoch − rampup − sustain + 1` and
 *   `decayEpochs = epochs − rampup − sustain − 1`, so the decay never reaches
 *   `final` within `epochs`;
 * - rounded to 8 decimals with Python's `round` (half to even on the exact
 *   binary value).
 *
 * The notebook takes the cosine with `tf.math.cos` in float32; this uses
 * float64 `Math.cos`, like Python's `math.cos`.
 *
 * @module
 */

/** The notebook's `lrfn` parameters. */
export interface RampCosineOptions {
  /** Learning rate at epoch 0. @default 1e-5 */
  start?: number;
  /** Peak learning rate. @default 2e-4 */
  max?: number;
  /** Floor the cosine decays towards. @default 2e-5 */
  final?: number;
  /** Warm-up epochs. @default 3 */
  rampup?: number;
  /** Epochs held at `max`. @default 2 */
  sustain?: number;
  /** Exponent of the warm-up curve. @default 2.5 */
  exponent?: number;
  /** Total planned epochs (sets the decay length). @default 15 */
  epochs?: number;
}

/** A learning-rate schedule, as a discriminated union on `kind`. */
export type LrScheduleConfig =
  | ({ kind: "ramp-cosine" } & RampCosineOptions)
  | { kind: "constant"; lr: number };

/** Python's `round(value, digits)`: correctly rounded, ties to even. */
export function pythonRound(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  // toFixed(100) is the exact decimal expansion for the magnitudes used here;
  // a tie is a digit 5 followed only by zeros.
  const exact = Math.abs(value).toFixed(100);
  const point = exact.indexOf(".");
  const rest = exact.slice(point + 1 + digits);
  const rounded = Number(value.toFixed(digits));
  if (!/^50*$/.test(rest)) return rounded;
  const kept = exact.slice(0, point + 1 + digits);
  const lastDigit = Number(kept[kept.length - 1]);
  const down = Number(kept) * Math.sign(value);
  return lastDigit % 2 === 0 ? down : rounded;
}

/** The notebook's `lrfn(epoch)` (epoch counted from 0). */
export function rampCosineLr(
  epoch: number,
  options: RampCosineOptions = {},
): number {
  const start = options.start ?? 1e-5;
  const max = options.max ?? 2e-4;
  const final = options.final ?? 2e-5;
  const rampup = options.rampup ?? 3;
  const sustain = options.sustain ?? 2;
  const exponent = options.exponent ?? 2.5;
  const epochs = options.epochs ?? 15;
  const decayEpochs = epochs - rampup - sustain - 1;
  let lr: number;
  if (epoch < rampup) {
    lr = start + (max + start) * (epoch / rampup) ** exponent;
  } else if (epoch < rampup + sustain) {
    lr = max;
  } else {
    const epochDiff = epoch - rampup - sustain + 1;
    const decay = (Math.cos((epochDiff / (decayEpochs + 1)) * Math.PI) + 1) / 2;
    lr = final + (max - final) * decay;
  }
  return pythonRound(lr, 8);
}

/**
 * The rate of step `step` (0-based) of `epoch` when it changes every step:
 * linear from the epoch's rate to the next epoch's over the epoch's `steps`
 * (the last epoch keeps its rate). At each epoch's first step it is the
 * per-epoch rate, so the schedule keeps its shape; a warm-up epoch climbs
 * instead of spending all its steps at `start`.
 */
export function stepLr(
  schedule: readonly number[],
  epoch: number,
  step: number,
  steps: number,
): number {
  const from = schedule[epoch];
  const to = schedule[epoch + 1] ?? from;
  return from + (to - from) * (step / steps);
}

/**
 * The learning rate of every epoch `0 … epochs − 1`.
 *
 * @throws {RangeError} when `epochs` is not a positive integer or a rate is not positive
 */
export function lrSchedule(config: LrScheduleConfig, epochs: number): number[] {
  if (!(Number.isInteger(epochs) && epochs >= 1)) {
    throw new RangeError(
      `Cannot plan the learning rate: epochs ${epochs} is not a positive integer`,
    );
  }
  switch (config.kind) {
    case "constant":
      if (!(config.lr > 0)) {
        throw new RangeError(
          `Cannot plan the learning rate: lr ${config.lr} is not positive`,
        );
      }
      return Array.from({ length: epochs }, () => config.lr);
    case "ramp-cosine": {
      const options = { ...config, epochs: config.epochs ?? epochs };
      return Array.from(
        { length: epochs },
        (_, epoch) => rampCosineLr(epoch, options),
      );
    }
    default:
      throw new TypeError(
        `Cannot plan the learning rate: kind ${
          JSON.stringify((config as { kind: unknown }).kind)
        } is unknown`,
      );
  }
}
