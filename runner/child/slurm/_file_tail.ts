/**
 * Reads a file another host appends to, as it grows.
 *
 * @module
 */
import type { LineSplitter } from "../stage_output.ts";

/**
 * Reads what was appended to a file another host writes: each read opens
 * it afresh (close-to-open consistency shows what the writer flushed).
 */
export class FileTail {
  #offset = 0;
  #buffer = new Uint8Array(1 << 16);
  constructor(readonly path: string, readonly lines: LineSplitter) {}

  /** Reads what was appended since the last read. */
  async read(): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch {
      return; // not created yet
    }
    try {
      await file.seek(this.#offset, Deno.SeekMode.Start);
      while (true) {
        const n = await file.read(this.#buffer);
        if (n === null || n === 0) break;
        this.#offset += n;
        this.lines.push(this.#buffer.slice(0, n));
      }
    } finally {
      file.close();
    }
  }

  /** Ends the input (an unterminated last line is passed on). */
  end(): void {
    this.lines.end();
  }
}
