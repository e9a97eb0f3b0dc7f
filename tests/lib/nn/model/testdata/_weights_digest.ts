/**
 * SHA-256 over all weights of a model, in order, with their names.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";

/** Hex digest of the model's weight names and float bytes. */
export async function weightsDigest(model: tfl.LayersModel): Promise<string> {
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  model.weights.forEach((weight, i) => {
    parts.push(encoder.encode(weight.originalName));
    const data = model.getWeights()[i].dataSync() as Float32Array;
    parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  });
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.byteLength;
  }
  const digest = await crypto.subtle.digest("SHA-256", all);
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
