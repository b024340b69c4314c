/**
 * A simulator on one end of a real pseudo-terminal pair (socat), the test as the master on the
 * other end through serialport: the whole byte path a gateway sees with real hardware.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDecoderTransform, type DecodeResult } from "../../src/protocols/index.js";
import {
  createLockboardDecoder,
  encode,
  type LockboardMessage,
  type LockboardRequest,
} from "../../src/protocols/lockboard-xor/index.js";
import { LockboardBusSim } from "../../src/sim/lockboard-xor.js";
import { runSimOnPath } from "../../src/sim/pty-runner.js";
import { openPtyPair, type PtyPair } from "../helpers/pty.js";

async function openPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

async function closePort(port: SerialPort | undefined): Promise<void> {
  if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

/** A tiny master: write a request, wait for the first decoded frame (or time out). */
function master(port: SerialPort) {
  const decoder = createLockboardDecoder({ role: "master" });
  const results: DecodeResult<LockboardMessage>[] = [];
  const waiters: Array<() => void> = [];
  port.pipe(createDecoderTransform(decoder)).on("data", (r: DecodeResult<LockboardMessage>) => {
    results.push(r);
    for (const w of waiters.splice(0)) w();
  });
  return async (request: LockboardRequest, timeoutMs = 3000): Promise<DecodeResult<LockboardMessage>> => {
    results.length = 0;
    decoder.expect(request);
    const got = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${request.kind}`)), timeoutMs);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    port.write(encode(request));
    await got;
    return results[0]!;
  };
}

describe("lockboard simulator over a socat pty pair", () => {
  let pair: PtyPair;
  let stopSim: () => Promise<void>;
  let port: SerialPort | undefined;
  const sim = new LockboardBusSim({ boards: [1, 2], openReply: "status" });

  beforeAll(async () => {
    pair = await openPtyPair();
    stopSim = await runSimOnPath(sim, pair.a, 9600);
    port = await openPort(pair.b);
  });

  afterAll(async () => {
    await closePort(port);
    await stopSim?.();
    sim.stop();
    await pair?.close();
  });

  it("answers a query, an open and a query-all with the frames the vectors define", async () => {
    const ask = master(port!);
    expect(await ask({ kind: "queryLock", board: 1, lock: 1 })).toMatchObject({
      ok: true,
      msg: { kind: "lockStatusReply", board: 1, lock: 1, closed: true },
    });
    expect(await ask({ kind: "openLock", board: 1, lock: 2 })).toMatchObject({
      ok: true,
      msg: { kind: "openReply", board: 1, lock: 2, style: "status", result: "opened" },
    });
    expect(sim.isOpen(1, 2)).toBe(true);
    const all = await ask({ kind: "queryAll", board: 1 });
    expect(all.ok && all.msg).toEqual({ kind: "queryAllReply", board: 1, closedMask: 0xffffff & ~0b10 });
  });
});

describe("pty helper: unplug and replug on the same link paths", () => {
  const dir = mkdtempSync(join(tmpdir(), "qh-pty-"));
  const links = { linkA: join(dir, "sim"), linkB: join(dir, "gw") };
  const cleanups: Array<() => Promise<void>> = [];

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("restarts socat on the same paths and the link works again", async () => {
    const sim = new LockboardBusSim({ boards: [1] });
    cleanups.push(async () => sim.stop());

    const first = await openPtyPair(links);
    cleanups.push(() => first.close());
    expect(first.a).toBe(links.linkA);
    let stopSim = await runSimOnPath(sim, first.a, 9600);
    let port = await openPort(first.b);
    expect(await master(port)({ kind: "queryLock", board: 1, lock: 1 })).toMatchObject({ ok: true });

    // unplug: socat goes away with both ptys and both links. (serialport does not always emit
    // "close" on a vanished pty, so link code must not rely on that event alone.)
    await first.close();
    expect(existsSync(first.ptyB)).toBe(false);
    expect(existsSync(links.linkB)).toBe(false);
    await closePort(port);
    await stopSim();

    // replug on the same paths
    const second = await openPtyPair(links);
    cleanups.push(() => second.close());
    expect(second.pid).not.toBe(first.pid);
    stopSim = await runSimOnPath(sim, second.a, 9600);
    cleanups.push(stopSim);
    port = await openPort(second.b);
    cleanups.push(() => closePort(port));
    expect(await master(port)({ kind: "queryLock", board: 1, lock: 1 })).toMatchObject({
      ok: true,
      msg: { kind: "lockStatusReply", closed: true },
    });
  });
});
