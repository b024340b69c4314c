/**
 * A handler marked `ledgerAfterRun` (vend.authorize.result: the reader answers one pending request
 * once) runs with no ledger write before it (no fsync between the platform's answer and the
 * approve line), is recorded once it ran, and a repeat of its id is still answered `duplicate`
 * from the ledger, while running and after. Unmarked handlers keep the "started" row first.
 */
import { Registry } from "prom-client";
import { expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { type CommandResult, ledgerAfterRun } from "../../../src/core/command.js";
import { silentLogger } from "../../../src/core/logger.js";
import { Ledger } from "../../../src/store/ledger.js";
import { CommandRouter } from "../../../src/uplink/command-router.js";
import { useTempDb } from "../../helpers/temp-db.js";

const t = useTempDb();

const cmd = (id: string) =>
  Buffer.from(JSON.stringify({ id, args: {}, expiresAt: "2030-01-01T00:00:00.000Z" }));

it("no ledger row before a ledgerAfterRun handler runs; recorded after; repeats are duplicates", async () => {
  const ledger = new Ledger(t.db);
  const published: CommandResult[] = [];
  const r = new CommandRouter({
    gatewayId: "gw-test",
    ledger,
    clock: new ManualClock(),
    log: silentLogger(),
    registry: new Registry(),
    publishResult: (x) => published.push(x),
  });
  const seen: Record<string, unknown> = {};
  let runs = 0;
  r.register(
    "vend.authorize.result",
    ledgerAfterRun(async () => {
      runs++;
      seen.after = ledger.get("a-1");
      return { approved: true };
    }),
  );
  r.register("locker.open", async () => {
    seen.before = ledger.get("l-1");
    return { door: "pulsed" };
  });
  await r.handleMessage("vend.authorize.result", cmd("a-1"));
  expect(seen.after).toBeUndefined();
  expect(ledger.get("a-1")).toMatchObject({ state: "done", result: { status: "ok" } });
  await r.handleMessage("vend.authorize.result", cmd("a-1"));
  expect(runs).toBe(1);
  expect(published.map((p) => p.status)).toEqual(["ok", "duplicate"]);

  await r.handleMessage("locker.open", cmd("l-1"));
  expect(seen.before).toMatchObject({ state: "started" });
});
