/**
 * Spawns a Deno child with exactly the permissions it was granted, in a
 * session and process group of its own. Deno's permission flags confine
 * JavaScript; native addons (loaded through ffi) bypass them, so a child that
 * may load one also runs under bubblewrap when it is installed: a private
 * mount namespace holding only the system libraries, the readable paths
 * (read-only) and the writable paths, no network unless some host was
 * granted, no capabilities, and an unprivileged user where the kernel allows
 * user namespaces.
 *
 * The sandbox knows nothing of stages or caching.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";

/** What a sandboxed child may touch. */
export interface SandboxPermissions {
  /** Absolute paths it may read. */
  read: readonly string[];
  /** Absolute paths it may write (they must exist). */
  write: readonly string[];
  /** Environment variable names it may read. */
  env: readonly string[];
  /** Hosts it may reach. */
  net: readonly string[];
  /** Absolute paths of native libraries (folders) it may load. */
  ffi: readonly string[];
  /** `Deno` system-information names. */
  sys: readonly string[];
}

/** Options of {@linkcode spawnSandboxed}. */
export interface SandboxOptions {
  /** The module to run (absolute path). */
  script: string;
  /** What the child may touch. */
  permissions: SandboxPermissions;
  /** The child's working directory. */
  cwd: string;
  /** The child's whole environment (nothing else is inherited). */
  env: Record<string, string>;
  /** The deno.json whose import map and lockfile the child uses. */
  configPath: string;
  /**
   * Whether to confine native code with bubblewrap when `permissions.ffi` is
   * not empty: `"auto"` uses it where installed, `"never"` does not.
   * @default "auto"
   */
  confine?: "auto" | "never";
  /** The bubblewrap binary. @default "/usr/bin/bwrap" */
  bwrapPath?: string;
}

/** How a child's native code was confined. */
export type Confinement = "none-needed" | "bwrap" | "unconfined";

/** A spawned sandboxed child. */
export interface SandboxedProcess {
  /** The child (stdin, stdout and stderr piped). */
  process: Deno.ChildProcess;
  /** `"unconfined"` when it may load native code and bubblewrap was not used. */
  confinement: Confinement;
}

/** Thrown when permissions cannot be expressed as Deno flags. */
export class SandboxError extends HintedError {
  override name = "SandboxError";
}

/** True when a usable bubblewrap binary exists at `path`. */
export function bubblewrapAvailable(path = "/usr/bin/bwrap"): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The `deno run` flags that grant `permissions`. */
export function permissionFlags(permissions: SandboxPermissions): string[] {
  const flags = ["--no-prompt"];
  const add = (flag: string, values: readonly string[]) => {
    if (values.length === 0) return;
    const bad = values.find((v) => v.includes(","));
    if (bad !== undefined) {
      throw new SandboxError(
        `Cannot grant ${flag} to "${bad}": Deno cannot take a path with a comma`,
      );
    }
    flags.push(`${flag}=${[...new Set(values)].join(",")}`);
  };
  add("--allow-read", permissions.read);
  add("--allow-write", permissions.write);
  add("--allow-env", permissions.env);
  add("--allow-net", permissions.net);
  add("--allow-ffi", permissions.ffi);
  add("--allow-sys", permissions.sys);
  return flags;
}

/** Spawns `deno run` on the script with the given permissions. */
export function spawnSandboxed(options: SandboxOptions): SandboxedProcess {
  const deno = Deno.execPath();
  const denoArgs = [
    "run",
    ...permissionFlags(options.permissions),
    `--config=${options.configPath}`,
    // The runner's own start installed every package into node_modules:
    // never ask the registry again (Deno would, for each package whose
    // metadata is missing from DENO_DIR), and never change the lockfile.
    "--cached-only",
    "--frozen",
    options.script,
  ];
  const needsConfinement = options.permissions.ffi.length > 0;
  const bwrapPath = options.bwrapPath ?? "/usr/bin/bwrap";
  const useBwrap = needsConfinement && options.confine !== "never" &&
    bubblewrapAvailable(bwrapPath);
  const [command, args] = useBwrap
    ? [bwrapPath, [...bubblewrapArgs(options, deno), "--", deno, ...denoArgs]]
    : [deno, denoArgs];
  // Its own session and process group, so that ending it ends all it started.
  const [program, programArgs] = SETSID
    ? [SETSID, ["--wait", command, ...args]]
    : [command, args];
  const process = new Deno.Command(program, {
    args: programArgs,
    cwd: options.cwd,
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return {
    process,
    confinement: !needsConfinement
      ? "none-needed"
      : useBwrap
      ? "bwrap"
      : "unconfined",
  };
}

/** util-linux's setsid, where it exists. */
const SETSID = ["/usr/bin/setsid", "/bin/setsid"].find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
});

