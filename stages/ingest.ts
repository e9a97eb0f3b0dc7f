/**
 * The ingest stage: reads a dataset source (TFRecord shards in the
 * notebook's schema, a Google-Landmarks folder, or IDX files), validates
 * every record once, and writes the index, label maps, class counts and a
 * train/holdout split. Input TFRecord shards are referenced, not copied.
 *
 * @module
 */
import { defineStage, z } from "../stage.ts";
import { sourceReads, type SourceSpec } from "../lib/dataset/source_spec.ts";
import {
  describeSkipped,
  relativeSkipped,
} from "../lib/dataset/skipped_record.ts";

const source = z.union([
  z.string().describe("a folder; its kind is detected"),
  z.strictObject({
    tfrecord: z.union([z.string(), z.array(z.string()).min(1)])
      .describe("glob (or globs, one per dataset part) of the train shards"),
    test: z.union([z.string(), z.array(z.string()).min(1)]).optional()
      .describe("glob (or globs) of the test part's shards"),
    label_map: z.string().optional().describe("JSON, CSV or pickled dict"),
  }),
  z.strictObject({
    landmarks: z.string().describe("folder with train.csv and train/"),
    csv: z.string().default("train.csv"),
    test: z.string().regex(/\.csv$/i).optional()
      .describe("the test part's CSV (images in the folder of its name)"),
  }),
  z.strictObject({
    idx: z.string().describe("folder of IDX files"),
    label_map: z.string().optional(),
  }),
]);

const params = z.strictObject({
  source,
  holdout: z.union([z.literal("test"), z.number().min(0).lt(1)]).default(0.1)
    .describe('"test" (the source\'s test part) or a stratified fraction'),
  on_error: z.enum(["fail", "skip"]).default("fail"),
  shard_size: z.number().int().positive().default(3000)
    .describe("records per shard when converting"),
});

type Params = z.output<typeof params>;

function toSpec(s: Params["source"]): SourceSpec {
  if (typeof s === "string") return s;
  if ("tfrecord" in s) {
    return { tfrecord: s.tfrecord, test: s.test, labelMap: s.label_map };
  }
  if ("landmarks" in s) {
    return { landmarks: s.landmarks, csv: s.csv, test: s.test };
  }
  return { idx: s.idx, labelMap: s.label_map };
}

export default defineStage({
  description:
    "Validates and indexes a dataset, and splits it into train and holdout",
  params,
  reads: (p) => sourceReads(toSpec(p.source)),
  async run(ctx) {
    const { resolveSource } = await import("../lib/dataset/resolve_source.ts");
    const { ingestSource, writeIngestArtifact } = await import(
      "../lib/dataset/ingest_source.ts"
    );
    const p = ctx.params;
    const resolved = await resolveSource(toSpec(p.source), ctx.pipelineDir);
    ctx.progress.start(
      resolved.kind === "tfrecord"
        ? "validating records (bytes)"
        : "converting images",
    );
    let last = 0;
    const result = await ingestSource({
      source: resolved,
      outDir: ctx.outDir,
      holdout: p.holdout,
      seed: ctx.seed,
      onError: p.on_error,
      recordsPerShard: p.shard_size,
      onProgress: (done) => {
        ctx.progress.advance(done - last);
        last = done;
      },
    });
    ctx.progress.end();
    for (const ref of result.references) {
      ctx.reference(ref.absolutePath, ref.asPath);
    }
    result.skipped = relativeSkipped(result.skipped, ctx.pipelineDir);
    await writeIngestArtifact(ctx.outDir, result, {
      kind: resolved.kind,
      spec: p.source,
      holdout: p.holdout,
    });
    for (const s of result.skipped.slice(0, 20)) {
      ctx.log.warn(`skipped ${describeSkipped(s)}`);
    }
    const train = result.counts.reduce((n, c) => n + c.train, 0);
    const holdout = result.counts.reduce((n, c) => n + c.holdout, 0);
    ctx.log.info(
      `${
        train + holdout
      } records, ${result.labels.length} classes: ${train} train, ${holdout} holdout, ${result.skipped.length} skipped`,
    );
    return {
      records: train + holdout,
      classes: result.labels.length,
      train,
      holdout,
      skipped: result.skipped.length,
      skippedRecords: result.skipped.slice(0, 100),
    };
  },
});
