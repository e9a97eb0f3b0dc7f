/**
 * Messages between the decode pool and its workers. Private to lib/image.
 *
 * @module
 */
import type { FastJpegDecoder, FastRequest } from "./_fast_jpeg.ts";
import {
  normalizationTable,
  type PixelImage,
  writeNormalized,
} from "./normalize.ts";

/** One image to decode (a square crop or the whole image); `bytes` is transferred. */
export interface DecodeRequest {
  /** Matches the reply. */
  id: number;
  /** The encoded image (its own buffer). */
  bytes: Uint8Array;
  /** What to decode. */
  request: FastRequest;
  /** Where to write normalised float32 RGB (a batch; on a SharedArrayBuffer for a worker; square crops only); without it, the answer is uint8 pixels. */
  into?: DecodeTarget;
}

/** A place in a batch for one image's normalised floats. */
export interface DecodeTarget {
  /** The batch. */
  out: Float32Array;
  /** The image's first float in it. */
  at: number;
}

/** A worker's answer. */
export type DecodeReply =
  /** The normalised floats are in the request's `into`. */
  | { id: number; kind: "written" }
  | { id: number; kind: "pixels"; image: PixelImage }
  /** Not for the fast path: decode these bytes with sharp. */
  | { id: number; kind: "sharp"; bytes: Uint8Array }
  | { id: number; kind: "error"; message: string };

/** Answers requests with one decoder, in the calling thread: what a worker runs. */
export class LocalDecoder {
  readonly #decoder: FastJpegDecoder | undefined;
  readonly #table = normalizationTable();

  /** Over `decoder`; without one, every request is sharp's. */
  constructor(decoder: FastJpegDecoder | undefined) {
    this.#decoder = decoder;
  }

  /** The reply to one request (`bytes` is handed back when sharp must decode it). */
  run(
    bytes: Uint8Array,
    request: FastRequest,
    id = 0,
    into?: DecodeTarget,
  ): DecodeReply {
    try {
      const image = this.#decoder?.decode(bytes, request);
      if (image === undefined) return { id, kind: "sharp", bytes };
      if (into === undefined) return { id, kind: "pixels", image };
      if (!("crop" in request)) {
        throw new TypeError(
          "Cannot write a whole image into a batch: only square crops go there",
        );
      }
      const square = { left: 0, top: 0, side: request.size };
      writeNormalized(into.out, into.at, image, square, this.#table);
      return { id, kind: "written" };
    } catch (error) {
      return { id, kind: "error", message: (error as Error).message };
    }
  }

  /** Frees the decoder. */
  close(): void {
    this.#decoder?.close();
  }
}

/** The buffers of a reply that can be transferred instead of copied. */
export function replyBuffers(reply: DecodeReply): ArrayBuffer[] {
  switch (reply.kind) {
    case "pixels":
      return [reply.image.data.buffer as ArrayBuffer];
    case "sharp":
      return [reply.bytes.buffer as ArrayBuffer];
    case "written":
    case "error":
      return [];
  }
}
