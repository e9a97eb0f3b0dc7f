/**
 * The landmark-retrieval benchmark: `pipelines/landmarks.yaml` on a
 * landmark-style folder (by default the benchmark `deno task data:landmarks`
 * builds from Debian's photos), next to its PyTorch peer
 * (`bench/peers/landmark_peer.py`, Debian's python3-torch) trained with the
 * same recipe on the same split in the same run: holdout top-1, kNN top-1,
 * GAP and wall time for each.
 *
 * Options: --data DIR (data/landmarks), --holdout test|val (test: the
 * untouched final part; val is for choosing a recipe), --peer-only,
 * --ours-only, --python (/usr/bin/python3).
 *
 * @module
 */
import { parse } from "yaml";
import { parseCliArgs } from "../cli/parse_args.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const { values: args } = parseCliArgs(Deno.args, {
  data: { type: "string", default: `${ROOT}/data/landmarks` },
  holdout: { type: "string", default: "test" },
  "peer-only": { type: "boolean" },
  "ours-only": { type: "boolean" },
  python: { type: "string", default: "/usr/bin/python3" },
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (!(await exists(`${args.data}/train.csv`))) {
  console.error(
    `Cannot run the landmarks benchmark: "${args.data}" holds no train.csv.
  Build the benchmark first (about 1.5 minutes, needs Debian's tuxpaint-stamps-default,
  plasma-workspace-wallpapers, palapeli-data, python3-skimage and python3-sklearn):
    deno task data:landmarks --size full --out data/landmarks
  or give --data <a Google-Landmarks-style folder with train.csv and ${args.holdout}.csv>.`,
  );
  Deno.exit(2);
}
if (args.holdout !== "test" && args.holdout !== "val") {
  console.error(`Cannot use --holdout ${args.holdout}: choose test or val`);
  Deno.exit(2);
}

const recipe = parse(
  await Deno.readTextFile(`${ROOT}/pipelines/landmarks.yaml`),
) as {
  stages: Record<string, { with?: Record<string, unknown> }>;
};
const decode = recipe.stages.decode.with ?? {};
const model = recipe.stages.model.with ?? {};
const train = recipe.stages.train.with ?? {};

/** The peer's flags for the recipe in pipelines/landmarks.yaml (the same params, in torch). */
function peerFlags(): string[] {
  const flags = [
    args.data,
    "--holdout",
    args.holdout,
    "--img-size",
    String(decode.img_size),
    "--epochs",
    String(train.epochs),
    "--batch",
    String(train.batch_size),
    "--dropout",
    String(model.dropout ?? 0),
    "--threads",
    "2",
  ];
  if (model.drop_path !== undefined) {
    flags.push("--drop-path", String(model.drop_path));
  }
  const lr = train.lr as Record<string, number>;
  flags.push(
    "--lr-start",
    String(lr.start),
    "--lr-max",
    String(lr.max),
    "--lr-final",
    String(lr.final),
    "--rampup-epochs",
    String(lr.rampup_epochs),
    "--sustain-epochs",
    String(lr.sustain_epochs),
    "--exponent",
    String(lr.exponent ?? 2.5),
  );
  const head = model.head as Record<string, Record<string, number>>;
  if (head.arcface) {
    flags.push("--head", "arcface", "--s", String(head.arcface.s ?? 30));
    flags.push("--m", String(head.arcface.m ?? 0.5));
    const warmup = train.margin_warmup as
      | { hold_epochs?: number; ramp_epochs?: number }
      | false
      | undefined;
    if (warmup) {
      flags.push("--margin-hold", String(warmup.hold_epochs ?? 0));
      flags.push("--margin-warmup", String(warmup.ramp_epochs ?? 5));
    }
  } else flags.push("--head", "softmax");
  if (model.neck) flags.push("--neck", String(model.neck));
  const pooling = model.pooling as
    | { gem?: { p?: number } }
    | string
    | undefined;
  if (typeof pooling === "object" && pooling.gem) {
    flags.push("--gem", String(pooling.gem.p ?? 3));
  }
  if (train.label_smoothing) {
    flags.push("--label-smoothing", String(train.label_smoothing));
  }
  const augment = decode.augment as
    | { flip?: boolean; scale?: [number, number]; jitter?: number }
    | false
    | undefined;
  if (augment) {
    if (augment.flip !== false) flags.push("--flip");
    flags.push("--rrc-scale", String(augment.scale?.[0] ?? 0.35));
    flags.push("--jitter", String(augment.jitter ?? 0.2));
  }
  return flags;
}

