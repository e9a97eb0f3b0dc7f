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
  type ArcMarginOptions,
  classCosine,
  marginLogits,
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
  /**
   * One margin per class (dynamic margins), kept as the non-trainable weight
   * `margins` `[n]`; absent: every class uses `m`. A model loaded from a file
   * only needs `perClassMargins: true`: the values come with its weights.
   */
  margins?: readonly number[];
  /** The layer holds per-class margins (set from `margins`, or by the saved weights). @default margins !== undefined */
  perClassMargins?: boolean;
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
  /** Whether margins are per class (the `margins` weight) rather than `m`. */
  readonly perClassMargins: boolean;
  /**
   * Multiplies every margin during training (a margin warm-up sets it from 0
   * to 1 over the first epochs). Not saved: the trainer sets it each step.
   */
  marginScale = 1;
  #w?: LayerVariable;
  #margins?: LayerVariable;
  readonly #initialMargins?: readonly number[];

  constructor(args: ArcMarginProductArgs) {
    super(args);
    this.nClasses = args.nClasses;
    this.seed = args.seed ?? 0;
    this.perClassMargins = args.perClassMargins ?? args.margins !== undefined;
    this.#initialMargins = args.margins;
    if (args.margins !== undefined && args.margins.length !== args.nClasses) {
      throw new RangeError(
        `Cannot create ArcMarginProduct "${this.name}": ${args.margins.length} margins for ${args.nClasses} classes`,
      );
    }
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
    if (this.perClassMargins) {
      this.#margins = this.addWeight(
        "margins",
        [this.nClasses],
        "float32",
        tfl.initializers.constant({ value: this.options.m }),
        undefined,
        false,
      );
      if (this.#initialMargins !== undefined) {
        this.#margins.write(tf.tensor1d([...this.#initialMargins]));
      }
    }
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
    return this.trainingLogits(inputs[0] as tf.Tensor2D, inputs[1]);
  }

  /**
   * Training logits `[B, n]`: the margin (times {@linkcode marginScale}) at
   * each sample's true class, scaled by s.
   */
  trainingLogits(features: tf.Tensor2D, labels: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const cos = classCosine(
        features,
        this.weightMatrix(),
        this.options.subcenters,
      );
      const scale = this.marginScale;
      const margins = this.#margins === undefined
        ? undefined
        : tf.mul(this.#margins.read(), scale) as tf.Tensor1D;
      return marginLogits(
        cos,
        labels,
        { ...this.options, m: this.options.m * scale },
        margins,
      );
    });
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
      perClassMargins: this.perClassMargins,
      ...this.options,
    };
  }
}

tf.serialization.registerClass(ArcMarginProduct);
