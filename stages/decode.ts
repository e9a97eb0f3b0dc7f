/**
 * The decode stage: prepares the images for training in one of two modes.
 * `materialize` decodes every image once (shorter side resized to img_size)
 * and stores uint8 pixels, so epochs only crop and normalise; `stream` keeps
 * the JPEG/PNG shards (by reference) and decodes per batch. Either way the
 * train and evaluate stages read it with lib/image's `openImageDataset`.
 * Also writes the notebook's sanity outputs: batch_stats.json and
 * batch_grid.png (show_batch) of the first training batch of epoch 0.
 *
 * @module
 */
import { defineStage, z } from "../stage.ts";
import { DECODE_PERMISSIONS } from "../lib/image/decode_permissions.ts";
import { describeSkipped } from "../lib/dataset/skipped_record.ts";

const params = z.strictObject({
  img_size: z.number().int().min(8).max(2048).default(384),
  mode: z.enum(["materialize", "stream"]).default("materialize"),
  kernel: z.enum([
    "nearest",
    "linear",
    "cubic",
    "mitchell",
    "lanczos2",
    "lanczos3",
  ]).default("linear"),
  shrink_on_load: z.boolean().default(false)
    .describe(
      "stream mode: resize before cropping so JPEGs decode at 1/2, 1/4, 1/8 scale",
    ),
  concurrency: z.number().int().min(1).max(64).default(4).describe(
    "decodes in flight",
  ),
  on_error: z.enum(["fail", "skip"]).default("fail").describe(
    "materialize: an image that does not decode",
  ),
  augment: z.union([
    z.literal(false),
    z.strictObject({
      flip: z.boolean().default(true),
      scale: z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)])
        .refine(
          ([lo, hi]) => lo <= hi,
          "the range's low end is above its high end",
        )
        .default([0.35, 1]),
      ratio: z.tuple([z.number().positive(), z.number().positive()])
        .refine(
          ([lo, hi]) => lo <= hi,
          "the range's low end is above its high end",
        )
        .default([3 / 4, 4 / 3]),
      jitter: z.number().min(0).lt(1).default(0.2),
    }),
  ]).default(false).describe(
    "training batches: random resized crop, horizontal flip, colour jitter",
  ),
  preview: z.strictObject({
    batch_size: z.number().int().min(1).max(256).default(12),
    rows: z.number().int().min(1).max(16).default(4),
    cols: z.number().int().min(1).max(16).default(3),
  }).default({ batch_size: 12, rows: 4, cols: 3 }),
});

/** The decode stage's params, as validated. */
type Params = z.infer<typeof params>;

export default defineStage({
  description:
    "Decodes, crops and normalises images for training (materialize or stream)",
  params,
  inputs: {
    ingest: { description: "the ingest artifact: index, shards, labels" },
  },
  permissions: DECODE_PERMISSIONS,
  // Stream mode records the JPEG decoder this machine has (libturbojpeg or sharp) in decode.json.
  facts: async (p): Promise<Record<string, string>> => {
    if (p.mode !== "stream") return {};
    const { jpegDecoderFact } = await import("../lib/image/jpeg_decoder.ts");
    return { jpeg: jpegDecoderFact() };
  },
  async run(ctx) {
    const { writeDecodedDataset } = await import(
      "../lib/image/write_decoded_dataset.ts"
    );
    const { openImageDataset } = await import("../lib/image/image_dataset.ts");
    const { batchStats } = await import("../lib/image/batch_stats.ts");
    const { showBatch } = await import("../lib/image/show_batch.ts");
    const p = ctx.params;
    const ingestDir = ctx.inputs.ingest;
    const settings = {
      mode: p.mode,
      imgSize: p.img_size,
      kernel: p.kernel,
      shrinkOnLoad: p.shrink_on_load,
      augment: p.augment,
    };
    const started = performance.now();
    if (p.mode === "materialize") {
      const { readRecordIndexSize } = await import(
        "../lib/dataset/record_index.ts"
      );
      ctx.progress.start(
        "decoding images",
        await readRecordIndexSize(ingestDir),
      );
    }
    const { skipped, fast } = await writeDecodedDataset({
      ingestDir,
      outDir: ctx.outDir,
      settings,
      reference: (path, asPath) => ctx.reference(path, asPath),
      concurrency: p.concurrency,
      onError: p.on_error,
      onProgress: () => ctx.progress.advance(),
      pathsRelativeTo: ctx.pipelineDir,
    });
    if (p.mode === "materialize") ctx.progress.end();
    const seconds = (performance.now() - started) / 1000;

    // The notebook's sanity checks on the first training batch of epoch 0.
    // Stream-mode shards are still references: read them from the ingest artifact.
    const dataset = await openImageDataset(ctx.outDir, {
      shardDir: p.mode === "stream" ? ingestDir : ctx.outDir,
    });
    const size = Math.min(p.preview.batch_size, dataset.counts.train);
    let stats;
    if (size > 0) {
      const batches = dataset.batches({
        split: "train",
        epoch: 0,
        batchSize: size,
        seed: ctx.seed,
        prefetch: 1,
      });
      const first = (await batches.next()).value!;
      await batches.return(undefined);
      stats = batchStats(first, p.img_size);
      await Deno.writeTextFile(
        `${ctx.outDir}/batch_stats.json`,
        JSON.stringify(stats, null, 1) + "\n",
      );
      const png = await showBatch(first, {
        imgSize: p.img_size,
        labels: dataset.labels,
        rows: p.preview.rows,
        cols: p.preview.cols,
      });
      await Deno.writeFile(`${ctx.outDir}/batch_grid.png`, png);
    }
    await dataset.close();
    for (const s of skipped.slice(0, 20)) {
      ctx.log.warn(`skipped ${describeSkipped(s)}`);
    }
    const images = dataset.counts.train + dataset.counts.holdout;
    ctx.log.info(
      p.mode === "materialize"
        ? `materialize: ${images} images decoded at ${p.img_size}px${
          fast > 0 ? ` (${fast} already that size, on the fast path)` : ""
        }, ${skipped.length} skipped, in ${seconds.toFixed(1)} s`
        : `stream: ${images} images, decoded at ${p.img_size}px per batch`,
    );
    ctx.log.info(describeAugment(p.augment));
    return {
      ...settings,
      train: dataset.counts.train,
      holdout: dataset.counts.holdout,
      skipped: skipped.length,
      fastDecoded: fast,
      skippedRecords: skipped.slice(0, 100),
      seconds,
      batchStats: stats,
    };
  },
});

/**
 * What the training batches get, every value spelt out: `{ flip: true }`
 * alone also takes the crop and jitter defaults, which a log line should say.
 */
function describeAugment(augment: Params["augment"]): string {
  if (augment === false) {
    return "augment: off (training batches get the random square crop alone)";
  }
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  const parts = [
    augment.flip ? "horizontal flip (p = 0.5)" : "no flip",
    `random resized crop of ${percent(augment.scale[0])}-${
      percent(augment.scale[1])
    } of the area at aspect ${augment.ratio[0].toFixed(2)}-${
      augment.ratio[1].toFixed(2)
    }`,
    augment.jitter > 0
      ? `colour jitter ±${augment.jitter}`
      : "no colour jitter",
  ];
  return `augment (training batches): ${parts.join(", ")}`;
}
