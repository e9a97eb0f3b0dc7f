/**
 * Dropout layers whose random masks are reproducible: the mask of a training
 * call is drawn from (layer seed, step), so a resumed run draws exactly the
 * masks an uninterrupted one would. `DropPath` is stochastic depth (one
 * Bernoulli draw per sample, Keras's `Dropout(noise_shape=(None, 1, 1, 1))`
 * on an EfficientNet residual branch); `SeededDropout` drops elements. Both
 * are the identity at inference and when `training` is not `true`.
 *
 * Each training call advances the layer's step by one; a trainer that
 * resumes mid-run calls {@linkcode setDropoutStep} with the number of
 * training calls already made.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { deriveSeed } from "./seeds.ts";

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;

/** Construction arguments of the seeded dropout layers. */
export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction dropped, in [0, 1). */
  rate: number;
  /** Seed of the mask stream. */
  seed: number;
}

abstract class StepSeededDropout extends tfl.layers.Layer {
  readonly rate: number;
  readonly seed: number;
  /** Number of training calls so far; the next mask is drawn from (seed, step). */
  step = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) {
      throw new RangeError(
        `Cannot create dropout layer "${args.name}": rate ${args.rate} is not in [0, 1)`,
      );
    }
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  /** The mask's shape for an input of shape `shape`. */
  protected abstract noiseShape(shape: number[]): number[];

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training !== true || this.rate === 0) return x;
    const seed = deriveSeed(this.seed, "mask", this.step);
    this.step += 1;
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      // floor(U[0,1) + keep) is 1 with probability keep; survivors are scaled by 1/keep.
      const noise = tf.randomUniform(
        this.noiseShape(x.shape),
        0,
        1,
        "float32",
        seed,
      );
      const mask = tf.div(tf.floor(tf.add(noise, keep)), keep);
      return tf.mul(x, mask);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

/** Stochastic depth: drops a whole sample's residual branch with probability `rate`. */
export class DropPath extends StepSeededDropout {
  /** Serialisation name. */
  static className = "DropPath";

  protected noiseShape(shape: number[]): number[] {
    return [shape[0], ...shape.slice(1).map(() => 1)];
  }
}

/** Element-wise dropout with a reproducible mask stream. */
export class SeededDropout extends StepSeededDropout {
  /** Serialisation name. */
  static className = "SeededDropout";

  protected noiseShape(shape: number[]): number[] {
    return shape;
  }
}

tf.serialization.registerClass(DropPath);
tf.serialization.registerClass(SeededDropout);

/**
 * Sets the step of every seeded dropout layer in `model` (nested models
 * included), e.g. to the global training step when resuming.
 */
export function setDropoutStep(model: tfl.LayersModel, step: number): void {
  for (const layer of model.layers) {
    if (layer instanceof StepSeededDropout) layer.step = step;
    else if (layer instanceof tfl.LayersModel) setDropoutStep(layer, step);
  }
}

/** The step of the first seeded dropout layer in `model`, or undefined when it has none. */
export function getDropoutStep(model: tfl.LayersModel): number | undefined {
  for (const layer of model.layers) {
    if (layer instanceof StepSeededDropout) return layer.step;
    if (layer instanceof tfl.LayersModel) {
      const step = getDropoutStep(layer);
      if (step !== undefined) return step;
    }
  }
  return undefined;
}
