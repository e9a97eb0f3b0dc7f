/**
 * Class 4: native code. A stage that declares the native package it needs
 * (as decode does for sharp) can reach libc's system() through that addon;
 * under bubblewrap it then runs with no capabilities, as an unprivileged
 * user, on a read-only view of everything but its output, with no network.
 * (Without bubblewrap native code is unconfined, as the runner warns; these
 * cases skip with a printed reason.)
 */
import assert from "node:assert/strict";
import {
  hostileProject,
  needsBubblewrap,
  removeHostile,
  ROOT,
  runHostile,
  stageModule,
} from "./_hostile.ts";

function sharpAddon(): string {
  const dir = [...Deno.readDirSync(`${ROOT}/node_modules/.deno`)]
    .find((e) => e.name.startsWith("@img+sharp-linux-x64@"))!.name;
  const lib =
    `${ROOT}/node_modules/.deno/${dir}/node_modules/@img/sharp-linux-x64/lib`;
  const file = [...Deno.readDirSync(lib)].find((e) =>
    e.name.endsWith(".node")
  )!;
  return `${lib}/${file.name}`;
}

// Runs shell commands through libc's system(), reached through sharp's addon,
// and keeps what each printed and its exit code in the output.
const NATIVE = stageModule(
  `
    const lib = Deno.dlopen(ctx.params.addon, {
      system: { parameters: ["buffer"], result: "i32" },
    });
    const input = \`\${ctx.inputs.up}/in.txt\`;
    const commands = {
      caps: "/usr/bin/grep CapEff /proc/self/status",
      whoami: "/usr/bin/id -u",
      mount: "/usr/bin/mount -o remount,rw /usr",
      chmod_input: \`/usr/bin/chmod 666 '\${input}'\`,
      write_input: \`echo tampered >> '\${input}'\`,
      write_node_modules: \`echo ' ' >> '\${ctx.params.package_file}'\`,
      ptrace_runner: \`/usr/bin/python3 -c 'import ctypes,os; libc=ctypes.CDLL(None, use_errno=True); r=libc.ptrace(16, \${ctx.params.runner_pid}, 0, 0); print(r, os.strerror(ctypes.get_errno())); raise SystemExit(0 if r == 0 else 1)'\`,
      network: "/usr/bin/python3 -c 'import socket; socket.create_connection((\\"registry.npmjs.org\\", 443), 3)'",
    };
    for (const [name, command] of Object.entries(commands)) {
      const out = \`\${ctx.outDir}/\${name}\`;
      const code = lib.symbols.system(new TextEncoder().encode(\`(\${command}) > '\${out}.txt' 2>&1; echo $? > '\${out}.code'\\0\`));
      if (code === -1) throw new Error("system() failed");
    }
    lib.close();
`,
  {
    params:
      "z.strictObject({ addon: z.string(), package_file: z.string(), runner_pid: z.int() })",
    extra: `inputs: { up: {} },
  permissions: { ffi: ["@img/sharp-linux-x64"] },`,
  },
);

Deno.test("escape (bubblewrap): native code runs with no capabilities, unprivileged, read-only and offline", async () => {
  if (!needsBubblewrap()) return;
  const packageFile = `${ROOT}/node_modules/sharp/package.json`;
  const before = await Deno.readTextFile(packageFile);
  const dir = await hostileProject(
    `name: native
stages:
  gen: { uses: ./gen.ts }
  evil:
    uses: ./evil.ts
    needs: { up: gen }
    with:
      addon: "${sharpAddon()}"
      package_file: "${packageFile}"
      runner_pid: ${Deno.pid}
`,
    {
      "gen.ts": stageModule(
        `await Deno.writeTextFile(\`\${ctx.outDir}/in.txt\`, "input");`,
      ),
      "evil.ts": NATIVE,
    },
  );
  try {
    const run = await runHostile(dir);
    assert.equal(run.outcomes.evil.state, "ran", JSON.stringify(run.outcomes));
    const out = `${dir}/outputs/evil`;
    const result = (name: string) => ({
      code: Number(Deno.readTextFileSync(`${out}/${name}.code`).trim()),
      text: Deno.readTextFileSync(`${out}/${name}.txt`).trim(),
    });
    assert.match(result("caps").text, /^CapEff:\s+0+$/);
    assert.notEqual(result("whoami").text, "0", "not root inside");
    for (
      const name of [
        "mount",
        "chmod_input",
        "write_input",
        "write_node_modules",
        "ptrace_runner",
        "network",
      ]
    ) {
      assert.notEqual(result(name).code, 0, `${name}: ${result(name).text}`);
    }
    assert.match(result("mount").text, /superuser|permission denied/i);
    assert.match(result("chmod_input").text, /Read-only file system/);
    assert.match(result("write_node_modules").text, /Read-only file system/);
    assert.match(result("ptrace_runner").text, /No such process|not permitted/);
    assert.equal(await Deno.readTextFile(packageFile), before);
    assert.equal(
      await Deno.readTextFile(`${dir}/outputs/gen/in.txt`),
      "input",
    );
  } finally {
    await removeHostile(dir);
  }
});
