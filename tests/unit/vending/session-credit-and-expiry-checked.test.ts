/**
 * vend.session's credit is granted exactly or refused: above the reader's maximum (65534 × scale
 * factor) or not a multiple of the scale factor is QH_COMMAND_INVALID (never capped or rounded);
 * an `expiresAt` already past is refused; a non-string `device` is refused, not ignored.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createVendingCommands } from "../../../src/domain/vending/commands.js";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

const reader = (scaleFactor: number) => ({
  featureLevel: 1,
  countryCode: "1156",
  scaleFactor,
  decimalPlaces: 2,
  maxResponseSeconds: 5,
  options: 0,
});

describe("vend.session credit and expiry", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  afterEach(() => r.close());
  const ok = (_cmd: string, feed: (s: string) => void) => setTimeout(() => feed("c,OK\n"), 2);

  it("refuses credit above 65534 × scale factor instead of capping it", async () => {
    r = await scriptedRig({ dir: t.dir, db: t.db, onWrite: ok });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    await expect(r.reader.beginSession({ credit: 1_000_000, paymentRef: "pay-big" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
    });
    expect(r.written.filter((l) => l.startsWith("C,START"))).toEqual([]);
    const res = await r.reader.beginSession({ credit: 65534, paymentRef: "pay-max" });
    expect(res).toMatchObject({ credit: 65534 });
    expect(r.written).toContain("C,START,65534");
  });

  it("refuses credit that is not a multiple of the scale factor instead of rounding it", async () => {
    r = await scriptedRig({ dir: t.dir, db: t.db, onWrite: ok, settings: { reader: reader(10) } });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    await expect(r.reader.beginSession({ credit: 155, paymentRef: "pay-odd" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
    });
    await expect(r.reader.beginSession({ credit: 655_350, paymentRef: "pay-big" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
    });
    expect(await r.reader.beginSession({ credit: 150, paymentRef: "pay-even" })).toMatchObject({
      credit: 150,
    });
    expect(r.written).toContain("C,START,15");
  });

  it("refuses an expiry already past, and a non-string device", async () => {
    r = await scriptedRig({ dir: t.dir, db: t.db, onWrite: ok });
    r.feed("c,STATUS,ENABLED\n");
    await r.until(() => r.reader.readerState === "ENABLED", "ENABLED");
    await expect(
      r.reader.beginSession({ credit: 500, paymentRef: "pay-old", expiresAtMs: Date.now() - 3_600_000 }),
    ).rejects.toMatchObject({ code: "QH_COMMAND_INVALID" });
    const cmds = createVendingCommands(new Map([["vm-1", r.reader]]));
    await expect(
      cmds["vend.session"]!({ device: 12345, credit: 300, paymentRef: "pay-x" }, { id: "c1" }),
    ).rejects.toMatchObject({ code: "QH_COMMAND_INVALID", message: expect.stringContaining("args.device") });
    expect(r.written.filter((l) => l.startsWith("C,START"))).toEqual([]);
  });
});