interface Row {
  name: string;
  top1: number;
  knnTop1: number;
  gap: number;
  knnGap: number;
  seconds: number;
}

async function runOurs(): Promise<Row> {
  const dir = await Deno.makeTempDir({ prefix: "landmarks-bench-" });
  const yaml = (await Deno.readTextFile(`${ROOT}/pipelines/landmarks.yaml`))
    .replace(/landmarks: [^,}\n]+/, `landmarks: ${args.data}`)
    .replace(/test: [a-z]+\.csv/, `test: ${args.holdout}.csv`);
  await Deno.writeTextFile(`${dir}/pipeline.yaml`, yaml);
  const started = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}/main.ts`, "run", "pipeline.yaml"],
    cwd: dir,
    env: { NO_COLOR: "1" },
  }).output();
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    throw new Error(
      `pipelines/landmarks.yaml failed:\n${new TextDecoder().decode(stdout)}${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
  const metrics = JSON.parse(
    await Deno.readTextFile(`${dir}/outputs/evaluate/metrics.json`),
  );
  await new Deno.Command("chmod", { args: ["-R", "u+w", dir] }).output();
  await Deno.remove(dir, { recursive: true });
  return {
    name: "ours (pipelines/landmarks.yaml)",
    top1: metrics.classifier.topk["1"],
    knnTop1: metrics.knn?.topk["1"] ?? NaN,
    gap: metrics.classifier.gap,
    knnGap: metrics.knn?.gap ?? NaN,
    seconds,
  };
}

async function runPeer(): Promise<Row> {
  const started = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(args.python, {
    args: [`${ROOT}/bench/peers/landmark_peer.py`, ...peerFlags()],
    env: { OMP_WAIT_POLICY: "PASSIVE" },
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const out = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !out.startsWith("{")) {
    throw new Error(
      `the PyTorch peer failed (needs Debian's python3-torch, python3-pil, python3-numpy):\n${
        new TextDecoder().decode(stderr).slice(-2000)
      }`,
    );
  }
  const result = JSON.parse(out);
  return {
    name: "PyTorch peer (same recipe)",
    top1: result.top1,
    knnTop1: result.knn_top1,
    gap: result.gap,
    knnGap: result.knn_gap,
    seconds,
  };
}

const rows: Row[] = [];
console.log(
  `landmarks benchmark: ${args.data}, holdout ${args.holdout}, recipe pipelines/landmarks.yaml`,
);
console.log(
  `peer: ${args.python} bench/peers/landmark_peer.py ${peerFlags().join(" ")}`,
);
if (!args["peer-only"]) rows.push(await runOurs());
if (!args["ours-only"]) rows.push(await runPeer());
const pct = (v: number) => Number.isNaN(v) ? "—" : `${(100 * v).toFixed(1)}%`;
console.log(
  "\n| run | holdout top-1 | kNN top-1 | GAP | kNN GAP | wall time |\n|---|---|---|---|---|---|",
);
for (const r of rows) {
  console.log(
    `| ${r.name} | ${pct(r.top1)} | ${pct(r.knnTop1)} | ${r.gap.toFixed(3)} | ${
      r.knnGap.toFixed(3)
    } | ${Math.round(r.seconds)} s |`,
  );
}
