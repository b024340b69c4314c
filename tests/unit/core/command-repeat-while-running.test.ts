/**
 * A command id that arrives again while the first is still running (a broker's redelivery, a
 * replay by whoever can publish on the platform broker) is not run twice and is never answered
 * "outcome unknown" (that answer is for a restart): it waits for the first and answers `duplicate`.
 * Command names that are not registered do not become metric label values.
 */
import { Registry } from "prom-client";
import { expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import type { CommandResult } from "../../../src/core/command.js";
import { silentLogger } from "../../../src/core/logger.js";
import { Ledger } from "../../../src/store/ledger.js";
import { CommandRouter } from "../../../src/uplink/command-router.js";
import { useTempDb } from "../../helpers/temp-db.js";

const t = useTempDb();

function router(registry = new Registry()) {
  const published: CommandResult[] = [];
  const r = new CommandRouter({
    gatewayId: "gw-test",
    ledger: new Ledger(t.db),
    clock: new ManualClock(),
    log: silentLogger(),
    registry,
    publishResult: (x) => published.push(x),
  });
  return { r, published, registry };
}

const cmd = (id: string) =>
  Buffer.from(JSON.stringify({ id, args: { compartment: "A03" }, expiresAt: "2030-01-01T00:00:00.000Z" }));

it("a repeat while the first runs waits for it: one run, then ok and duplicate", async () => {
  const { r, published } = router();
  let runs = 0;
  let release: () => void = () => {};
  r.register("locker.open", async () => {
    runs++;
    await new Promise<void>((res) => {
      release = res;
    });
    return { door: "pulsed" };
  });
  const first = r.handleMessage("locker.open", cmd("o-2"));
  const repeats = Array.from({ length: 5 }, () => r.handleMessage("locker.open", cmd("o-2")));
  await new Promise((res) => setImmediate(res));
  release();
  await Promise.all([first, ...repeats]);
  expect(runs).toBe(1);
  expect(published[0]).toMatchObject({ id: "o-2", status: "ok", result: { door: "pulsed" } });
  expect(published.slice(1).map((p) => p.status)).toEqual(Array(5).fill("duplicate"));
  expect(published.some((p) => p.error?.code === "QH_COMMAND_OUTCOME_UNKNOWN")).toBe(false);
});

it("unknown command names are counted under one label, not one series each", async () => {
  const { r, registry } = router();
  for (let i = 0; i < 50; i++) await r.handleMessage(`zz${i}`, cmd(`u-${i}`));
  const text = await registry.metrics();
  const series = text.split("\n").filter((l) => l.startsWith("qh_commands_total{"));
  expect(series).toEqual(['qh_commands_total{name="unknown",status="rejected"} 50']);
});

it("a command that is not valid UTF-8 is rejected and not run (never decoded with replacement characters)", async () => {
  const { r, published } = router();
  let runs = 0;
  r.register("locker.open", async () => {
    runs++;
    return {};
  });
  const text = JSON.stringify({ id: "u-1", args: { reason: "XX" }, expiresAt: "2030-01-01T00:00:00.000Z" });
  const bytes = Buffer.from(text);
  const at = bytes.indexOf("XX");
  bytes[at] = 0xff;
  bytes[at + 1] = 0xfe;
  await r.handleMessage("locker.open", bytes);
  expect(runs).toBe(0);
  expect(published[0]).toMatchObject({
    id: "u-1",
    status: "rejected",
    error: { code: "QH_COMMAND_INVALID" },
  });
});

it("expiresAt must be a real calendar time with a zone", async () => {
  const { r, published } = router();
  r.register("ping", async () => ({}));
  for (const [i, expiresAt] of ["2030-02-31T00:00:00Z", "2030-01-01", "2030-01-01T25:00:00Z"].entries()) {
    await r.handleMessage("ping", Buffer.from(JSON.stringify({ id: `e-${i}`, args: {}, expiresAt })));
  }
  await r.handleMessage(
    "ping",
    Buffer.from(JSON.stringify({ id: "e-ok", args: {}, expiresAt: "2030-02-28T00:00:00+08:00" })),
  );
  expect(published.map((p) => p.status)).toEqual(["rejected", "rejected", "rejected", "ok"]);
});
