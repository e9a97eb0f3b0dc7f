/**
 * Generalized-mean (GeM) pooling (Radenović et al. 2018, arXiv:1711.02512),
 * the pooling of every Landmark Retrieval/Recognition winner since 2019:
 *
 *   y_c = ( mean_{h,w} max(x_{h,w,c}, ε)^p )^(1/p)
 *
 * with one learnable exponent p (p = 1 is average pooling, p → ∞ max
 * pooling; 3 is the usual start). Inputs are clamped at ε = 1e-6 because
 * EfficientNet's SiLU features can be slightly negative.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Shape = (number | null)[];
type LayerVariable = ReturnType<tfl.layers.Layer["addWeight"]>;

/** Construction arguments of {@linkcode GeMPooling}. */
export interface GeMPoolingArgs extends LayerArgs {
  /** The exponent's starting value. @default 3 */
  p?: number;
  /** Whether p is trained. @default true */
  trainP?: boolean;
}

/** The clamp below every input. */
export const GEM_EPSILON = 1e-6;

/** `[B, H, W, C]` → `[B, C]` by the generalized mean with a learnable p. */
export class GeMPooling extends tfl.layers.Layer {
  /** Serialisation name. */
  static className = "GeMPooling";
  /** The exponent's starting value. */
  readonly initialP: number;
  /** Whether p is trained. */
  readonly trainP: boolean;
  #p?: LayerVariable;

  constructor(args: GeMPoolingArgs = {}) {
    super(args);
    this.initialP = args.p ?? 3;
    this.trainP = args.trainP ?? true;
    if (!(this.initialP > 0)) {
      throw new RangeError(
        `Cannot create GeMPooling "${this.name}": p ${args.p} is not positive`,
      );
    }
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.#p = this.addWeight(
      "p",
      [1],
      "float32",
      tfl.initializers.constant({ value: this.initialP }),
      undefined,
      this.trainP,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    return [shape[0], shape[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const p = this.#p!.read();
      const pooled = tf.mean(
        tf.pow(tf.maximum(x, GEM_EPSILON), p),
        [1, 2],
      );
      return tf.pow(pooled, tf.div(1, p));
    });
  }

  /** The current exponent. */
  exponent(): number {
    return this.#p!.read().dataSync()[0];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), p: this.initialP, trainP: this.trainP };
  }
}

tf.serialization.registerClass(GeMPooling);
