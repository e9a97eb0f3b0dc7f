/**
 * A real HTTP server with WebDAV PUT for remote-cache tests and benchmarks:
 * Debian's nginx (nginx-light has the dav module) on 127.0.0.1 and a free
 * port, serving a temporary folder, optionally asking for a bearer token,
 * started in the foreground (`daemon off`) and stopped by pid.
 *
 * @module
 */

/** A running WebDAV server. */
export interface WebdavServer {
  /** Its base URL (`http://127.0.0.1:<port>/cache`). */
  url: string;
  /** The folder it serves (`cas/` and `ac/` appear in it). */
  dataDir: string;
  /** Stops the server (what it stored stays until `remove`). */
  stop(): Promise<void>;
  /** Stops the server and removes its folders (a `dataDir` given in the options stays). */
  remove(): Promise<void>;
}

const NGINX = "/usr/sbin/nginx";

/** Why nginx cannot run here, or undefined when it can. */
export async function webdavUnavailable(): Promise<string | undefined> {
  try {
    await Deno.stat(NGINX);
  } catch {
    return `${NGINX} is missing (apt-get install nginx-light)`;
  }
  return undefined;
}

/** Options of {@linkcode startWebdavServer}. */
export interface WebdavOptions {
  /** Answer 401 unless `Authorization: Bearer <token>` is sent. */
  token?: string;
  /** Serve this folder (to restart a server on what an earlier one stored). */
  dataDir?: string;
  /** Listen on this port (to restart a server where it was). */
  port?: number;
}

/** Starts nginx, or returns why it cannot (a reason to print when skipping). */
export async function startWebdavServer(
  options: WebdavOptions = {},
): Promise<WebdavServer | string> {
  const unavailable = await webdavUnavailable();
  if (unavailable) return unavailable;
  const prefix = await Deno.makeTempDir({ prefix: "webdav-" });
  const dataDir = options.dataDir ?? `${prefix}/data`;
  await Deno.mkdir(`${dataDir}/cache`, { recursive: true });
  await Deno.mkdir(`${prefix}/logs`);
  await Deno.mkdir(`${prefix}/body`);
  const port = options.port ?? freePort();
  const auth = options.token
    ? `if ($http_authorization != "Bearer ${options.token}") { return 401; }`
    : "";
  await Deno.writeTextFile(
    `${prefix}/nginx.conf`,
    `
daemon off;
worker_processes 1;
${Deno.uid() === 0 ? "user root;" : ""}
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log;
events { worker_connections 256; }
http {
  access_log ${prefix}/logs/access.log;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/body;
  fastcgi_temp_path ${prefix}/body;
  uwsgi_temp_path ${prefix}/body;
  scgi_temp_path ${prefix}/body;
  server {
    listen 127.0.0.1:${port};
    root ${dataDir};
    location /cache/ {
      ${auth}
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      client_max_body_size 0;
    }
  }
}
`,
  );
  const process = new Deno.Command(NGINX, {
    args: ["-c", `${prefix}/nginx.conf`, "-p", prefix],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}/cache`;
  const deadline = Date.now() + 10_000;
  let up = false;
  while (Date.now() < deadline && !up) {
    try {
      const response = await fetch(`${url}/`, { method: "HEAD" });
      await response.body?.cancel();
      up = true;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill("SIGTERM");
    } catch { /* ended */ }
    await process.stderr.cancel().catch(() => {});
    await process.status;
  };
  const remove = async () => {
    await stop();
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
  };
  if (!up) {
    await stop();
    const log = await Deno.readTextFile(`${prefix}/logs/error.log`).catch(() =>
      ""
    );
    await remove();
    return `nginx did not start: ${
      log.trim().split("\n").slice(-2).join(" | ")
    }`;
  }
  return { url, dataDir, stop, remove };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
