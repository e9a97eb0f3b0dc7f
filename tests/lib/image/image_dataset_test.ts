import assert from "node:assert/strict";
import {
  type Batch,
  type ImageDataset,
  openImageDataset,
} from "../../../lib/image/image_dataset.ts";
import { batchDigest } from "../../testdata/batch_digest.ts";
import {
  makeDecodeDir,
  makeIngestDir,
} from "../../testdata/dataset_fixtures.ts";
import { tempDir } from "../../testdata/temp_dir.ts";
import { availableJpegDecoder } from "../../../lib/image/jpeg_decoder.ts";
import { nativePackageDirs } from "../../../runner/child/native_packages.ts";
import { PROJECT_ROOT } from "../../../runner/paths.ts";

const root = await tempDir("image_dataset_test_");
const ingestDir = await makeIngestDir(root);
const S = 16;
const materialized = await makeDecodeDir(ingestDir, `${root}/materialize`, {
  mode: "materialize",
  imgSize: S,
});
const streamed = await makeDecodeDir(ingestDir, `${root}/stream`, {
  mode: "stream",
  imgSize: S,
  decoder: "sharp",
});
// The fast JPEG path: libturbojpeg in workers, sharp for the fixtures' PNGs, CMYK and EXIF-rotated JPEGs.
const turbo = availableJpegDecoder() === "turbojpeg"
  ? await makeDecodeDir(ingestDir, `${root}/turbo`, {
    mode: "stream",
    imgSize: S,
    decoder: "turbojpeg",
  })
  : undefined;
if (!turbo) {
  console.warn(
    "Skipping the libturbojpeg stream-mode tests: libturbojpeg cannot be loaded (apt-get install libturbojpeg0)",
  );
}

async function collect(
  dataset: ImageDataset,
  options: Parameters<ImageDataset["batches"]>[0],
): Promise<Batch[]> {
  return await Array.fromAsync(dataset.batches(options));
}

for (
  const [mode, dir] of [
    ["materialize", materialized],
    ["stream", streamed],
    ...(turbo ? [["stream", turbo] as const] : []),
  ] as const
) {
  const name = dir === turbo ? `${mode}, libturbojpeg` : mode;
  Deno.test(`openImageDataset() (${name}) reports size, classes and split counts`, async () => {
    const data = await openImageDataset(dir);
    assert.equal(data.mode, mode);
    assert.equal(data.imgSize, S);
    assert.equal(data.classes, 3);
    assert.deepEqual(data.counts, { train: 24, holdout: 6 }); // 10 per class, 2 held out each
    assert.deepEqual([...data.recordLabels("holdout")].sort(), [
      0,
      0,
      1,
      1,
      2,
      2,
    ]);
    await data.close();
  });

  Deno.test(`batches() (${name}) drops the remainder in train mode and shuffles by epoch`, async () => {
    const data = await openImageDataset(dir);
    assert.equal(data.stepsPerEpoch({ split: "train", batchSize: 5 }), 4);
    const epoch0 = await collect(data, {
      split: "train",
      epoch: 0,
      batchSize: 5,
      seed: 1,
    });
    assert.deepEqual(epoch0.map((b) => [b.step, b.size]), [[0, 5], [1, 5], [
      2,
      5,
    ], [3, 5]]);
    for (const b of epoch0) {
      assert.equal(b.images.length, 5 * S * S * 3);
      assert.ok(b.images.every(Number.isFinite));
      const labels = data.recordLabels("train");
      const ids = data.recordIds("train");
      b.records.forEach((id, k) =>
        assert.equal(b.labels[k], labels[ids.indexOf(id)])
      );
    }
    const seen = epoch0.flatMap((b) => [...b.records]);
    assert.equal(new Set(seen).size, 20);
    const train = new Set(data.recordIds("train"));
    assert.ok(seen.every((id) => train.has(id)));
    const epoch1 = await collect(data, {
      split: "train",
      epoch: 1,
      batchSize: 5,
      seed: 1,
    });
    assert.notDeepEqual(
      epoch1.map((b) => [...b.records]),
      epoch0.map((b) => [...b.records]),
    );
    await data.close();
  });

  Deno.test(`batches() (${name}) in eval mode keeps index order, centre crops and the remainder`, async () => {
    const data = await openImageDataset(dir);
    const batches = await collect(data, {
      split: "holdout",
      epoch: 3,
      batchSize: 4,
      seed: 1,
    });
    assert.deepEqual(batches.map((b) => b.size), [4, 2]);
    assert.deepEqual(batches.flatMap((b) => [...b.records]), [
      ...data.recordIds("holdout"),
    ]);
    const again = await collect(data, {
      split: "holdout",
      epoch: 9,
      batchSize: 4,
      seed: 5,
    });
    assert.deepEqual(
      again.map(batchDigest),
      batches.map(batchDigest),
      "eval ignores epoch and seed",
    );
    await data.close();
  });

  Deno.test(`batches() (${name}) re-creates a step exactly from startStep`, async () => {
    const data = await openImageDataset(dir);
    const all = await collect(data, {
      split: "train",
      epoch: 2,
      batchSize: 6,
      seed: 3,
    });
    const resumed = await collect(data, {
      split: "train",
      epoch: 2,
      batchSize: 6,
      seed: 3,
      startStep: 2,
    });
    assert.deepEqual(resumed.map(batchDigest), all.slice(2).map(batchDigest));
    assert.equal(resumed[0].step, 2);
    await data.close();
  });

  Deno.test(`batches() (${name}) gives identical batches for the same (seed, epoch) in two separate processes`, async () => {
    const data = await openImageDataset(dir);
    const here = (await collect(data, {
      split: "train",
      epoch: 4,
      batchSize: 7,
      seed: 11,
    })).map(batchDigest);
    await data.close();
    const script =
      new URL("../../testdata/batch_digest.ts", import.meta.url).pathname;
    // Different concurrency and prefetch must not change the result.
    const children = await Promise.all(
      [["1", "0"], ["8", "3"]].map(async ([concurrency, prefetch]) => {
        const { code, stdout, stderr } = await new Deno.Command(
          Deno.execPath(),
          {
            args: [
              "run",
              "-A",
              script,
              dir,
              "11",
              "4",
              "7",
              "train",
              concurrency,
              prefetch,
            ],
            stdout: "piped",
            stderr: "piped",
          },
        ).output();
        assert.equal(code, 0, new TextDecoder().decode(stderr));
        return JSON.parse(new TextDecoder().decode(stdout)) as string[];
      }),
    );
    assert.equal(here.length, 3);
    assert.deepEqual(children[0], here);
    assert.deepEqual(children[1], here);
  });
}

