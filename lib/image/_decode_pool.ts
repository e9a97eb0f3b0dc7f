/**
 * Workers that decode images on the fast JPEG path (libturbojpeg + the SIMD
 * resampler): stream mode's square crops, materialize's whole images.
 * Decoding uses every core while the calling thread assembles batches or
 * writes shards. Workers start on first use and stop after a
 * second without work (an idle Worker would keep the process alive) or on
 * {@linkcode DecodePool.close}. Private to lib/image.
 *
 * @module
 */
import {
  type DecodeReply,
  type DecodeRequest,
  type DecodeTarget,
  LocalDecoder,
} from "./_decode_protocol.ts";
import { FastJpegDecoder, type FastRequest } from "./_fast_jpeg.ts";

/** Idle time after which the workers stop, in milliseconds. */
const IDLE_MS = 1000;

interface Slot {
  worker: Worker;
  pending: number;
}

/** A pool of decode workers (or, on one core, a decoder in this thread). */
export class DecodePool {
  readonly #size: number;
  /** With one core, decoding here saves two thread switches an image. */
  readonly #local?: LocalDecoder;
  #slots: Slot[] = [];
  readonly #waiting = new Map<
    number,
    {
      slot: Slot;
      resolve: (r: DecodeReply) => void;
      reject: (e: Error) => void;
    }
  >();
  #nextId = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;

  private constructor(size: number, local?: LocalDecoder) {
    this.#size = size;
    this.#local = local;
  }

  /**
   * A pool of `size` workers, or a decoder in this thread when `size` is 1;
   * undefined when libturbojpeg cannot be loaded here.
   */
  static open(size: number): DecodePool | undefined {
    const decoder = FastJpegDecoder.open();
    if (decoder === undefined) return undefined;
    if (size <= 1) return new DecodePool(1, new LocalDecoder(decoder));
    decoder.close();
    return new DecodePool(size);
  }

  /**
   * Whether {@linkcode run} can write into `out` from a worker: a pool of
   * workers needs a batch on a SharedArrayBuffer; this thread takes any.
   */
  canWriteInto(out: Float32Array): boolean {
    return !this.needsSharedBatches || out.buffer instanceof SharedArrayBuffer;
  }

  /** Workers that decode (0 when this thread does). */
  get workers(): number {
    return this.#local === undefined ? this.#size : 0;
  }

  /** Whether batches should be on a SharedArrayBuffer (workers decode). */
  get needsSharedBatches(): boolean {
    return this.#local === undefined;
  }

  /**
   * Decodes one image in a worker; `bytes` is copied. With `into`
   * (see {@linkcode canWriteInto}), its normalised floats go straight there
   * and the reply is "written" (no copy of the image crosses threads);
   * without, the reply holds its uint8 pixels.
   */
  run(
    bytes: Uint8Array,
    request: FastRequest,
    into?: DecodeTarget,
  ): Promise<DecodeReply> {
    if (into !== undefined && !this.canWriteInto(into.out)) {
      throw new TypeError(
        "Cannot decode into a batch that is not on a SharedArrayBuffer from a worker",
      );
    }
    if (this.#local) {
      return Promise.resolve(
        this.#local.run(bytes, request, 0, into),
      );
    }
    if (this.#idle !== undefined) {
      clearTimeout(this.#idle);
      this.#idle = undefined;
    }
    if (this.#slots.length < this.#size) this.#slots.push(this.#start());
    const slot = this.#slots.reduce((a, b) => b.pending < a.pending ? b : a);
    const id = this.#nextId++;
    const message: DecodeRequest = {
      id,
      bytes: bytes.slice(),
      request,
      ...(into === undefined ? {} : { into }),
    };
    slot.pending++;
    return new Promise<DecodeReply>((resolve, reject) => {
      this.#waiting.set(id, { slot, resolve, reject });
      slot.worker.postMessage(message, [message.bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops the workers; requests still waiting are rejected. */
  close(): void {
    this.#local?.close();
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    for (const slot of this.#slots) slot.worker.terminate();
    this.#slots = [];
    for (const { reject } of this.#waiting.values()) {
      reject(new Error("Cannot decode image: the decode pool was closed"));
    }
    this.#waiting.clear();
  }

  #start(): Slot {
    const worker = new Worker(
      new URL("./_decode_worker.ts", import.meta.url),
      { type: "module" },
    );
    const slot: Slot = { worker, pending: 0 };
    worker.onmessage = (event: MessageEvent<DecodeReply>) => {
      const waiting = this.#waiting.get(event.data.id);
      if (waiting === undefined) return;
      this.#waiting.delete(event.data.id);
      slot.pending--;
      waiting.resolve(event.data);
      if (this.#waiting.size === 0) this.#scheduleStop();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      this.#slots = this.#slots.filter((s) => s !== slot);
      for (const [id, waiting] of this.#waiting) {
        if (waiting.slot !== slot) continue;
        this.#waiting.delete(id);
        waiting.reject(
          new Error(
            `Cannot decode image: a decode worker failed: ${event.message}`,
          ),
        );
      }
    };
    return slot;
  }

  #scheduleStop(): void {
    const timer = setTimeout(() => {
      this.#idle = undefined;
      if (this.#waiting.size > 0) return;
      for (const slot of this.#slots) slot.worker.terminate();
      this.#slots = [];
    }, IDLE_MS);
    Deno.unrefTimer(timer);
    this.#idle = timer;
  }
}
