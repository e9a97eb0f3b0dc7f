/**
 * What a JPEG's marker segments say before its scan: the EXIF orientation
 * and its embedded ICC profile, the two things that make sharp change the
 * decoded pixels (it rotates upright and converts to sRGB with the
 * profile). Private to lib/image.
 *
 * @module
 */

/** Facts from the segments before the first scan. */
export interface JpegMarkers {
  /** EXIF orientation (1–8), 1 when absent. */
  orientation: number;
  /**
   * The embedded ICC profile: none, an sRGB one (its description names
   * sRGB: converting to sRGB leaves the pixels as they are), or another.
   */
  icc: "none" | "srgb" | "other";
}

/** Scans the marker segments of `jpeg` up to its first scan (SOS); undefined when it is not a JPEG. */
export function jpegMarkers(jpeg: Uint8Array): JpegMarkers | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  const result: JpegMarkers = { orientation: 1, icc: "none" };
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) return result; // not at a marker: leave it to the decoder
    const marker = jpeg[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return result; // SOS, EOI
    if (marker >= 0xd0 && marker <= 0xd7) {
      at += 2;
      continue;
    }
    const length = (jpeg[at + 2] << 8) | jpeg[at + 3];
    const body = at + 4, end = at + 2 + length;
    if (length < 2 || end > jpeg.length) return result;
    if (marker === 0xe1 && matches(jpeg, body, "Exif\0\0")) {
      result.orientation = exifOrientation(jpeg.subarray(body + 6, end)) ?? 1;
    } else if (marker === 0xe2 && matches(jpeg, body, "ICC_PROFILE\0")) {
      // Chunk 1 of the profile holds its header and tag table.
      const chunk = jpeg[body + 12];
      if (chunk === 1 || result.icc === "none") {
        result.icc = isSrgb(jpeg.subarray(body + 14, end)) ? "srgb" : "other";
      }
    }
    at = end;
  }
  return result;
}

function matches(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** The orientation tag (0x0112) of IFD0 in a TIFF structure, if readable. */
function exifOrientation(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return undefined;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.length);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return undefined;
    if (view.getUint16(entry, little) === 0x0112) {
      return view.getUint16(entry + 8, little);
    }
  }
  return undefined;
}

/** An RGB display profile whose description tag ('desc', v2 text or v4 mluc) names sRGB. */
function isSrgb(profile: Uint8Array): boolean {
  if (profile.length < 132) return false;
  const view = new DataView(profile.buffer, profile.byteOffset, profile.length);
  const tag = (at: number) =>
    String.fromCharCode(...profile.subarray(at, at + 4));
  if (tag(16) !== "RGB ") return false;
  const count = view.getUint32(128);
  for (let i = 0; i < count; i++) {
    const entry = 132 + 12 * i;
    if (entry + 12 > profile.length) return false;
    if (tag(entry) !== "desc") continue;
    const at = view.getUint32(entry + 4), size = view.getUint32(entry + 8);
    if (at + size > profile.length || size < 12) return false;
    const body = profile.subarray(at, at + size);
    let text = "";
    if (tag(at) === "desc") {
      text = String.fromCharCode(
        ...body.subarray(12, Math.min(size, 12 + 256)),
      );
    } else if (tag(at) === "mluc") {
      const d = new DataView(body.buffer, body.byteOffset, body.length);
      const length = d.getUint32(20), offset = d.getUint32(24);
      for (
        let k = offset;
        k + 1 < Math.min(offset + length, body.length);
        k += 2
      ) {
        text += String.fromCharCode(d.getUint16(k));
      }
    }
    return text.includes("sRGB");
  }
  return false;
}
