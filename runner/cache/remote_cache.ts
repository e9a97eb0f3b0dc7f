/**
 * A remote cache over HTTP, laid out as Bazel's HTTP remote cache is:
 * `cas/<digest>` holds content-addressed objects (files and manifests) and
 * `ac/<key>` holds action results (here, run records), read with GET and
 * HEAD and written with PUT, so any WebDAV-capable server works (nginx's
 * dav module, a bucket behind a proxy). Every object is hashed as it
 * downloads and enters the store only when its digest matches; a bearer
 * token, when given, goes in the Authorization header and nowhere else.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import type { Digest } from "./digest.ts";
import type { Store } from "./store.ts";

/** What went wrong with the remote cache. */
export type RemoteFailure =
  /** The server could not be reached, or failed (5xx), or went away mid-transfer. */
  | "unreachable"
  /** The server refused the request (401, 403, 405, …). */
  | "refused"
  /** An object's content does not match its digest, or a record is not a valid one. */
  | "corrupt"
  /** A record names an object the server does not have. */
  | "missing";

/** A remote cache request failed. */
export class RemoteCacheError extends HintedError {
  override name = "RemoteCacheError";
  constructor(
    message: string,
    readonly failure: RemoteFailure,
    options: { hint?: string; cause?: unknown; digest?: Digest } = {},
  ) {
    super(message, { hint: options.hint, cause: options.cause });
    this.digest = options.digest;
  }
  /** The object's digest, when one object is at fault. */
  readonly digest?: Digest;
}

/** Options of {@linkcode RemoteCache}. */
export interface RemoteCacheOptions {
  /** The base URL; `cas/` and `ac/` go below it. */
  url: string;
  /** A bearer token, if the server wants one. */
  token?: string;
  /** The environment variable the token came from (named in hints). */
  tokenEnv?: string;
  /** Objects pulled or pushed at once. @default 8 */
  concurrency?: number;
  /** Longest a HEAD or a record request may take. @default 30 s */
  requestTimeoutMs?: number;
}

type CreateHash = typeof import("node:crypto").createHash;

/** A client of one remote cache. */
export class RemoteCache {
  /** The base URL without credentials, for messages and records. */
  readonly displayUrl: string;
  /** Objects moved at once. */
  readonly concurrency: number;
  #base: string;
  #headers: Record<string, string>;
  #tokenEnv?: string;
  #timeoutMs: number;
  #createHash?: Promise<CreateHash>;

  constructor(options: RemoteCacheOptions) {
    const url = new URL(
      options.url.endsWith("/") ? options.url : `${options.url}/`,
    );
    const headers: Record<string, string> = {};
    if (url.username || url.password) {
      headers.Authorization = `Basic ${
        btoa(
          `${decodeURIComponent(url.username)}:${
            decodeURIComponent(url.password)
          }`,
        )
      }`;
      url.username = "";
      url.password = "";
    }
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    this.#base = url.href;
    this.displayUrl = url.href.replace(/\/$/, "");
    this.#headers = headers;
    this.#tokenEnv = options.tokenEnv;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.concurrency = options.concurrency ?? 8;
  }

  /** True when the server has object `digest`. */
  async hasObject(digest: Digest): Promise<boolean> {
    return await this.#exists(`cas/${digest}`);
  }

  /** True when the server has a record for `key`. */
  async hasRecord(key: Digest): Promise<boolean> {
    return await this.#exists(`ac/${key}`);
  }

  /**
   * Downloads object `digest` into `store`, hashing it on the way; it
   * enters the store only when its digest matches.
   *
   * @throws {RemoteCacheError} naming the digest when it is missing, corrupt or truncated.
   */
  async pullObject(store: Store, digest: Digest): Promise<void> {
    if (store.has(digest)) return;
    const path = `cas/${digest}`;
    const response = await this.#request("GET", path);
    if (response.status === 404) {
      await response.body?.cancel();
      throw new RemoteCacheError(
        `Cannot pull object ${digest} from the remote cache ${this.displayUrl}: the server does not have it`,
        "missing",
        {
          digest,
          hint:
            "a record on the server names an object it lacks (a partial push, or objects removed by hand); the stage runs here and its push restores it",
        },
      );
    }
    await this.#check(response, "pull", path);
    const hash = (await this.#hash())("sha256");
    const dir = `${store.root}/${digest.slice(0, 2)}`;
    await Deno.mkdir(dir, { recursive: true });
    const temp = `${dir}/.tmp-pull-${Deno.pid}-${
      crypto.randomUUID().slice(0, 8)
    }`;
    let sizeBytes = 0;
    try {
      const file = await Deno.open(temp, { createNew: true, write: true });
      try {
        for await (const chunk of response.body!) {
          hash.update(chunk);
          sizeBytes += chunk.length;
          let done = 0;
          while (done < chunk.length) {
            done += await file.write(chunk.subarray(done));
          }
        }
      } catch (error) {
        throw this.#unreachable(error, `pull ${path} from`);
      } finally {
        file.close();
      }
      const got = hash.digest("hex");
      if (got !== digest) {
        throw new RemoteCacheError(
          `Cannot use object ${digest} from the remote cache ${this.displayUrl}: its ${sizeBytes} bytes hash to ${got}`,
          "corrupt",
          {
            digest,
            hint:
              "the object on the server is corrupt or truncated, so it is not used; the stage runs here and its push replaces the object",
          },
        );
      }
      await Deno.chmod(temp, 0o444);
      await Deno.rename(temp, store.objectPath(digest));
    } finally {
      await Deno.remove(temp).catch(() => {});
    }
  }

  /**
   * Downloads a small object (a manifest) and returns its bytes, checked
   * against its digest.
   *
   * @throws {RemoteCacheError} naming the digest when it is missing or corrupt.
   */
  async pullBytes(store: Store, digest: Digest): Promise<Uint8Array> {
    await this.pullObject(store, digest);
    return await store.read(digest);
  }

  /**
   * Uploads the object at `path` as `digest` unless the server has it
   * (`replace` uploads it anyway: a corrupt copy was found there).
   */
  async pushObject(
    digest: Digest,
    path: string,
    replace = false,
  ): Promise<void> {
    const target = `cas/${digest}`;
    if (!replace && await this.#exists(target)) return;
    const file = await Deno.open(path, { read: true });
    let response: Response;
    try {
      const { size } = await file.stat();
      response = await this.#request("PUT", target, {
        body: file.readable,
        headers: { "Content-Length": String(size) },
      });
    } catch (error) {
      try {
        file.close();
      } catch { /* the stream closed it */ }
      throw error;
    }
    await this.#check(response, "push", target);
    await response.body?.cancel();
  }

