/**
 * Prints one SHA-256 per batch of an epoch (images, labels, record ids), so
 * a test can compare batches made in separate processes.
 *
 * Usage: deno run -A batch_digest.ts DIR SEED EPOCH BATCH_SIZE MODE CONCURRENCY PREFETCH
 * (the dataset's notes go to stderr, one `note: …` line each)
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type Batch, openImageDataset } from "../../lib/image/image_dataset.ts";

/** The digest of a batch's contents. */
export function batchDigest(batch: Batch): string {
  const hash = createHash("sha256");
  for (const part of [batch.images, batch.labels, batch.records]) {
    hash.update(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
  }
  return hash.digest("hex");
}

if (import.meta.main) {
  const [dir, seed, epoch, batchSize, mode, concurrency, prefetch] = Deno.args;
  const dataset = await openImageDataset(dir, {
    onNote: (note) => console.error(`note: ${note}`),
  });
  const digests: string[] = [];
  for await (
    const batch of dataset.batches({
      split: "train",
      epoch: Number(epoch),
      batchSize: Number(batchSize),
      seed: Number(seed),
      mode: mode as "train" | "eval",
      concurrency: Number(concurrency),
      prefetch: Number(prefetch),
    })
  ) digests.push(batchDigest(batch));
  await dataset.close();
  console.log(JSON.stringify(digests));
}
