/**
 * Issue 12, door test, over a REAL serial line (socat pty pair) with the Kerong simulator playing
 * the boards and the installer's hand (autoCloseMs: a door opened by a command is shut again).
 *
 *  - Each door: ok (opened, shut), jammed (never opens), sensor_fault (opens, never reads shut),
 *    no_answer (a dead board: not pulsed at all, read first), with times; one pulse per door.
 *  - A door that reads open before the test: not pulsed (sensor_fault, said so).
 *  - A compartment with a parcel inside is skipped unless named in `locks`.
 *  - The report is stored (GET /reports, /reports/{id}, /reports/{id}.html) and survives.
 *  - While it runs, a scan of the same bus is 409 QH_JOB_BUSY.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { KerongMessage } from "../../../src/protocols/kerong-cu16/index.js";
import { createKerongSim } from "../../../src/sim/kerong-cu16.js";
import { type JobBody, startOpsSite } from "./support.js";

type Site = Awaited<ReturnType<typeof startOpsSite>>;
type Door = {
  lock: number;
  compartment: string;
  outcome: string;
  openedAfterMs?: number;
  closedAfterMs?: number;
  detail: string;
  at: string;
};

describe("door test over a pty", () => {
  let site: Site | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  const kerongSite = async (boards: number[], devices: Record<string, unknown>[]) => {
    const sim = createKerongSim({ boards, autoCloseMs: 300 });
    const unlocks: string[] = [];
    sim.on("rx", (r) => {
      if (r.ok && (r.msg as KerongMessage).kind === "unlock") {
        const m = r.msg as { board: number; lock: number };
        unlocks.push(`${m.board}/${m.lock}`);
      }
    });
    site = await startOpsSite([
      { sim, line: { id: "bus-k", protocol: "kerong-cu16", baudRate: 19200, devices } },
    ]);
    return { sim, unlocks, s: site };
  };

  it("ok, jammed, sensor fault, open before the test, a parcel skipped; one pulse per door; the report", async () => {
    const { sim, unlocks, s } = await kerongSite(
      [0],
      [{ id: "locker-k", model: "kerong-cu16-bank", address: 0 }],
    );
    sim.jam(0, 2);
    sim.forceOpen(0, 4); // open before the test: read first, never pulsed
    sim.setPresent(0, 5, true); // a parcel inside: skipped
    const started = await s.api<{ job: string; report: string }>("POST", "/locker/locker-k/door-test", {
      locks: undefined,
      openTimeoutS: 2,
      closeTimeoutS: 2,
    });
    expect(started.status).toBe(202);
    // while it runs the bus is busy
    const scan = await s.api<{ error: { code: string } }>("POST", "/buses/bus-k/scan", { from: 0, to: 0 });
    expect(scan.status).toBe(409);
    expect(scan.body.error.code).toBe("QH_JOB_BUSY");
    // lock 3 opens, then its "installer" forgets it: the sensor never reads shut
    sim.on("rx", (r) => {
      if (!r.ok || (r.msg as KerongMessage).kind !== "unlock") return;
      const lock = (r.msg as { lock: number }).lock;
      if (lock === 3) sim.autoCloseMs = undefined; // heard before the door opens
      if (lock === 6) sim.autoCloseMs = 300; // back to normal for the rest
    });
    const job = await s.waitJob(started.body.job, 120_000);
    expect(job.state, JSON.stringify(job.error)).toBe("done");
    const doors = new Map((job.results as Door[]).map((d) => [d.lock, d]));
    expect(doors.size).toBe(16);
    expect(doors.get(1)).toMatchObject({ outcome: "ok", compartment: "01" });
    expect(doors.get(1)!.openedAfterMs).toBeGreaterThanOrEqual(0);
    expect(doors.get(1)!.closedAfterMs).toBeGreaterThanOrEqual(0);
    expect(doors.get(2)).toMatchObject({ outcome: "jammed" });
    expect(doors.get(2)!.openedAfterMs).toBeUndefined();
    expect(doors.get(3)).toMatchObject({ outcome: "sensor_fault" });
    expect(doors.get(3)!.openedAfterMs).toBeGreaterThanOrEqual(0);
    expect(doors.get(4)).toMatchObject({ outcome: "sensor_fault" });
    expect(doors.get(4)!.detail).toContain("not pulsed");
    expect(doors.get(5)).toMatchObject({ outcome: "skipped" });
    expect(doors.get(5)!.detail).toContain("parcel");
    for (let l = 6; l <= 16; l++) expect(doors.get(l)!.outcome, `lock ${l}`).toBe("ok");
    // one pulse per door pulsed, none for 4 (open) and 5 (parcel)
    const expected = [1, 2, 3, ...Array.from({ length: 11 }, (_, i) => i + 6)].map((l) => `0/${l}`);
    expect(unlocks).toEqual(expected);

    // the report: stored, listed, JSON and HTML
    const list = await s.api<{ reports: { id: string; state: string; summary: Record<string, number> }[] }>(
      "GET",
      "/reports",
    );
    expect(list.body.reports[0]).toMatchObject({ id: started.body.report, state: "done" });
    expect(list.body.reports[0]!.summary).toMatchObject({
      ok: 12,
      jammed: 1,
      sensor_fault: 2,
      skipped: 1,
      no_answer: 0,
    });
    const json = await s.api<{ doors: Door[]; bank: string; job: string }>(
      "GET",
      `/reports/${started.body.report}`,
    );
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ bank: "locker-k", job: started.body.job });
    expect(json.body.doors).toHaveLength(16);
    const html = await s.gw.api.inject({
      method: "GET",
      url: `/api/v1/reports/${started.body.report}.html`,
      headers: { authorization: "Bearer test-token-0123456789" },
    });
    expect(html.statusCode).toBe(200);
    expect(html.headers["content-type"]).toContain("text/html");
    expect(html.body).toContain("门测试报告");
    expect(html.body).toContain("Door test report");
    expect(html.body).not.toMatch(/<script/i);

    // the parcel's door, named explicitly, is tested
    sim.setPresent(0, 5, true);
    const named = await s.api<{ job: string }>("POST", "/locker/locker-k/door-test", {
      locks: [5],
      openTimeoutS: 2,
      closeTimeoutS: 5,
    });
    const again = await s.waitJob(named.body.job, 30_000);
    expect((again.results as Door[])[0]).toMatchObject({ lock: 5, outcome: "ok" });
  });

  it("a dead board: no_answer for its doors, read first and never pulsed", async () => {
    const { sim, unlocks, s } = await kerongSite(
      [0, 1],
      [
        { id: "locker-k", model: "kerong-cu16-bank", address: 0 },
        { id: "locker-l", model: "kerong-cu16-bank", address: 1 },
      ],
    );
    sim.kill(1);
    const started = await s.api<{ job: string; report: string }>("POST", "/locker/locker-l/door-test", {
      locks: [1, 2, 3],
      openTimeoutS: 1,
      closeTimeoutS: 1,
    });
    expect(started.status).toBe(202);
    const job: JobBody = await s.waitJob(started.body.job, 60_000);
    expect(job.state).toBe("done");
    expect((job.results as Door[]).map((d) => d.outcome)).toEqual(["no_answer", "no_answer", "no_answer"]);
    expect(unlocks).toEqual([]);
  });
});
