/**
 * One run's use of the remote cache: pulls a stage's run on a local miss,
 * pushes what the run ran (unless the remote is read-only), and keeps the
 * run going without the remote when it goes away: the first failure to
 * reach it (or a refusal) is one warning, after which stages run here and
 * nothing more is pushed. A corrupt object is never used: it is a warning
 * naming its digest, the stage runs here, and the push replaces the
 * server's copy.
 *
 * @module
 */
import type { Digest } from "../cache/digest.ts";
import { pullRun } from "../cache/pull_run.ts";
import { pushRun } from "../cache/push_run.ts";
import { RemoteCache, RemoteCacheError } from "../cache/remote_cache.ts";
import { readRunRecord } from "../cache/run_record.ts";
import type { Store } from "../cache/store.ts";
import type { Pipeline } from "../pipeline/load_pipeline.ts";
import type { RunReporter } from "./run_reporter.ts";

/** The remote cache as one run uses it. */
export class RemoteSession {
  /** The client. */
  readonly remote: RemoteCache;
  /** Pull only, never push. */
  readonly readOnly: boolean;
  #reporter: RunReporter;
  #down?: string;
  #pushes: Promise<void>[] = [];
  #replace = new Set<Digest>();

  constructor(remote: RemoteCache, readOnly: boolean, reporter: RunReporter) {
    this.remote = remote;
    this.readOnly = readOnly;
    this.#reporter = reporter;
  }

  /** True while the remote has not failed this run. */
  get usable(): boolean {
    return this.#down === undefined;
  }

  /**
   * Pulls the run of `key` into the local cache; false when the remote has
   * none, cannot give a whole and valid one, or is gone.
   */
  async pull(
    stage: string,
    key: Digest,
    local: { cacheDir: string; store: Store },
  ): Promise<boolean> {
    if (!this.usable) return false;
    try {
      return (await pullRun(this.remote, key, local)) !== undefined;
    } catch (error) {
      if (!(error instanceof RemoteCacheError)) throw error;
      if (error.failure === "corrupt" || error.failure === "missing") {
        if (error.digest) this.#replace.add(error.digest);
        this.#reporter.warn(
          `stage "${stage}" was not taken from the remote cache: ${error.message}; it runs here instead`,
        );
        return false;
      }
      this.#fail(error);
      return false;
    }
  }

  /** True when the remote has a record of `key` (false when it cannot say). */
  async has(key: Digest): Promise<boolean> {
    if (!this.usable) return false;
    try {
      return await this.remote.hasRecord(key);
    } catch (error) {
      if (!(error instanceof RemoteCacheError)) throw error;
      this.#fail(error);
      return false;
    }
  }

  /** Pushes the run of `key` in the background (see {@linkcode flush}). */
  push(key: Digest, cacheDir: string, store: Store): void {
    if (this.readOnly || !this.usable) return;
    this.#pushes.push((async () => {
      const record = await readRunRecord(cacheDir, key);
      if (!record || !this.usable) return;
      try {
        await pushRun(this.remote, record, store, this.#replace);
      } catch (error) {
        if (error instanceof RemoteCacheError) this.#fail(error);
        else {
          // The stage's result stands; only sharing it failed.
          this.#reporter.warn(
            `stage "${record.facets.stage}" was not pushed: ${
              (error as Error).message
            }`,
          );
        }
      }
    })());
  }

  /** Waits for every push started. */
  async flush(): Promise<void> {
    await Promise.all(this.#pushes);
  }

  #fail(error: RemoteCacheError): void {
    if (this.#down !== undefined) return;
    this.#down = error.message;
    this.#reporter.warn(
      `${error.message}; ${
        error.failure === "refused" && error.hint ? `${error.hint}; ` : ""
      }stages that are not cached here run here, and nothing more is pushed in this run`,
    );
  }
}

/**
 * The remote session of a run of `pipeline`, or undefined without a remote.
 * Its token comes from the environment variable the pipeline file names.
 */
export function openRemoteSession(
  pipeline: Pipeline,
  reporter: RunReporter,
): RemoteSession | undefined {
  const config = pipeline.remote;
  if (!config) return undefined;
  const token = config.tokenEnv ? Deno.env.get(config.tokenEnv) : undefined;
  if (config.tokenEnv && token === undefined) {
    reporter.warn(
      `${config.tokenEnv} is not set: the remote cache is used without a token`,
    );
  }
  return new RemoteSession(
    new RemoteCache({ url: config.url, token, tokenEnv: config.tokenEnv }),
    config.readOnly,
    reporter,
  );
}
