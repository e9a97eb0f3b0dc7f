/**
 * What a benchmark needs from Debian: each missing package is named with
 * what it is for and the command that installs it, and the benchmark stops
 * with exit code 2 (no stack trace) instead of failing half-way.
 *
 * @module
 */

/** One Debian package a benchmark needs, and how to tell it is there. */
export interface Requirement {
  /** The Debian package. */
  package: string;
  /** What the benchmark uses it for. */
  what: string;
  /** Present when one of these paths exists. */
  paths?: string[];
  /** Present when this Python code runs under Debian's /usr/bin/python3. */
  python?: string;
}

/** The requirements that are not met here. */
export async function missingRequirements(
  requirements: readonly Requirement[],
): Promise<Requirement[]> {
  const missing: Requirement[] = [];
  for (const r of requirements) {
    let present = true;
    if (r.paths) {
      present = r.paths.some((path) => {
        try {
          Deno.statSync(path);
          return true;
        } catch {
          return false;
        }
      });
    }
    if (present && r.python) {
      try {
        const { success } = await new Deno.Command("/usr/bin/python3", {
          args: ["-c", r.python],
          stdout: "null",
          stderr: "null",
        }).output();
        present = success;
      } catch {
        present = false; // no /usr/bin/python3
      }
    }
    if (!present) missing.push(r);
  }
  return missing;
}

/** Exits with code 2 and an install command when a requirement of benchmark `name` is missing. */
export async function requireDebianPackages(
  name: string,
  requirements: readonly Requirement[],
): Promise<void> {
  const missing = await missingRequirements(requirements);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((r) => r.package))];
  console.error(
    `Cannot run the ${name} benchmark: Debian packages are missing:\n` +
      missing.map((r) => `  ${r.package} (${r.what})`).join("\n") +
      `\nInstall them with:\n  apt-get update && apt-get install -y ${
        packages.join(" ")
      }\n(the benchmarks' requirements are listed in the README's Benchmarks section)`,
  );
  Deno.exit(2);
}
