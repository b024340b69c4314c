/**
 * A serial line made of a socat pseudo-terminal pair (tests/helpers/pty.ts) on stable link paths in
 * a temp dir, which a test can unplug (kill socat by pid: both ends vanish) and replug (socat again
 * on the same paths).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPtyPair, type PtyPair } from "../../../helpers/pty.js";

export interface PtyLine {
  /** Link path of the gateway's end. */
  readonly a: string;
  /** Link path of the devices' end. */
  readonly b: string;
  /** socat's pid, undefined while unplugged. */
  readonly pid: number | undefined;
  /** Kill socat by pid (SIGTERM: it removes the links; SIGKILL: the links dangle) and wait for it. */
  unplug(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** socat again, on the same link paths. */
  replug(): Promise<void>;
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function openPtyLine(): Promise<PtyLine> {
  const dir = mkdtempSync(join(tmpdir(), "qh-serial-line-"));
  const links = { linkA: join(dir, "gw"), linkB: join(dir, "dev") };
  let pair: PtyPair | undefined = await openPtyPair(links);
  const unplug = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
    const p = pair;
    if (!p) return;
    pair = undefined;
    if (signal === "SIGKILL") {
      if (alive(p.pid)) process.kill(p.pid, "SIGKILL");
      while (alive(p.pid)) await new Promise((r) => setTimeout(r, 5));
    }
    await p.close();
  };
  return {
    a: links.linkA,
    b: links.linkB,
    get pid() {
      return pair?.pid;
    },
    unplug,
    async replug() {
      if (!pair) pair = await openPtyPair(links);
    },
    async close() {
      await unplug("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
