/**
 * Worker entry of the decode pool: decodes the images it is sent with
 * its own libturbojpeg handle and resampler ({@linkcode LocalDecoder}),
 * normalised to float32 or as uint8 pixels, and hands back the JPEG bytes
 * of an image that is sharp's to decode.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import {
  type DecodeRequest,
  LocalDecoder,
  replyBuffers,
} from "./_decode_protocol.ts";
import { FastJpegDecoder } from "./_fast_jpeg.ts";

/** Answers requests in order, one at a time. */
function serve(): void {
  const local = new LocalDecoder(FastJpegDecoder.open());
  self.onmessage = (event: MessageEvent<DecodeRequest>) => {
    const { id, bytes, request, into } = event.data;
    const reply = local.run(bytes, request, id, into);
    self.postMessage(reply, replyBuffers(reply));
  };
}

serve();
