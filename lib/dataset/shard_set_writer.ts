/**
 * Writes records into numbered TFRecord shards of at most N records each
 * (`<prefix>-00000.tfrecords`, …), as the Kaggle TFRecord sets did with 3,000.
 *
 * @module
 */
import { TfRecordWriter } from "../tfrecord/tfrecord_writer.ts";

/** Where a record went. */
export interface ShardedRecord {
  /** Shard number, counted across all prefixes of this writer. */
  shard: number;
  /** Byte offset in the shard. */
  offset: number;
  /** Data bytes. */
  length: number;
}

/** Writes shards under `dir`; {@linkcode ShardSetWriter.shards} names them as the artifact will (`asDir/…`). */
export class ShardSetWriter {
  readonly #dir: string;
  readonly #asDir: string;
  readonly #perShard: number;
  readonly #names: string[] = [];
  #writer: TfRecordWriter | undefined;
  #prefix = "";
  #inShard = 0;
  #partShards = 0;

  /**
   * @param dir the directory to write into (absolute)
   * @param asDir the same directory as named in the artifact (e.g. "shards")
   * @param recordsPerShard records per shard
   */
  constructor(dir: string, asDir: string, recordsPerShard: number) {
    this.#dir = dir;
    this.#asDir = asDir;
    this.#perShard = recordsPerShard;
  }

  /** The shard names written so far, relative to the artifact. */
  get shards(): string[] {
    return [...this.#names];
  }

  /** Appends a record to the current shard of `prefix` (a new prefix starts a new shard). */
  async write(prefix: string, data: Uint8Array): Promise<ShardedRecord> {
    if (
      !this.#writer || prefix !== this.#prefix ||
      this.#inShard === this.#perShard
    ) {
      if (prefix !== this.#prefix) this.#partShards = 0;
      await this.#writer?.close();
      const name = `${prefix}-${
        String(this.#partShards++).padStart(5, "0")
      }.tfrecords`;
      await Deno.mkdir(this.#dir, { recursive: true });
      this.#writer = await TfRecordWriter.create(`${this.#dir}/${name}`);
      this.#names.push(`${this.#asDir}/${name}`);
      this.#prefix = prefix;
      this.#inShard = 0;
    }
    const { offset, length } = await this.#writer.write(data);
    this.#inShard++;
    return { shard: this.#names.length - 1, offset, length };
  }

  /** Closes the last shard. */
  async close(): Promise<void> {
    await this.#writer?.close();
    this.#writer = undefined;
  }
}
