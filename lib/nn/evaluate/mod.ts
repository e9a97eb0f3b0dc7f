/**
 * The evaluate wing of lib/nn: a trained model on held-out images. The
 * margin-free inference view of a retrieval model (cosine logits and L2
 * embeddings), batched prediction, and the retrieval metrics (classifier and
 * kNN top-k accuracy and GAP).
 *
 * It may import the model wing, `../backend.ts` and the kernel wing; never
 * train/ (which imports it to validate every epoch).
 *
 * @module
 */
export {
  evaluateRetrieval,
  type EvaluateRetrievalOptions,
  type RetrievalMetrics,
} from "./evaluate_retrieval.ts";
export {
  modelPredictor,
  type Prediction,
  type Predictor,
} from "./predict_batches.ts";
export { retrievalInference } from "../model/retrieval_inference.ts";
