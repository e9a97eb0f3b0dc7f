/**
 * Finds Debian's Python with the modules an interop test needs. Tests skip
 * (with the reason printed) only when /usr/bin/python3 or a module is missing;
 * CI installs python3-protobuf and python3-crcmod.
 *
 * @module
 */

/** Debian's interpreter; a pyenv python3 earlier on PATH cannot see apt packages. */
export const PYTHON = "/usr/bin/python3";

/** The reason Python cannot be used, or undefined when `modules` all import. */
export function pythonMissing(modules: readonly string[]): string | undefined {
  try {
    const { code, stderr } = new Deno.Command(PYTHON, {
      args: ["-c", modules.map((m) => `import ${m}`).join("; ")],
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    if (code === 0) return undefined;
    const last = new TextDecoder().decode(stderr).trim().split("\n").at(-1);
    return `${PYTHON} cannot import ${
      modules.join(", ")
    }: ${last} (apt-get install python3-protobuf python3-crcmod)`;
  } catch (error) {
    return `${PYTHON} cannot run: ${error}`;
  }
}

/** Runs `script args…` with Debian's Python; returns stdout, throws with stderr on failure. */
export async function runPython(
  script: string,
  args: readonly string[],
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(PYTHON, {
    args: [script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) {
    throw new Error(
      `Cannot run "${script} ${args.join(" ")}": exit ${code}\n${err}`,
    );
  }
  return new TextDecoder().decode(stdout);
}
