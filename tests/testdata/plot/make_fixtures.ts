/**
 * Makes the plot stage's fixture artifacts: two pipeline runs laid out as
 * the plot stage's inputs would be (ingest/, decode/, model/, train/,
 * evaluate/, each with the runner's _run.json), per ARTIFACTS.md.
 *
 * - one_epoch/:   10 Fashion-MNIST classes, 1 planned and trained epoch;
 *                 ingest and decode cached from an earlier run.
 * - many_epochs/: 120 classes with landmark-style ids and no names,
 *                 30 epochs on the notebook's schedule, everything ran.
 *
 * Metrics come from lib/metrics on synthetic embeddings, as the evaluate
 * stage computes them. The batch grids are real Fashion-MNIST test images
 * (Debian dataset-fashion-mnist). Deterministic: rerunning rewrites the
 * same bytes.
 *
 *   deno run --allow-read --allow-write --allow-ffi --allow-env --allow-sys tests/testdata/plot/make_fixtures.ts
 *
 * @module
 */
import sharp from "sharp";
import { computeMetrics, knnPredict } from "../../../lib/metrics/mod.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";
import type { Random } from "../../../lib/random/keyed_random.ts";

const HERE = new URL(".", import.meta.url).pathname;
const FASHION = "/usr/share/datasets/fashion-mnist";
/** The Fashion-MNIST class names, from the default dataset's label map. */
const FASHION_NAMES: string[] = JSON.parse(
  Deno.readTextFileSync(
    new URL("../../../data/fashion-mnist/label_map.json", import.meta.url),
  ),
).map((entry: { name: string }) => entry.name);

interface RunSpec {
  dir: string;
  classes: number;
  names: (string | null)[];
  ids: string[];
  epochs: number;
  ks: number[];
  trainPerClass: (rng: Random) => number;
  holdoutPerClass: (rng: Random) => number;
  /** runId per stage. */
  runIds: Record<string, string>;
  spread: number;
}

async function gunzip(path: string): Promise<Uint8Array> {
  const stream = (await Deno.open(path)).readable.pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The notebook's show_batch: 4 rows × 3 columns of images titled "Label: n". */
async function batchGrid(first: number): Promise<Uint8Array> {
  const images = await gunzip(`${FASHION}/t10k-images-idx3-ubyte.gz`);
  const labels = await gunzip(`${FASHION}/t10k-labels-idx1-ubyte.gz`);
  const [cell, title, rows, cols] = [112, 22, 4, 3];
  const composites = [];
  const texts: string[] = [];
  for (let i = 0; i < rows * cols; i++) {
    const index = first + i;
    const pixels = images.subarray(16 + index * 784, 16 + (index + 1) * 784);
    const tile = await sharp(pixels, {
      raw: { width: 28, height: 28, channels: 1 },
    })
      .resize(cell, cell, { kernel: "nearest" })
      .png()
      .toBuffer();
    const [r, c] = [Math.floor(i / cols), i % cols];
    composites.push({
      input: tile,
      left: c * cell + 8,
      top: r * (cell + title) + title + 8,
    });
    texts.push(
      `<text x="${c * cell + 8 + cell / 2}" y="${
        r * (cell + title) + 24
      }" text-anchor="middle" font-family="DejaVu Sans" font-size="13">Label: ${
        labels[8 + index]
      }</text>`,
    );
  }
  const [width, height] = [cols * cell + 16, rows * (cell + title) + 16];
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${
      texts.join("")
    }</svg>`;
  const png = await sharp(new TextEncoder().encode(svg))
    .composite(composites)
    .png({ compressionLevel: 9 })
    .toBuffer();
  return new Uint8Array(png);
}

/** The notebook's lrfn: exponential warm-up, sustain, cosine decay. */
function lrfn(epoch: number, epochs: number): number {
  const [start, max, final, rampup, sustain] = [1e-5, 2e-4, 2e-5, 3, 2];
  let lr: number;
  if (epoch < rampup) lr = start + (max + start) * (epoch / rampup) ** 2.5;
  else if (epoch < rampup + sustain) lr = max;
  else {
    const decayEpochs = epochs - rampup - sustain - 1;
    const diff = epoch - rampup - sustain + 1;
    lr = final +
      (max - final) * (Math.cos((diff / decayEpochs) * Math.PI) + 1) / 2;
  }
  return Math.round(lr * 1e8) / 1e8;
}

function gaussian(rng: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) *
    Math.cos(2 * Math.PI * rng.next());
}

async function writeJson(dir: string, name: string, value: unknown) {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/${name}`,
    JSON.stringify(value, null, 2) + "\n",
  );
}