Deno.test("batches() gives the same pixels in materialize and stream mode for square sources and centre crops", async () => {
  const m = await openImageDataset(materialized);
  const s = await openImageDataset(streamed);
  const options = {
    split: "train" as const,
    epoch: 0,
    batchSize: 24,
    seed: 1,
    mode: "eval" as const,
  };
  const [bm] = await collect(m, options);
  const [bs] = await collect(s, options);
  assert.deepEqual(bm.records, bs.records);
  // Records 2, 7, 12… are 48x48 (sizes cycle every 5): no crop, same resize in both modes.
  const k = [...bm.records].findIndex((id) => id % 5 === 2);
  assert.ok(k >= 0);
  const per = S * S * 3;
  assert.deepEqual(
    bm.images.subarray(k * per, (k + 1) * per),
    bs.images.subarray(k * per, (k + 1) * per),
  );
  // Other records differ only by resize-then-crop vs crop-then-resize rounding.
  let diff = 0;
  for (let i = 0; i < bm.images.length; i++) {
    diff += Math.abs(bm.images[i] - bs.images[i]);
  }
  assert.ok(
    diff / bm.images.length < 0.1,
    `mean abs difference ${diff / bm.images.length}`,
  );
  await m.close();
  await s.close();
});

Deno.test({
  name:
    "batches() with libturbojpeg stays close to sharp's pixels and decodes the same in this thread and in workers",
  ignore: turbo === undefined,
  async fn() {
    const options = {
      split: "train" as const,
      epoch: 2,
      batchSize: 24,
      seed: 3,
    };
    const viaSharp = await openImageDataset(streamed);
    const [bs] = await collect(viaSharp, options);
    await viaSharp.close();
    const batches = [];
    for (const workers of [1, 2]) {
      const fast = await openImageDataset(turbo!, { workers });
      batches.push((await collect(fast, options))[0]);
      await fast.close();
    }
    assert.deepEqual(batches[1], batches[0]);
    const bt = batches[0];
    assert.deepEqual(bt.records, bs.records);
    let diff = 0;
    for (let i = 0; i < bs.images.length; i++) {
      diff += Math.abs(bs.images[i] - bt.images[i]);
    }
    // Normalised units (1/255/std ≈ 0.017 a level): a few levels on average.
    assert.ok(
      diff / bs.images.length < 0.1,
      `mean abs difference ${diff / bs.images.length}`,
    );
  },
});

