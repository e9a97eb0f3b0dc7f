import type { Metrics, PredictorMetrics } from "./artifact_schemas.ts";

/** One predictor's metrics with a display name. */
export interface Predictor {
  /** The key in metrics.json. */
  key: "classifier" | "knn";
  /** How it is shown: "classifier" or "kNN (k=5, sum)". */
  title: string;
  /** Its metrics. */
  metrics: PredictorMetrics;
}

/** The predictors present in metrics.json, classifier first. */
export function predictors(metrics: Metrics): Predictor[] {
  const list: Predictor[] = [];
  if (metrics.classifier) {
    list.push({
      key: "classifier",
      title: "classifier",
      metrics: metrics.classifier,
    });
  }
  if (metrics.knn) {
    const { k, voting } = metrics.knn;
    const detail = [k !== undefined ? `k=${k}` : "", voting ?? ""].filter(
      Boolean,
    ).join(", ");
    list.push({
      key: "knn",
      title: detail ? `kNN (${detail})` : "kNN",
      metrics: metrics.knn,
    });
  }
  return list;
}
