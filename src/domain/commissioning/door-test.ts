/**
 * The door test: every compartment of a bank (or the chosen locks), one door at a time.
 *
 *   read the door ─► open already?  ─► sensor_fault, not pulsed
 *        │ no answer ─► no_answer, not pulsed (nor any other door of that board afterwards)
 *        ▼
 *   one pulse (the locker's door truth: recorded intent, never repeated: issue 7)
 *        │ not taken / outcome unknown ─► no_answer (a board gone silent: its other doors are not pulsed)
 *        ▼
 *   read until open (openTimeoutS)  ─► never open: jammed (the board answered) / no_answer (it did not)
 *        ▼
 *   read until shut (closeTimeoutS: the installer shuts each door) ─► never shut: sensor_fault
 *        ▼
 *   ok, with openedAfterMs and closedAfterMs (monotonic clock)
 *
 * A compartment holding a parcel (the store says so, or its item sensor sees one) is skipped unless
 * the test names it in `locks`. The report is written when the test starts and after every door.
 */
import { isQhError, QhError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { type JobHandle, type Jobs, type JobView, pause } from "./jobs.js";
import { type DoorResult, type DoorTestReport, type ReportStore, summarize } from "./reports.js";
import type { BankLock, CommissioningSite, DoorTestBank } from "./site.js";

export interface DoorTestInput {
  /** 1-based positions in the bank's model; absent: every compartment */
  locks?: number[];
  /** default 10 */
  openTimeoutS?: number;
  /** default 60 */
  closeTimeoutS?: number;
}

export interface DoorTestDeps {
  jobs: Jobs;
  site: CommissioningSite;
  reports: ReportStore;
  clock: { now(): number; mono(): number; synced(): boolean };
  gateway: { id: string; site: string };
  /** how often a door is read while waiting, ms (default 200) */
  readEveryMs?: number;
  /** a simulated line: the simulator shuts a door this long after it is seen open (default 1500) */
  simulatedShutMs?: number;
}

/** The bank `bank`. @throws QhError QH_BANK_UNKNOWN (404) */
export function requireBank(site: CommissioningSite, bank: string): DoorTestBank {
  const b = site.banks.get(bank);
  if (!b) {
    const known = [...site.banks.keys()].join(", ") || "none";
    throw new QhError("QH_BANK_UNKNOWN", `no locker bank ${bank} at this site (banks: ${known})`, { bank });
  }
  return b;
}

/**
 * Checks and starts a door test.
 * @returns the job's view (its `report` names the report being written)
 * @throws QhError QH_BANK_UNKNOWN, QH_DOOR_TEST_INVALID (a lock the bank does not have, twice the
 *   same lock), QH_JOB_BUSY (a job runs on the bank's bus)
 */
export function startDoorTest(d: DoorTestDeps, bankId: string, input: DoorTestInput): JobView {
  const bank = requireBank(d.site, bankId);
  const chosen = input.locks !== undefined;
  const locks = input.locks ?? bank.locks.map((l) => l.lock);
  const seen = new Set<number>();
  for (const n of locks) {
    if (!bank.locks.some((l) => l.lock === n) || seen.has(n)) {
      throw new QhError(
        "QH_DOOR_TEST_INVALID",
        seen.has(n)
          ? `lock ${n} is named twice`
          : `bank ${bankId} has locks 1 to ${bank.locks.length}; there is no lock ${n}`,
        { bank: bankId, lock: n },
      );
    }
    seen.add(n);
  }
  const openTimeoutS = input.openTimeoutS ?? 10;
  const closeTimeoutS = input.closeTimeoutS ?? 60;
  const reportId = newId(d.clock.now());
  const targets = locks.map((n) => bank.locks.find((l) => l.lock === n)!);
  return d.jobs.start(
    "door-test",
    bank.bus,
    targets.length,
    async (h) => {
      const report: DoorTestReport = {
        id: reportId,
        kind: "door-test",
        gateway: d.gateway.id,
        site: d.gateway.site,
        bank: bank.bank,
        bus: bank.bus,
        model: bank.model,
        job: h.id,
        state: "running",
        startedAt: new Date(d.clock.now()).toISOString(),
        ...(d.clock.synced() ? {} : { clock: "unsynced" as const }),
        options: { locks, chosen, openTimeoutS, closeTimeoutS },
        summary: summarize([]),
        doors: [],
      };
      d.reports.save(report);
      try {
        await runDoors(d, bank, targets, chosen, { openTimeoutS, closeTimeoutS }, h, (r) => {
          report.doors.push(r);
          report.summary = summarize(report.doors);
          d.reports.save(report);
        });
        report.state = h.signal.aborted ? "cancelled" : "done";
      } catch (err) {
        report.state = "failed";
        throw err;
      } finally {
        report.endedAt = new Date(d.clock.now()).toISOString();
        if (!d.clock.synced()) report.clock = "unsynced";
        d.reports.save(report);
      }
    },
    { bank: bank.bank, report: reportId },
  );
}

async function runDoors(
  d: DoorTestDeps,
  bank: DoorTestBank,
  targets: BankLock[],
  chosen: boolean,
  t: { openTimeoutS: number; closeTimeoutS: number },
  h: JobHandle,
  record: (r: DoorResult) => void,
): Promise<void> {
  /** boards that did not answer: none of their doors is pulsed afterwards */
  const silent = new Set<number>();
  for (const l of targets) {
    if (h.signal.aborted) return;
    const r = await testDoor(d, bank, l, chosen, silent, t, h.signal);
    record(r);
    h.result(r);
  }
}

async function testDoor(
  d: DoorTestDeps,
  bank: DoorTestBank,
  l: BankLock,
  chosen: boolean,
  silent: Set<number>,
  t: { openTimeoutS: number; closeTimeoutS: number },
  signal: AbortSignal,
): Promise<DoorResult> {
  const base = {
    lock: l.lock,
    compartment: l.compartment,
    board: l.address,
    boardLock: l.boardLock,
    at: new Date(d.clock.now()).toISOString(),
  };
  const every = d.readEveryMs ?? 200;
  const view = bank.view(l.compartment);
  if (!chosen && (view.parcelId !== null || view.present === true)) {
    return {
      ...base,
      outcome: "skipped",
      detail: `not opened: a parcel is inside (${view.parcelId ?? "the item sensor sees one"}); name lock ${l.lock} in locks to test it anyway`,
    };
  }
  if (silent.has(l.address)) {
    return {
      ...base,
      outcome: "no_answer",
      detail: `not pulsed: board ${l.address} did not answer earlier in this test`,
    };
  }
  // read the door before anything else (issue 7)
  let before: boolean | undefined;
  try {
    before = await bank.read(l.compartment);
  } catch (err) {
    silent.add(l.address);
    return {
      ...base,
      outcome: "no_answer",
      detail: `not pulsed: board ${l.address} does not answer a read (${codeOf(err)})`,
    };
  }
  if (before === true) {
    return {
      ...base,
      outcome: "sensor_fault",
      detail:
        "not pulsed: the door reads open before any pulse (shut it and test again; if it is shut, its sensor is faulty)",
    };
  }
  const t0 = d.clock.mono();
  try {
    await bank.pulse(l.compartment);
  } catch (err) {
    const unknown = isQhError(err) && (err.details as { pulse?: string } | undefined)?.pulse === "unknown";
    if (unknown || isQhError(err, "QH_LOCKER_UNREACHABLE")) silent.add(l.address);
    if (isQhError(err, "QH_LOCKER_BUSY")) {
      return { ...base, outcome: "skipped", detail: `not pulsed: ${err.message}` };
    }
    return {
      ...base,
      outcome: "no_answer",
      detail: unknown
        ? `pulsed once, then board ${l.address} answered neither the pulse nor the read after it: the door may be open; no other door of this board is pulsed`
        : `board ${l.address} did not take the pulse (${codeOf(err)})`,
    };
  }
  // wait for the sensor to read open
  const seen = await watch(bank, l.compartment, true, t0 + t.openTimeoutS * 1000, every, d.clock, signal);
  if (seen.at === undefined) {
    if (signal.aborted)
      return { ...base, outcome: "cancelled", detail: "pulsed once; cancelled before the door read open" };
    if (seen.answered)
      return {
        ...base,
        outcome: "jammed",
        detail: `pulsed once; the door still read shut after ${t.openTimeoutS} s (a jammed latch, or a sensor stuck at shut)`,
      };
    silent.add(l.address);
    return {
      ...base,
      outcome: "no_answer",
      detail: `pulsed once; board ${l.address} stopped answering reads`,
    };
  }
  const openedAfterMs = Math.round(seen.at - t0);
  bank.shutByHand?.(l.compartment, d.simulatedShutMs ?? 1500);
  const shut = await watch(
    bank,
    l.compartment,
    false,
    seen.at + t.closeTimeoutS * 1000,
    every,
    d.clock,
    signal,
  );
  if (shut.at === undefined) {
    if (signal.aborted)
      return {
        ...base,
        outcome: "cancelled",
        openedAfterMs,
        detail: "opened; cancelled before the door read shut",
      };
    return {
      ...base,
      outcome: shut.answered ? "sensor_fault" : "no_answer",
      openedAfterMs,
      detail: shut.answered
        ? `opened, but the door never read shut within ${t.closeTimeoutS} s (not shut, or a sensor stuck at open)`
        : `opened; board ${l.address} stopped answering before the door read shut`,
    };
  }
  return {
    ...base,
    outcome: "ok",
    openedAfterMs,
    closedAfterMs: Math.round(shut.at - seen.at),
    detail: "opened on one pulse and read shut again",
  };
}

/** Reads the door until it reads `open` (→ the monotonic time it did) or the deadline passes. */
async function watch(
  bank: DoorTestBank,
  compartment: string,
  open: boolean,
  deadline: number,
  every: number,
  clock: { mono(): number },
  signal: AbortSignal,
): Promise<{ at?: number; answered: boolean }> {
  let answered = false;
  for (;;) {
    try {
      const now = await bank.read(compartment);
      answered = true;
      if (now === open) return { at: clock.mono(), answered };
    } catch {
      // a missed read: the next one decides
    }
    if (clock.mono() >= deadline || signal.aborted) return { answered };
    await pause(Math.min(every, Math.max(1, deadline - clock.mono())), signal);
  }
}

function codeOf(err: unknown): string {
  return isQhError(err) ? err.code : ((err as Error)?.message ?? String(err));
}
