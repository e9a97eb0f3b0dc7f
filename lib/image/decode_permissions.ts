/**
 * What decoding images needs under Deno: sharp's permissions (see
 * sharp_permissions.ts) and, for the fast JPEG path, Debian's libturbojpeg
 * by its absolute path (an `--allow-ffi` file; read too, so the decode
 * stage's facts probe can see which library it is).
 *
 * @module
 */
import { TURBOJPEG_PATH } from "./_turbojpeg.ts";
import { SHARP_PERMISSIONS } from "./sharp_permissions.ts";

/** Stage permissions for decoding (sharp and libturbojpeg), in the shape of a stage's `permissions`. */
export const DECODE_PERMISSIONS = {
  ffi: [...SHARP_PERMISSIONS.ffi, TURBOJPEG_PATH],
  env: [...SHARP_PERMISSIONS.env],
  read: [...SHARP_PERMISSIONS.read, TURBOJPEG_PATH],
} as const;
