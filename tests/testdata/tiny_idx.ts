/**
 * A tiny labelled image set as IDX files (the Fashion-MNIST format ingest
 * reads with `source: { idx: <dir> }`): 160 train and 40 test 28×28 grey
 * images of four seeded patterns, enough for a real ingest → decode →
 * model → train → evaluate pipeline that runs in seconds.
 *
 * @module
 */

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 8, dims.length]); // unsigned bytes, dims.length dimensions
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/** Writes the train and t10k image and label files into `dir` (created). */
export async function writeTinyIdx(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const [prefix, n] of [["train", 160], ["t10k", 40]] as const) {
    const images = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 4;
      labels[i] = c;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const on = c === 0
            ? x < 14
            : c === 1
            ? y < 14
            : c === 2
            ? (x + y) % 8 < 4
            : Math.abs(x - 14) + Math.abs(y - 14) < 8;
          images[i * 784 + y * 28 + x] = (on ? 200 : 30) +
            Math.floor(random() * 50);
        }
      }
    }
    await Deno.writeFile(
      `${dir}/${prefix}-images-idx3-ubyte`,
      idx([n, 28, 28], images),
    );
    await Deno.writeFile(
      `${dir}/${prefix}-labels-idx1-ubyte`,
      idx([n], labels),
    );
  }
}
