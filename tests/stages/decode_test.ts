import assert from "node:assert/strict";
import sharp from "sharp";
import decode from "../../stages/decode.ts";
import { createStageContext } from "../../runner/child/stage_context.ts";
import { openImageDataset } from "../../lib/image/image_dataset.ts";
import {
  ingestSource,
  writeIngestArtifact,
} from "../../lib/dataset/ingest_source.ts";
import { makeIngestDir } from "../testdata/dataset_fixtures.ts";
import { makeImage, writeShard } from "../testdata/image_fixtures.ts";
import { tempDir } from "../testdata/temp_dir.ts";
import {
  availableJpegDecoder,
  jpegDecoderFact,
  TURBOJPEG_PATH,
} from "../../lib/image/jpeg_decoder.ts";

const root = await tempDir("decode_test_");
const ingestDir = await makeIngestDir(root);

async function runDecode(
  params: Record<string, unknown>,
  ingest = ingestDir,
  pipelineDir?: string,
) {
  const outDir = await Deno.makeTempDir({ prefix: "decode_out_", dir: root });
  const lines: string[] = [];
  const { ctx, references } = createStageContext({
    stage: "decode",
    params: decode.params.parse(params),
    inputs: { ingest },
    outDir,
    seed: 5,
    pipelineDir,
    log: {
      info: (line) => lines.push(line),
      warn: (line) => lines.push(`warning: ${line}`),
    },
  });
  const summary = await decode.run(ctx);
  return { outDir, references, summary: summary!, lines };
}

Deno.test("decode params: defaults, and the permissions of sharp and libturbojpeg", () => {
  const p = decode.params.parse({});
  assert.deepEqual(
    [p.img_size, p.mode, p.kernel, p.shrink_on_load, p.concurrency, p.on_error],
    [384, "materialize", "linear", false, 4, "fail"],
  );
  assert.throws(() => decode.params.parse({ imgSize: 64 }));
  assert.deepEqual(decode.permissions?.ffi, [
    "@img/sharp-linux-x64",
    TURBOJPEG_PATH,
  ]);
  assert.deepEqual(decode.permissions?.env, [
    "npm_package_config_libvips",
    "MALLOC_ARENA_MAX",
  ]);
});

Deno.test("decode stage (materialize) writes pixels, batch stats and the batch grid", async () => {
  const { outDir, references, summary } = await runDecode({
    img_size: 24,
    preview: { batch_size: 6, rows: 2, cols: 3 },
  });
  assert.deepEqual(references, []);
  assert.deepEqual([summary.train, summary.holdout, summary.skipped], [
    24,
    6,
    0,
  ]);
  const stats = JSON.parse(
    await Deno.readTextFile(`${outDir}/batch_stats.json`),
  );
  assert.deepEqual(stats.shape, [6, 24, 24, 3]);
  assert.ok(stats.min >= -2.1180 && stats.max <= 2.6401 && stats.std > 0.1);
  assert.ok(stats.labelMin >= 0 && stats.labelMax <= 2);
  const grid = await sharp(`${outDir}/batch_grid.png`).metadata();
  assert.equal(grid.format, "png");
  assert.ok(grid.width! > 3 * 160 && grid.height! > 2 * 160);
  const settings = JSON.parse(await Deno.readTextFile(`${outDir}/decode.json`));
  assert.deepEqual(settings.mode, "materialize");
  const data = await openImageDataset(outDir);
  assert.equal(data.imgSize, 24);
  const [batch] = await Array.fromAsync(
    data.batches({ split: "holdout", epoch: 0, batchSize: 8, seed: 5 }),
  );
  assert.equal(batch.size, 6);
  await data.close();
});

Deno.test("decode stage logs the augmentation its training batches get, defaults spelt out", async () => {
  const off = await runDecode({ img_size: 16 });
  assert.ok(
    off.lines.includes(
      "augment: off (training batches get the random square crop alone)",
    ),
    off.lines.join("\n"),
  );
  // Only flip written: the crop and jitter defaults apply, and the log says so.
  const flip = await runDecode({ img_size: 16, augment: { flip: true } });
  assert.ok(
    flip.lines.includes(
      "augment (training batches): horizontal flip (p = 0.5), random resized crop of 35%-100% of the area at aspect 0.75-1.33, colour jitter ±0.2",
    ),
    flip.lines.join("\n"),
  );
  const crop = await runDecode({
    img_size: 16,
    augment: { flip: false, scale: [0.7, 1], ratio: [1, 1], jitter: 0 },
  });
  assert.ok(
    crop.lines.includes(
      "augment (training batches): no flip, random resized crop of 70%-100% of the area at aspect 1.00-1.00, no colour jitter",
    ),
    crop.lines.join("\n"),
  );
});

