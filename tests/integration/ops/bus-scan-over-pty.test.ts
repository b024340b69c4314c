/**
 * Issue 12, bus scan, over REAL serial lines (socat pty pairs) with our simulators on the far end:
 * every address of the range probed through the line's bus master, reads only.
 *
 *  - Kerong line: boards at 0 (in the config) and 2 (not), one at 5 answering garbage, nothing
 *    elsewhere: per address who answered and what (model, locks, doors open); no unlock ever sent.
 *  - lockboard-xor line: the same with query-all reads; no open frame ever sent.
 *  - Modbus line: controllers at units 1 (configured: its channels by the model's map) and 3 (not).
 *  - A second scan of a busy bus: 409 QH_JOB_BUSY naming the job; cancel ends the job.
 *  - The probed empty addresses do not make the bus unhealthy (/health problems unchanged).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type ColdControllerModel, loadModels } from "../../../src/config/models.js";
import { createKerongSim } from "../../../src/sim/kerong-cu16.js";
import { createLockboardSim } from "../../../src/sim/lockboard-xor.js";
import { createModbusColdSim } from "../../../src/sim/modbus-cold.js";
import { waitUntil } from "../../helpers/upstream.js";
import { startOpsSite } from "./support.js";

type Site = Awaited<ReturnType<typeof startOpsSite>>;
type Answer = {
  address: number;
  answered: boolean;
  status: string;
  model?: string;
  device?: string;
  detail: string;
  report?: Record<string, unknown>;
};

describe("bus scan over a pty", () => {
  let site: Site | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it("kerong-cu16: configured, unconfigured, garbled and empty addresses; never an unlock", async () => {
    const sim = createKerongSim({ boards: [0, 2, 5] });
    sim.garble(5);
    sim.forceOpen(2, 3);
    sim.setPresent(0, 4, true);
    const moves: string[] = [];
    sim.on("rx", (r) => {
      const kind = r.ok ? (r.msg as { kind: string }).kind : "";
      if (kind !== "queryLock") moves.push(kind);
    });
    site = await startOpsSite([
      {
        sim,
        line: {
          id: "bus-k",
          protocol: "kerong-cu16",
          baudRate: 19200,
          devices: [{ id: "locker-k", model: "kerong-cu16-bank", address: 0 }],
        },
      },
    ]);
    const s = site;
    const started = await s.api("POST", "/buses/bus-k/scan", { from: 0, to: 7 });
    expect(started.status).toBe(202);
    const job = await s.waitJob(started.body.job as string);
    expect(job.state, JSON.stringify(job.error)).toBe("done");
    expect(job.progress).toEqual({ done: 8, total: 8 });
    const by = new Map((job.results as Answer[]).map((r) => [r.address, r]));
    expect(by.get(0)).toMatchObject({
      answered: true,
      status: "ok",
      model: "kerong-cu16-bank",
      device: "locker-k",
    });
    expect(by.get(0)!.report).toMatchObject({ locks: 16, open: [], present: [4] });
    expect(by.get(2)).toMatchObject({ answered: true, status: "ok" });
    expect(by.get(2)!.model).toBeUndefined();
    expect(by.get(2)!.report).toMatchObject({ open: [3] });
    expect(by.get(2)!.detail).toContain("not in the config");
    expect(by.get(5)).toMatchObject({ answered: true, status: "garbled" });
    for (const a of [1, 3, 4, 6, 7]) expect(by.get(a)).toMatchObject({ answered: false, status: "silent" });
    expect(moves).toEqual([]); // reads only: no unlock, no setting
    // probes of empty addresses are no dead boards: the configured board stays healthy
    const health = await s.gw.api.inject({ method: "GET", url: "/health" });
    expect(JSON.stringify(JSON.parse(health.body).problems)).not.toContain("unreachable");
  });

  it("lockboard-xor: the boards that answer, and no open frame", async () => {
    const sim = createLockboardSim({ boards: [1, 2, 4], locksPerBoard: 24 });
    sim.forceOpen(4, 7);
    const opens: number[] = [];
    sim.on("rx", (r) => {
      if (r.ok && (r.msg as { kind: string }).kind !== "queryAll") opens.push(1);
    });
    site = await startOpsSite([
      {
        sim,
        line: {
          id: "bus-x",
          protocol: "lockboard-xor",
          baudRate: 9600,
          devices: [{ id: "locker-x", model: "demo-bank-24", address: 1 }],
        },
      },
    ]);
    const s = site;
    const started = await s.api("POST", "/buses/bus-x/scan", { from: 1, to: 5 });
    expect(started.status).toBe(202);
    const job = await s.waitJob(started.body.job as string);
    const by = new Map((job.results as Answer[]).map((r) => [r.address, r]));
    expect(by.get(1)).toMatchObject({ answered: true, device: "locker-x", model: "demo-bank-24" });
    expect(by.get(2)).toMatchObject({ answered: true, device: "locker-x" }); // the bank's second board
    expect(by.get(3)).toMatchObject({ answered: false });
    expect(by.get(4)).toMatchObject({ answered: true });
    expect(by.get(4)!.report).toMatchObject({ open: [7] });
    expect(by.get(5)).toMatchObject({ answered: false });
    expect(opens).toEqual([]);
  });

  it("modbus-rtu: a configured controller reports its channels, an unknown one answers", async () => {
    const model = loadModels().get("generic-cold-controller") as ColdControllerModel;
    const sim = createModbusColdSim({ model, units: [1, 3] });
    site = await startOpsSite(
      [
        {
          sim,
          line: {
            id: "bus-m",
            protocol: "modbus-rtu",
            baudRate: 9600,
            devices: [{ id: "cold-ctrl", model: "generic-cold-controller", address: 1 }],
          },
        },
      ],
      {},
    );
    const s = site;
    const started = await s.api("POST", "/buses/bus-m/scan", { from: 1, to: 4 });
    expect(started.status).toBe(202);
    const job = await s.waitJob(started.body.job as string);
    expect(job.state, JSON.stringify(job.error)).toBe("done");
    const by = new Map((job.results as Answer[]).map((r) => [r.address, r]));
    expect(by.get(1)).toMatchObject({ answered: true, status: "ok", model: "generic-cold-controller" });
    const channels = by.get(1)!.report!.channels as { temperature: number; setpoint: number }[];
    expect(channels).toHaveLength(2);
    expect(channels[0]!.setpoint).toBe(4);
    expect(channels[1]!.setpoint).toBe(-18);
    expect(by.get(3)).toMatchObject({ answered: true, status: "ok" });
    expect(by.get(3)!.model).toBeUndefined();
    expect(by.get(2)).toMatchObject({ answered: false });
    expect(by.get(4)).toMatchObject({ answered: false });
  });

  it("one long operation per bus: a second scan is 409 QH_JOB_BUSY; cancel ends the first", async () => {
    const sim = createKerongSim({ boards: [0] });
    site = await startOpsSite([
      {
        sim,
        line: {
          id: "bus-k",
          protocol: "kerong-cu16",
          baudRate: 19200,
          timeoutMs: 300,
          devices: [{ id: "locker-k", model: "kerong-cu16-bank", address: 0 }],
        },
      },
    ]);
    const s = site;
    const first = await s.api("POST", "/buses/bus-k/scan", {}); // 0..15: 15 silent addresses
    expect(first.status).toBe(202);
    const second = await s.api<{ error: { code: string; details: { job: string } } }>(
      "POST",
      "/buses/bus-k/scan",
      {},
    );
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("QH_JOB_BUSY");
    expect(second.body.error.details.job).toBe(first.body.job);
    await waitUntil(
      async () =>
        (await s.api<{ progress: { done: number } }>("GET", `/jobs/${first.body.job}`)).body.progress.done >=
        1,
      10_000,
      "a first result",
    );
    const cancelled = await s.api<{ state: string; progress: { done: number; total: number } }>(
      "DELETE",
      `/jobs/${first.body.job}`,
    );
    expect(cancelled.status).toBe(200);
    const ended = await s.waitJob(first.body.job as string);
    expect(ended.state).toBe("cancelled");
    expect(ended.progress.done).toBeLessThan(16);
    // the bus is free again
    const again = await s.api("POST", "/buses/bus-k/scan", { from: 0, to: 0 });
    expect(again.status).toBe(202);
    expect((await s.waitJob(again.body.job as string)).state).toBe("done");
  });
});
