/**
 * `ArcMarginProduct`: the ArcFace head as a tfjs layer with two inputs
 * (embeddings `[B, D]`, int labels `[B]` or `[B, 1]`) and one weight `W`
 * of shape `[D, n·k]` (glorot-uniform), registered for serialisation so a
 * model.json that contains it loads again. See `arc_margin.ts` for the maths.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  arcMarginLogits,
  type ArcMarginOptions,
  classCosine,
} from "./arc_margin.ts";

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = (number | null)[];
type LayerVariable = ReturnType<tfl.layers.Layer["addWeight"]>;

/** Construction arguments of {@linkcode ArcMarginProduct}. */
export interface ArcMarginProductArgs
  extends LayerArgs, Partial<ArcMarginOptions> {
  /** Number of classes n. */
  nClasses: number;
  /** Seed of W's glorot-uniform initializer. @default 0 */
  seed?: number;
}

/** The ArcFace margin head; its output is the training logits `[B, n]`. */
export class ArcMarginProduct extends tfl.layers.Layer {
  /** Serialisation name. */
  static className = "ArcMarginProduct";
  /** Number of classes. */
  readonly nClasses: number;
  /** The margin parameters. */
  readonly options: ArcMarginOptions;
  /** Seed of W's initializer. */
  readonly seed: number;
  #w?: LayerVariable;

  constructor(args: ArcMarginProductArgs) {
    super(args);
    this.nClasses = args.nClasses;
    this.seed = args.seed ?? 0;
    this.options = {
      s: args.s ?? 30,
      m: args.m ?? 0.5,
      easyMargin: args.easyMargin ?? false,
      lsEps: args.lsEps ?? 0,
      subcenters: args.subcenters ?? 1,
    };
    if (!(Number.isInteger(this.nClasses) && this.nClasses >= 1)) {
      throw new RangeError(
        `Cannot create ArcMarginProduct "${this.name}": nClasses ${args.nClasses} is not a positive integer`,
      );
    }
    if (
      !(Number.isInteger(this.options.subcenters) &&
        this.options.subcenters >= 1)
    ) {
      throw new RangeError(
        `Cannot create ArcMarginProduct "${this.name}": subcenters ${args.subcenters} is not a positive integer`,
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const featureShape =
      (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const dims = featureShape[featureShape.length - 1];
    if (dims === null) {
      throw new RangeError(
        `Cannot build ArcMarginProduct "${this.name}": the embedding size is unknown`,
      );
    }
    this.#w = this.addWeight(
      "W",
      [dims, this.nClasses * this.options.subcenters],
      "float32",
      tfl.initializers.glorotUniform({ seed: this.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const featureShape =
      (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [featureShape[0], this.nClasses];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw new TypeError(
        `Cannot apply ArcMarginProduct "${this.name}": it takes [embeddings, labels]`,
      );
    }
    return arcMarginLogits(
      inputs[0] as tf.Tensor2D,
      this.weightMatrix(),
      inputs[1],
      this.options,
    );
  }

  /** The current class weights `[D, n·k]` (owned by the layer; do not dispose). */
  weightMatrix(): tf.Tensor2D {
    if (this.#w === undefined) {
      throw new Error(
        `Cannot read W of ArcMarginProduct "${this.name}": it is not built`,
      );
    }
    return this.#w.read() as tf.Tensor2D;
  }

  /** Margin-free logits for evaluation: `s·cos` (or `cos` when `scaled` is false), `[B, n]`. */
  logits(features: tf.Tensor2D, scaled = true): tf.Tensor2D {
    return tf.tidy(() => {
      const cos = classCosine(
        features,
        this.weightMatrix(),
        this.options.subcenters,
      );
      return scaled ? tf.mul(cos, this.options.s) : cos;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      nClasses: this.nClasses,
      seed: this.seed,
      ...this.options,
    };
  }
}

tf.serialization.registerClass(ArcMarginProduct);
