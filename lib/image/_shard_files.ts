/**
 * Open TFRecord shards of a dataset, read by (shard, offset, length), with
 * at most `maxOpen` handles open (least recently used closed first), so a
 * 527-shard dataset stays under small descriptor limits. Private to lib/image.
 *
 * @module
 */
import { TfRecordFile } from "../tfrecord/tfrecord_file.ts";

/** Reads records from the shards named relative to `dir`. */
export class ShardFiles {
  readonly #dir: string;
  readonly #shards: readonly string[];
  readonly #maxOpen: number;
  readonly #open = new Map<number, Promise<TfRecordFile>>();

  constructor(dir: string, shards: readonly string[], maxOpen = 64) {
    this.#dir = dir;
    this.#shards = shards;
    this.#maxOpen = maxOpen;
  }

  /** The path of shard `shard`. */
  path(shard: number): string {
    return `${this.#dir}/${this.#shards[shard]}`;
  }

  /** The data of the record at `offset` (data `length` bytes) in shard `shard`. */
  async read(
    shard: number,
    offset: number,
    length: number,
    options: { record: number; checkCrc: boolean },
  ): Promise<Uint8Array> {
    let file = this.#open.get(shard);
    if (file) {
      this.#open.delete(shard); // re-insert: Map order is the LRU order
    } else {
      file = TfRecordFile.open(this.path(shard));
      if (this.#open.size >= this.#maxOpen) {
        const [oldest, handle] = this.#open.entries().next().value!;
        this.#open.delete(oldest);
        handle.then((h) => h.closeWhenIdle()).catch(() => {});
      }
    }
    this.#open.set(shard, file);
    return await (await file).read(offset, length, options);
  }

  /** Closes every handle once its reads finish. */
  async close(): Promise<void> {
    const handles = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(handles.map(async (h) => (await h).closeWhenIdle()));
  }
}
