/**
 * `npm start` as people and supervisors run it: a SIGTERM to npm stops the gateway it started
 * (no orphan holding the ports), and logs are pretty on a terminal (a pseudo-terminal from
 * `script`) and JSON lines on a pipe.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exited, startProcess } from "../helpers/cli.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort, waitUntil } from "../helpers/upstream.js";

const ROOT = join(import.meta.dirname, "../..");
const dir = tempDir("qh-npm-");
const started: number[] = [];
afterAll(() => {
  // whatever a failed test left behind, by pid
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Live (not zombie) descendants of `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") parent.set(Number(e), Number(fields[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

async function portsEnv() {
  const [api, dev, up] = [await freePort(), await freePort(), await freePort()];
  return {
    ports: [api, dev, up],
    env: {
      QH_API_PORT: String(api),
      QH_DEVICE_BROKER_PORT: String(dev),
      QH_UPLINK_PORT: String(up),
      QH_DATA_DIR: join(dir, `data-${api}`),
    },
  };
}

describe("npm start and signals", () => {
  it("SIGTERM to npm stops the gateway: no orphan, ports free, clean exit", async () => {
    const { ports, env } = await portsEnv();
    const npm = await startProcess("npm", ["start"], { cwd: ROOT, env, timeoutMs: 120_000 });
    const npmPid = npm.proc.pid!;
    started.push(npmPid);
    const tree = descendants(npmPid);
    started.push(...tree);
    expect(tree.length).toBeGreaterThan(0);
    npm.proc.kill("SIGTERM");
    await exited(npm.proc);
    await waitUntil(() => tree.every((p) => !alive(p)), 15_000, `the tree ${tree.join(",")} to exit`);
    for (const p of ports) expect(await canListen(p)).toBe(true);
    expect(npm.logs.join("\n")).toMatch(/"gateway stopped"/);
  }, 150_000);
});

const hasScript = spawnSync("script", ["--version"]).status === 0;

describe.skipIf(!hasScript)("log format", () => {
  it("pretty on a terminal: no JSON lines, the real mosquitto_sub command; Ctrl-C stops it", async () => {
    const { ports, env } = await portsEnv();
    const bin = join(ROOT, "bin/quarterhour.js");
    // script(1) runs the command on a pseudo-terminal through $SHELL -c; what it prints comes
    // back on our pipe. `exec` makes the gateway the terminal's foreground process whatever the
    // shell: dash (/bin/sh, what script uses when SHELL is unset, as on CI) would otherwise stay
    // as the parent, die of the Ctrl-C itself and report 130 for a gateway that stopped cleanly.
    const proc: ChildProcess = spawn(
      "script",
      ["-qefc", `exec ${process.execPath} ${bin} start`, "/dev/null"],
      {
        cwd: ROOT,
        env: { ...process.env, ...env, NO_COLOR: "1", SHELL: "/bin/sh" },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    started.push(proc.pid!);
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    // generous: under a loaded machine the gateway and the pretty-printer's worker start slowly
    await waitUntil(() => out.includes("gateway started"), 100_000, '"gateway started"').catch((err) => {
      throw new Error(`${(err as Error).message}; script printed: ${out}`);
    });
    started.push(...descendants(proc.pid!));
    const lines = out.split(/\r?\n/).filter((l) => l.trim() !== "");
    expect(lines.some((l) => l.trimStart().startsWith('{"level"'))).toBe(false);
    expect(out).toMatch(/INFO.*gateway started/);
    expect(out).toContain(`mosquitto_sub -h 127.0.0.1 -p ${ports[2]} -t 'qh/v1/#' -v`);
    proc.stdin!.write("\x03"); // Ctrl-C on the terminal: SIGINT to the gateway
    expect(await exited(proc)).toBe(0);
    expect(out).toMatch(/gateway stopped/);
  }, 150_000);
});