async function makeRun(spec: RunSpec, grid: Uint8Array) {
  const root = `${HERE}${spec.dir}`;
  await Deno.remove(root, { recursive: true }).catch(() => {});
  const rng = keyedRandom(5, spec.dir);
  const { classes } = spec;
  const counts = Array.from({ length: classes }, (_, label) => ({
    label,
    train: spec.trainPerClass(rng),
    holdout: spec.holdoutPerClass(rng),
  }));
  const sum = (key: "train" | "holdout") =>
    counts.reduce((s, c) => s + c[key], 0);
  const dim = 16;
  const centres = Float32Array.from(
    { length: classes * dim },
    () => gaussian(rng),
  );
  const embed = (label: number) =>
    Array.from(
      { length: dim },
      (_, d) => centres[label * dim + d] + spec.spread * gaussian(rng),
    );
  // Embeddings for a subsample (at most 40 train and 20 holdout per class).
  const trainLabels: number[] = [];
  const train: number[] = [];
  const truth: number[] = [];
  const queries: number[] = [];
  for (const c of counts) {
    for (let i = 0; i < Math.min(c.train, 40); i++) {
      trainLabels.push(c.label), train.push(...embed(c.label));
    }
    for (let i = 0; i < Math.min(c.holdout, 20); i++) {
      truth.push(c.label), queries.push(...embed(c.label));
    }
  }
  const q = new Float32Array(queries);
  // The classifier: cosine of each query to each (noisy) class centre.
  const logits = new Float32Array(truth.length * classes);
  for (let i = 0; i < truth.length; i++) {
    const norm = Math.hypot(...q.subarray(i * dim, (i + 1) * dim));
    for (let c = 0; c < classes; c++) {
      const centre = centres.subarray(c * dim, (c + 1) * dim);
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += q[i * dim + d] * centre[d];
      logits[i * classes + c] = dot / norm / Math.hypot(...centre) +
        0.05 * gaussian(rng);
    }
  }
  const ks = [1, 10, 100, 1000];
  const names = spec.names;
  const knn = await knnPredict({
    queries: q,
    train: new Float32Array(train),
    trainLabels,
    dim,
    classes,
    k: 5,
    voting: "sum",
  });
  const metrics = {
    split: "holdout",
    queries: truth.length,
    classes,
    labels: names.map((n, i) => n ?? spec.ids[i]),
    classifier: computeMetrics({ scores: logits, truth, classes, ks, names }),
    knn: {
      ...computeMetrics({
        scores: knn.scores!,
        predictions: knn,
        truth,
        classes,
        ks,
        names,
      }),
      k: knn.k,
      voting: "sum",
    },
  };

  const planned = spec.epochs;
  const lrSchedule = Array.from(
    { length: planned },
    (_, e) => lrfn(e, Math.max(planned, 7)),
  );
  const topk = ks.map((k) => Math.min(k, classes)).filter((k, i, a) =>
    a.indexOf(k) === i
  );
  const epochs = Array.from({ length: spec.epochs }, (_, e) => {
    const progress = 1 - Math.exp(-(e + 1) / 6);
    const accuracy: Record<string, number> = {};
    // Top-1 rises with training; top-k follows as 1 - (1 - top1)^(1 + ln k).
    const top1 = Math.min(0.97, 0.15 + 0.75 * progress + 0.02 * gaussian(rng));
    for (const k of topk) {
      const value = k === classes ? 1 : 1 - (1 - top1) ** (1 + Math.log(k));
      accuracy[String(k)] = Math.round(value * 1e4) / 1e4;
    }
    const seconds = 48 + 4 * rng.next();
    return {
      epoch: e + 1,
      lr: lrSchedule[e],
      loss:
        Math.round((8 * (1 - progress) + 1.1 + 0.15 * gaussian(rng)) * 1e4) /
        1e4,
      accuracy,
      seconds: Math.round(seconds * 10) / 10,
      imagesPerSecond: Math.round((sum("train") / seconds) * 10) / 10,
    };
  });
  const best = epochs.reduce((a, b) => (b.loss < a.loss ? b : a));

  let clock = Date.parse("2026-11-28T09:00:00Z");
  const record = async (
    stage: string,
    durationMs: number,
    summary: Record<string, unknown>,
  ) => {
    const runId = spec.runIds[stage];
    await writeJson(`${root}/${stage}`, "_run.json", {
      stage,
      uses: stage,
      key: `sha256:${
        [...stage].map((ch) => ch.charCodeAt(0).toString(16)).join("").padEnd(
          64,
          "0",
        )
      }`,
      runId,
      startedAt: new Date(clock + (runId === "run-2" ? 86_400_000 : 0))
        .toISOString(),
      durationMs,
      summary,
    });
    clock += durationMs + 1500;
  };

  await writeJson(`${root}/ingest`, "dataset.json", {
    classes,
    records: sum("train") + sum("holdout"),
    splits: { train: sum("train"), holdout: sum("holdout") },
    skipped: 0,
    source: {
      kind: spec.dir === "one_epoch" ? "fashion-mnist" : "synthetic landmarks",
    },
  });
  await writeJson(
    `${root}/ingest`,
    "labels.json",
    names.map((name, label) => ({ label, id: spec.ids[label], name })),
  );
  await writeJson(`${root}/ingest`, "class_counts.json", counts);
  await writeJson(`${root}/ingest`, "report.json", { skipped: [] });
  await record("ingest", 4200, { records: sum("train") + sum("holdout") });

  await writeJson(`${root}/decode`, "decode.json", {
    mode: "materialize",
    imgSize: 64,
  });
  await writeJson(`${root}/decode`, "batch_stats.json", {
    shape: [64, 64, 64, 3],
    mean: 0.12,
    std: 1.03,
    min: -2.1,
    max: 2.6,
    labelMin: 0,
    labelMax: classes - 1,
  });
  await Deno.writeFile(`${root}/decode/batch_grid.png`, grid);
  await record("decode", 21_500, { images: sum("train") + sum("holdout") });

  await writeJson(`${root}/model`, "model_config.json", {
    variant: "efficientnetv2-b0",
    width: 0.5,
    imgSize: 64,
    classes,
    embedding: 512,
    head: { arcface: { s: 30, m: 0.5 } },
    params: {
      total: 1_873_042 + 512 * classes,
      trainable: 1_850_210 + 512 * classes,
    },
  });
  await record("model", 1900, { params: 1_873_042 + 512 * classes });

  await writeJson(`${root}/train`, "history.json", {
    backend: "wasm",
    versions: { tfjs: "4.22.0" },
    batchSize: 64,
    stepsPerEpoch: Math.floor(sum("train") / 64),
    epochsPlanned: planned,
    lrSchedule,
    epochs,
    best: { epoch: best.epoch, loss: best.loss },
  });
  await record(
    "train",
    Math.round(epochs.reduce((s, e) => s + e.seconds, 0) * 1000),
    {
      epochs: epochs.length,
      bestLoss: best.loss,
    },
  );

  await writeJson(`${root}/evaluate`, "metrics.json", metrics);
  await record("evaluate", 38_000, {
    top1: metrics.classifier.topk["1"],
    gap: metrics.classifier.gap,
  });
}

const oneEpochGrid = await batchGrid(0);
const manyEpochsGrid = await batchGrid(12);
await makeRun({
  dir: "one_epoch",
  classes: 10,
  names: FASHION_NAMES,
  ids: FASHION_NAMES.map((_, i) => String(i)),
  epochs: 1,
  ks: [1, 10],
  trainPerClass: () => 600,
  holdoutPerClass: () => 100,
  runIds: {
    ingest: "run-1",
    decode: "run-1",
    model: "run-2",
    train: "run-2",
    evaluate: "run-2",
  },
  spread: 0.9,
}, oneEpochGrid);
await makeRun({
  dir: "many_epochs",
  classes: 120,
  names: Array.from({ length: 120 }, () => null),
  ids: Array.from({ length: 120 }, (_, i) => String(1000 + i * 617)),
  epochs: 30,
  ks: [1, 10, 100, 1000],
  trainPerClass: (rng) => 20 + Math.floor(80 * rng.next() ** 2),
  holdoutPerClass: (rng) => 5 + rng.int(10),
  runIds: {
    ingest: "run-7",
    decode: "run-7",
    model: "run-7",
    train: "run-7",
    evaluate: "run-7",
  },
  spread: 0.8,
}, manyEpochsGrid);