Deno.test("decode stage (stream) references the ingest shards and yields the same first batch", async () => {
  const streamed = await runDecode({
    img_size: 24,
    mode: "stream",
    preview: { batch_size: 6 },
  });
  const materialized = await runDecode({
    img_size: 24,
    preview: { batch_size: 6 },
  });
  assert.deepEqual(streamed.references.map((r) => r.asPath), [
    "shards/train/train-0.tfrecords",
    "shards/train/train-1.tfrecords",
  ]);
  assert.equal(
    streamed.references[0].absolutePath,
    `${ingestDir}/shards/train/train-0.tfrecords`,
  );
  // What the runner does with references, then read the artifact as train will.
  for (const ref of streamed.references) {
    await Deno.mkdir(`${streamed.outDir}/shards/train`, { recursive: true });
    await Deno.symlink(ref.absolutePath, `${streamed.outDir}/${ref.asPath}`);
  }
  // The decoder this machine has is recorded, and its library is a fact of the stream-mode key.
  const settings = JSON.parse(
    await Deno.readTextFile(`${streamed.outDir}/decode.json`),
  );
  assert.equal(settings.decoder, availableJpegDecoder());
  assert.deepEqual(
    await decode.facts!(decode.params.parse({ mode: "stream" })),
    {
      jpeg: jpegDecoderFact(),
    },
  );
  assert.deepEqual(await decode.facts!(decode.params.parse({})), {});
  const data = await openImageDataset(streamed.outDir);
  assert.equal(data.mode, "stream");
  const [batch] = await Array.fromAsync(
    data.batches({ split: "train", epoch: 0, batchSize: 24, seed: 5 }),
  );
  assert.equal(batch.size, 24);
  await data.close();
  // Same shuffle, same labels; pixels differ only by resize/crop order.
  type Stats = {
    mean: number;
    labelMin: number;
    labelMax: number;
    shape: number[];
  };
  const s = streamed.summary.batchStats as Stats;
  const m = materialized.summary.batchStats as Stats;
  assert.deepEqual([s.shape, s.labelMin, s.labelMax], [
    m.shape,
    m.labelMin,
    m.labelMax,
  ]);
  assert.ok(Math.abs(s.mean - m.mean) < 0.05, `means ${s.mean} vs ${m.mean}`);
});

Deno.test("decode stage (materialize) fails on an undecodable image, or skips and reports it", async () => {
  const dir = await Deno.makeTempDir({ dir: root });
  const good = await makeImage("jpeg", 40, 30);
  const truncated = good.slice(0, Math.floor(good.length * 0.6)); // header intact, data cut
  await writeShard(
    `${dir}/train-0.tfrecords`,
    [good, truncated, good, good].map((image, i) => ({ image, label: i % 2 })),
  );
  const ingestOut = `${dir}/ingest`;
  await Deno.mkdir(ingestOut);
  const result = await ingestSource({
    source: {
      kind: "tfrecord",
      train: [{ path: `${dir}/train-0.tfrecords`, name: "train-0.tfrecords" }],
      test: [],
    },
    outDir: ingestOut,
    holdout: 0,
    seed: 1,
    onError: "fail",
  });
  await Deno.mkdir(`${ingestOut}/shards/train`, { recursive: true });
  await Deno.symlink(
    `${dir}/train-0.tfrecords`,
    `${ingestOut}/shards/train/train-0.tfrecords`,
  );
  await writeIngestArtifact(ingestOut, result, {});
  // The message names the user's file (not the artifact's link to it), the
  // record as a reader of that file counts it, and its byte offset.
  const offset = result.index.offset[1];
  const real = await Deno.realPath(dir);
  await assert.rejects(
    runDecode({ img_size: 16 }, ingestOut),
    (error: Error) => {
      assert.equal(
        error.message.split(": Cannot decode image")[0],
        `${real}/train-0.tfrecords: record 1 at byte ${offset}`,
      );
      return true;
    },
  );
  const { outDir, summary, lines } = await runDecode(
    {
      img_size: 16,
      on_error: "skip",
      preview: { batch_size: 2 },
    },
    ingestOut,
    real,
  );
  assert.equal(summary.skipped, 1);
  assert.equal(summary.train, 3);
  const report = JSON.parse(await Deno.readTextFile(`${outDir}/report.json`));
  assert.deepEqual(
    report.skipped.map((
      s: { file: string; record: number; offset: number },
    ) => [
      s.file,
      s.record,
      s.offset,
    ]),
    [["train-0.tfrecords", 1, offset]],
  );
  const warning = lines.find((l) => l.startsWith("warning: skipped"))!;
  assert.match(
    warning,
    new RegExp(
      `^warning: skipped train-0\\.tfrecords record 1 at byte ${offset}: Cannot decode image: `,
    ),
  );
  assert.ok(
    lines.includes(
      lines.find((l) =>
        /^materialize: 3 images decoded at 16px, 1 skipped, in /.test(l)
      )!,
    ),
    lines.join("\n"),
  );
});
