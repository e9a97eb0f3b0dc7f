/**
 * Which record of a TFRecord file starts at a byte offset: the frames are
 * walked from the start by their length fields (no data is read), so an
 * error found through an index can name the record as a reader of the
 * file would count it.
 *
 * @module
 */
import { framedSize } from "./frame_record.ts";

/**
 * The 0-based index of the record that starts at `offset` in `path`, or -1
 * when no record starts there (the framing is broken before it).
 */
export async function recordNumberAt(
  path: string,
  offset: number,
): Promise<number> {
  using file = await Deno.open(path, { read: true });
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  let at = 0;
  for (let record = 0; at <= offset; record++) {
    if (at === offset) return record;
    await file.seek(at, Deno.SeekMode.Start);
    let got = 0;
    while (got < header.length) {
      const n = await file.read(header.subarray(got));
      if (n === null) return -1;
      got += n;
    }
    const length = Number(view.getBigUint64(0, true));
    at += framedSize(length);
  }
  return -1;
}