/** True when this kernel lets a process make a user namespace (bubblewrap's --unshare-user). */
function userNamespacesAllowed(): boolean {
  try {
    return Number(
      Deno.readTextFileSync("/proc/sys/user/max_user_namespaces").trim(),
    ) > 0;
  } catch {
    return false;
  }
}

/** The unprivileged user and group a confined child runs as (nobody/nogroup). */
const SANDBOX_ID = "65534";

function bubblewrapArgs(options: SandboxOptions, deno: string): string[] {
  const { permissions } = options;
  // No capabilities, not even as root: no mount, no raw devices, no ptrace
  // outside its own pid namespace; it ends when its parent does.
  const args = [
    "--unshare-all",
    "--cap-drop",
    "ALL",
    "--die-with-parent",
    "--new-session",
  ];
  if (userNamespacesAllowed()) {
    args.push("--unshare-user", "--uid", SANDBOX_ID, "--gid", SANDBOX_ID);
  }
  if (permissions.net.length > 0) args.push("--share-net");
  args.push("--ro-bind", "/usr", "/usr");
  for (const dir of ["/bin", "/sbin", "/lib", "/lib64", "/lib32"]) {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(dir);
    } catch {
      continue;
    }
    if (info.isSymlink) args.push("--symlink", Deno.readLinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  const system = [
    "/etc/ld.so.cache",
    "/etc/fonts",
    "/etc/localtime",
    "/var/cache/fontconfig",
  ];
  if (permissions.net.length > 0) {
    system.push(
      "/etc/resolv.conf",
      "/etc/hosts",
      "/etc/ssl",
      "/etc/nsswitch.conf",
    );
  }
  for (const path of system) args.push("--ro-bind-try", path, path);
  args.push("--proc", "/proc", "--dev", "/dev");
  // GPU device nodes: a stage that may load a native GPU library needs them.
  for (const device of gpuDeviceNodes()) {
    args.push("--dev-bind-try", device, device);
  }
  const denoDir = options.env.DENO_DIR;
  args.push("--ro-bind", deno, deno);
  if (denoDir) args.push("--ro-bind-try", denoDir, denoDir);
  const configDir = options.configPath.slice(
    0,
    options.configPath.lastIndexOf("/"),
  );
  args.push("--ro-bind-try", options.configPath, options.configPath);
  args.push(
    "--ro-bind-try",
    `${configDir}/deno.lock`,
    `${configDir}/deno.lock`,
  );
  for (const path of [...permissions.read, ...permissions.ffi]) {
    args.push("--ro-bind-try", path, path);
  }
  for (const path of permissions.write) args.push("--bind", path, path);
  // Everything not bound above is an empty, read-only root: a native write
  // anywhere else fails (EROFS) instead of landing in a throwaway tmpfs.
  args.push("--dir", options.cwd, "--chdir", options.cwd, "--remount-ro", "/");
  return args;
}

/**
 * GPU device nodes of this machine (`/dev/nvidia*`, `/dev/dri`), bound into
 * bubblewrap for stages that load a native GPU library. Reading /dev needs
 * Deno's --allow-all, which the runner has and stages do not.
 */
export function gpuDeviceNodes(): string[] {
  try {
    return [...Deno.readDirSync("/dev")]
      .filter((entry) => /^nvidia/.test(entry.name) || entry.name === "dri")
      .map((entry) => `/dev/${entry.name}`);
  } catch {
    return [];
  }
}
