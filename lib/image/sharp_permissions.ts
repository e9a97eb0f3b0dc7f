/**
 * What loading sharp (libvips) needs under Deno, for the stages that decode
 * or render images: the native addon's package (its folder becomes an
 * `--allow-ffi` path), the two environment variables sharp reads, and
 * `/usr/bin/ldd`, which it reads to tell glibc from musl.
 *
 * @module
 */

/** Stage permissions for sharp, in the shape of a stage's `permissions`. */
export const SHARP_PERMISSIONS = {
  ffi: ["@img/sharp-linux-x64"],
  env: ["npm_package_config_libvips", "MALLOC_ARENA_MAX"],
  read: ["/usr/bin/ldd"],
} as const;
