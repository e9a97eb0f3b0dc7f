/**
 * Prints a SHA-256 of a retrieval model's initial weights, built in a fresh
 * process; retrieval_model_test.ts compares it with its own build.
 * Usage: deno run testdata/weights_digest.ts <seed>
 *
 * @module
 */
import { planEfficientNetV2 } from "../../../../../lib/nn/model/efficientnetv2/plan.ts";
import "../../_cpu.ts";
import { buildRetrievalModel } from "../../../../../lib/nn/model/retrieval_model.ts";
import { weightsDigest } from "./_weights_digest.ts";

const model = buildRetrievalModel({
  backbone: planEfficientNetV2({ variant: "pico" }),
  imgSize: 32,
  classes: 4,
  neck: 8,
  seed: Number(Deno.args[0]),
});
console.log(await weightsDigest(model));