  /** Reads the record of `key`; undefined when the server has none. */
  async pullRecord(key: Digest): Promise<unknown> {
    const path = `ac/${key}`;
    const response = await this.#request("GET", path, {
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    await this.#check(response, "pull", path);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.#unreachable(error, `pull ${path} from`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RemoteCacheError(
        `Cannot use the record of ${key} from the remote cache ${this.displayUrl}: it is not JSON`,
        "corrupt",
        {
          hint:
            "the record on the server is damaged; the stage runs here and its push replaces it",
        },
      );
    }
  }

  /** Writes the record of `key` (last, after its objects). */
  async pushRecord(key: Digest, json: string): Promise<void> {
    const path = `ac/${key}`;
    const response = await this.#request("PUT", path, {
      body: json,
      headers: { "Content-Type": "application/json" },
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    await this.#check(response, "push", path);
    await response.body?.cancel();
  }

  async #exists(path: string): Promise<boolean> {
    const response = await this.#request("HEAD", path, {
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    await response.body?.cancel();
    if (response.status === 404) return false;
    await this.#check(response, "look up", path);
    return true;
  }

  async #request(
    method: string,
    path: string,
    init: {
      body?: BodyInit;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<Response> {
    try {
      return await fetch(`${this.#base}${path}`, {
        method,
        body: init.body,
        headers: { ...this.#headers, ...init.headers },
        signal: init.signal,
      });
    } catch (error) {
      throw this.#unreachable(error, `${verbOf(method)} ${path} on`);
    }
  }

  async #check(response: Response, verb: string, path: string): Promise<void> {
    if (response.ok) return;
    await response.body?.cancel().catch(() => {});
    const status = `${response.status} ${response.statusText}`.trim();
    const what =
      `Cannot ${verb} ${path} on the remote cache ${this.displayUrl}: the server answered ${status}`;
    if (response.status === 401 || response.status === 403) {
      throw new RemoteCacheError(what, "refused", {
        hint: this.#tokenEnv
          ? `set ${this.#tokenEnv} to a token the server accepts (remote.token_env in the pipeline file)`
          : "the server wants a token: name the environment variable that holds it under remote.token_env in the pipeline file",
      });
    }
    if (response.status >= 500) {
      throw new RemoteCacheError(what, "unreachable", {
        hint: "the server failed; the run goes on without it",
      });
    }
    throw new RemoteCacheError(what, "refused", {
      hint: response.status === 405
        ? "the server does not take PUT: enable WebDAV (nginx: dav_methods PUT; create_full_put_path on;), or make the remote read_only"
        : "check the remote cache's URL and its server's configuration",
    });
  }

  #unreachable(error: unknown, what: string): RemoteCacheError {
    if (error instanceof RemoteCacheError) return error;
    const cause = error instanceof Error && error.cause instanceof Error
      ? `: ${error.cause.message}`
      : "";
    const reason = error instanceof Error
      ? `${error.message}${cause}`
      : String(error);
    return new RemoteCacheError(
      `Cannot ${what} the remote cache ${this.displayUrl}: ${
        reason.replace(/\s+/g, " ").slice(0, 300)
      }`,
      "unreachable",
      {
        cause: error,
        hint:
          "check that the server is up and the URL under remote: in the pipeline file",
      },
    );
  }

  #hash(): Promise<CreateHash> {
    return this.#createHash ??= import("node:crypto").then((m) => m.createHash);
  }
}

function verbOf(method: string): string {
  return method === "PUT" ? "push" : method === "HEAD" ? "look up" : "pull";
}

/** Runs `work` over `items`, at most `concurrency` at once; the first error wins after all settle. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, worker),
  );
  if (failure !== undefined) throw failure;
}
