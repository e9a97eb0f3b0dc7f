/**
 * Image byte formats, below everything that handles images: reading a JPEG
 * or PNG header (size, components, EXIF orientation) without decoding, and
 * encoding a PNG. It imports nothing of the project.
 *
 * @module
 */
export { encodePng } from "./encode_png.ts";
export { type ImageHeader, readImageHeader } from "./image_header.ts";