Deno.test("openImageDataset() notes once that libturbojpeg cannot be loaded, and decodes with sharp as before", async () => {
  const dir = turbo ??
    await makeDecodeDir(ingestDir, `${root}/turbo-missing`, {
      mode: "stream",
      imgSize: S,
      decoder: "turbojpeg",
    });
  const viaSharp = await openImageDataset(streamed);
  const expected = (await collect(viaSharp, {
    split: "train",
    epoch: 1,
    batchSize: 8,
    seed: 4,
  })).map(batchDigest);
  await viaSharp.close();
  // A process allowed sharp's addon but not libturbojpeg: as on a machine without it.
  const script =
    new URL("../../testdata/batch_digest.ts", import.meta.url).pathname;
  const sharpDirs = nativePackageDirs(`${PROJECT_ROOT}/node_modules/.deno`, [
    "@img/sharp-linux-x64",
  ]);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-env=npm_package_config_libvips,MALLOC_ARENA_MAX",
      `--allow-ffi=${sharpDirs.join(",")}`,
      script,
      ...[dir, "4", "1", "8", "train", "4", "2"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), expected);
  const notes = err.split("\n").filter((l) => l.startsWith("note: "));
  assert.equal(notes.length, 1, err);
  assert.match(
    notes[0],
    /libturbojpeg cannot be loaded here: .* decoded with sharp/,
  );
});

Deno.test("batches() with reuseBuffers recycles image buffers without changing the batches", async () => {
  const data = await openImageDataset(streamed);
  const options = {
    split: "train" as const,
    epoch: 1,
    batchSize: 3,
    seed: 2,
    prefetch: 1,
  };
  const fresh = (await collect(data, options)).map(batchDigest);
  const digests: string[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for await (const batch of data.batches({ ...options, reuseBuffers: true })) {
    digests.push(batchDigest(batch)); // consumed before asking for the next
    buffers.add(batch.images.buffer);
  }
  assert.deepEqual(digests, fresh);
  assert.equal(fresh.length, 8);
  assert.equal(
    buffers.size,
    2,
    "prefetch 1: the consumer's buffer and one being filled",
  );
  await data.close();
});

Deno.test("batches() rejects a batch size that is not a positive integer", async () => {
  const data = await openImageDataset(materialized);
  await assert.rejects(
    collect(data, { split: "train", epoch: 0, batchSize: 0, seed: 1 }),
    RangeError,
  );
  await data.close();
});

Deno.test("batches() with augment re-creates an epoch exactly, differs across epochs, and leaves eval batches alone", async () => {
  const augment = {
    flip: true,
    scale: [0.35, 1] as [number, number],
    ratio: [0.75, 4 / 3] as [number, number],
    jitter: 0.2,
  };
  const dir = await makeDecodeDir(ingestDir, `${root}/augmented`, {
    mode: "materialize",
    imgSize: S,
    augment,
  });
  const data = await openImageDataset(dir);
  const plain = await openImageDataset(materialized);
  try {
    const train = (d: ImageDataset, epoch: number) =>
      collect(d, { split: "train", epoch, batchSize: 8, seed: 3 });
    const a = await train(data, 1);
    const b = await train(data, 1);
    assert.deepEqual(a.map((x) => x.images), b.map((x) => x.images));
    const c = await train(data, 2);
    assert.notDeepEqual(a[0].images, c[0].images);
    // Same records per step as without augmentation: only pixels change.
    const unaugmented = await train(plain, 1);
    assert.deepEqual(
      a.map((x) => x.records),
      unaugmented.map((x) => x.records),
    );
    assert.notDeepEqual(a[0].images, unaugmented[0].images);
    const evaluate = (d: ImageDataset) =>
      collect(d, { split: "holdout", epoch: 0, batchSize: 8, seed: 3 });
    assert.deepEqual(
      (await evaluate(data)).map((x) => x.images),
      (await evaluate(plain)).map((x) => x.images),
    );
  } finally {
    await data.close();
    await plain.close();
  }
});
