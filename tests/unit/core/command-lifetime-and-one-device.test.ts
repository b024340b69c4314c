/**
 * Issue 14 (signed commands), audited again: a command is never run twice by a replay, even after
 * the ledger has forgotten its id, and a command names the device it moves once.
 *
 * The ledger kept a command id 30 days (or the event retention) after it was received, however
 * long the command stayed valid: a signed locker.open with `expiresAt` 60 days ahead, replayed
 * unchanged (signature and all) after the id was pruned, ran again: the door opened twice. Now an
 * id is kept until its command has expired, so a replay after the pruning finds it expired.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { refusal } from "../../../src/core/command.js";
import { QhError } from "../../../src/core/errors.js";
import { LEDGER_MIN_KEEP_MS, ledgerKeepMs } from "../../../src/store/ledger.js";
import { routerOver } from "../../helpers/router.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();
const DAY = 86_400_000;

describe("the ledger keeps a command id until the command has expired", () => {
  it("a door command valid for 60 days, replayed unchanged after the 30-day pruning, never runs twice", async () => {
    const clock = new ManualClock();
    const opened: string[] = [];
    const r = routerOver(store.db, clock, {
      "locker.open": async (args) => {
        opened.push(String(args.compartment));
        return { door: "pulsed" };
      },
    });
    const body = {
      id: "open-a05",
      args: { compartment: "A05" },
      expiresAt: new Date(clock.now() + 60 * DAY).toISOString(),
    };
    expect(await r.send("locker.open", body)).toMatchObject({ status: "ok" });
    // the gateway's hourly retention, 31 days on (event retention 7 days: the ledger's 30 apply)
    clock.advance(31 * DAY);
    r.ledger.prune(clock.now() - ledgerKeepMs(7), clock.now());
    expect(await r.send("locker.open", body)).toMatchObject({ status: "duplicate" });
    // past its expiry the id may go: the same bytes are then expired, never run
    clock.advance(30 * DAY);
    expect(r.ledger.prune(clock.now() - ledgerKeepMs(7), clock.now())).toBe(1);
    expect(await r.send("locker.open", body)).toMatchObject({
      status: "expired",
      error: { code: "QH_COMMAND_EXPIRED" },
    });
    expect(opened).toEqual(["A05"]);
  });

  it("keeps the expiry across a restart; entries from before it (no expiry) still go by age", async () => {
    const clock = new ManualClock();
    const r = routerOver(store.db, clock, { ping: async () => ({ pong: true }) });
    await r.send("ping", { id: "long", args: {}, expiresAt: new Date(clock.now() + 90 * DAY).toISOString() });
    r.ledger.begin("old-row", "ping", clock.now()); // as a gateway before the upgrade wrote it
    const again = routerOver(store.reopen(), clock, { ping: async () => ({ pong: true }) });
    clock.advance(45 * DAY);
    expect(again.ledger.prune(clock.now() - ledgerKeepMs(0), clock.now())).toBe(1);
    expect(again.ledger.get("long")?.state).toBe("done");
    expect(again.ledger.get("old-row")).toBeUndefined();
    expect(ledgerKeepMs(0)).toBe(LEDGER_MIN_KEEP_MS);
    expect(ledgerKeepMs(400)).toBe(400 * DAY);
  });
});

describe("a command names what it moves once", () => {
  it("a top-level device and a different args.device are rejected, naming both; nothing runs", async () => {
    const clock = new ManualClock();
    const seen: unknown[] = [];
    const r = routerOver(store.db, clock, {
      "locker.open": async (args, ctx) => {
        seen.push([ctx.device, args.device]);
        return { door: "pulsed" };
      },
    });
    const out = await r.send("locker.open", {
      device: "locker-a",
      args: { device: "locker-b", compartment: "A05" },
    });
    expect(out).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    expect(out.error?.message).toMatch(/args\.device: "locker-b" is not the command's device "locker-a"/);
    expect(seen).toEqual([]);
    expect(
      await r.send("locker.open", { device: "locker-a", args: { device: "locker-a", compartment: "A05" } }),
    ).toMatchObject({ status: "ok" });
  });

  it("a handler's refusal (an unknown target, thrown before anything moved) is rejected with its own code", async () => {
    const r = routerOver(store.db, new ManualClock(), {
      "x.refuse": async () => {
        throw refusal(new QhError("QH_PLANOGRAM_SLOT_UNKNOWN", "vm-1 has no slot 99"));
      },
      "x.fail": async () => {
        throw new QhError("QH_PLANOGRAM_SLOT_UNKNOWN", "not marked: a failure");
      },
    });
    expect(await r.send("x.refuse", { args: {} })).toMatchObject({
      status: "rejected",
      error: { code: "QH_PLANOGRAM_SLOT_UNKNOWN" },
    });
    expect(await r.send("x.fail", { args: {} })).toMatchObject({ status: "failed" });
  });
});
