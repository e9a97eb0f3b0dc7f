import assert from "node:assert/strict";
import {
  nativePackageDirs,
  systemLibraryPath,
} from "../../../runner/child/native_packages.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

/** A system library that every Debian machine has. */
const LIBC = [
  "/usr/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/usr/lib/aarch64-linux-gnu/libc.so.6",
].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
})!;

Deno.test("systemLibraryPath() accepts an existing file under /usr/lib or /lib, written plainly", () => {
  assert.equal(systemLibraryPath(LIBC), LIBC);
  for (
    const bad of [
      "/usr/lib/x86_64-linux-gnu/../x86_64-linux-gnu/libc.so.6",
      "/usr/lib/./x86_64-linux-gnu/libc.so.6",
      "/usr/lib//x86_64-linux-gnu/libc.so.6",
      "usr/lib/x86_64-linux-gnu/libc.so.6",
      "/usr/local/lib/libc.so.6",
      "/etc/passwd",
      "/usr/lib", // a folder
      "/usr/lib/x86_64-linux-gnu/libnot-installed.so.0",
    ]
  ) {
    assert.equal(systemLibraryPath(bad), undefined, bad);
  }
});

Deno.test("nativePackageDirs() maps npm packages to their folders and keeps valid system libraries", async () => {
  const root = await tempDir("native_packages_test_");
  for (const name of ["@img+sharp-linux-x64@0.35.5", "other@1.0.0"]) {
    await Deno.mkdir(`${root}/${name}`);
  }
  assert.deepEqual(
    nativePackageDirs(root, [
      "@img/sharp-linux-x64",
      LIBC,
      "/usr/lib/x86_64-linux-gnu/libnot-installed.so.0",
      "/etc/passwd",
    ]),
    [`${root}/@img+sharp-linux-x64@0.35.5`, LIBC],
  );
  assert.deepEqual(nativePackageDirs(`${root}/missing`, [LIBC]), [LIBC]);
  assert.deepEqual(nativePackageDirs(root, []), []);
});
