/**
 * The model wing of lib/nn: the retrieval model and its parts. The
 * EfficientNetV2 backbone as data (`efficientnetv2/`: variant tables, one
 * plan, the builder), the ArcFace and softmax heads, seeded dropout and
 * drop-path, model files (`model.json` + `weights.bin`), Keras `.h5` and
 * tfjs weight import, and a Keras-style summary.
 *
 * It may import `../backend.ts` and the kernel wing; never train/ or
 * evaluate/.
 *
 * @module
 */
export { ArcMarginProduct } from "./arcface.ts";
export { dynamicMargins } from "./arc_margin.ts";
export { importWeights, WeightImportError } from "./import_weights.ts";
export { ModelFileError } from "./model_file_error.ts";
export { loadModel, saveModel } from "./model_io.ts";
export { countModelParams, modelSummary } from "./model_summary.ts";
export { readPretrainedWeights } from "./pretrained_weights.ts";
export { GeMPooling } from "./gem_pooling.ts";
export {
  type RetrievalInference,
  retrievalInference,
} from "./retrieval_inference.ts";
export {
  buildRetrievalModel,
  type HeadConfig,
  isHeadWeight,
  RETRIEVAL_LAYERS,
  type RetrievalModelConfig,
} from "./retrieval_model.ts";
