/**
 * One household id rule for the gateway (src/domain/site/household.ts): NFKC, trimmed, compared
 * case-insensitively, stored lower case; control, zero-width and look-alike characters refused.
 * distribution.load takes `b2-1101`, `B2-1101`, `b2-1101 ` and a fullwidth `ｂ2-1101` as one
 * household (one bundle per round), refuses the rest naming each item; vend.session's household
 * goes through the same rule (the pay-first session is bound to the canonical id).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import type { JsonObject } from "../../../src/core/envelope.js";
import { parseHousehold } from "../../../src/domain/site/household.js";
import type { SiteMode } from "../../../src/domain/site/mode-types.js";
import { Rationing } from "../../../src/domain/vending/ration.js";
import { rationCommands } from "../../../src/domain/vending/ration-commands.js";
import { type DistFixture, distFixture } from "./fixture.js";

describe("household ids", () => {
  let f: DistFixture | undefined;
  afterEach(async () => {
    await f?.cleanup();
    f = undefined;
  });

  it("the rule: one canonical form, the rest refused", () => {
    for (const v of ["b2-1101", "B2-1101", " b2-1101 ", "b2-1101\n", "ｂ２-１１０１"])
      expect(parseHousehold(v)).toBe("b2-1101");
    expect(parseHousehold("H.7:3_a")).toBe("h.7:3_a");
    for (const v of [
      "",
      " ",
      "-b2",
      "b2\u20111101",
      "b2-1101\u200b",
      "\u0000\n<script>",
      "3 楼",
      "a".repeat(65),
      7,
    ])
      expect(parseHousehold(v)).toBeUndefined();
  });

  it("distribution.load: case, spaces and fullwidth variants are one household; the rest is refused by item", async () => {
    f = await distFixture();
    const fx = f;
    const load = (bundles: JsonObject[]) => fx.run("distribution.load", { roundId: "r1", bundles });
    await expect(
      load([
        { bundleId: "B1", household: "b2-1101", code: "410001" },
        { bundleId: "B2", household: "B2-1101", code: "410002" },
        { bundleId: "B3", household: "b2-1101 ", code: "410003" },
        { bundleId: "B4", household: "b2\u20111101", code: "410004" },
        { bundleId: "B5", household: "ｂ2-1101", code: "410005" },
        { bundleId: "B6", household: "b2-1101\u200b", code: "410006" },
        { bundleId: "B7", household: "\u0000\n<script>", code: "410007" },
      ]),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      details: {
        problems: [
          expect.stringMatching(/^args\.bundles\[1\]\.household: b2-1101 has bundles\[0\] already/),
          expect.stringMatching(/^args\.bundles\[2\]\.household: b2-1101 has bundles\[0\] already/),
          expect.stringMatching(/^args\.bundles\[3\]\.household: must be 1-64 characters/),
          expect.stringMatching(/^args\.bundles\[4\]\.household: b2-1101 has bundles\[0\] already/),
          expect.stringMatching(/^args\.bundles\[5\]\.household: must be/),
          expect.stringMatching(/^args\.bundles\[6\]\.household: must be/),
        ],
      },
    });
    expect(await load([{ bundleId: "B1", household: "B2-1101", code: "410001" }])).toMatchObject({
      added: 1,
    });
    // stored in the canonical form; a variant in a later load of the round is the same household
    await expect(load([{ bundleId: "B2", household: " b2-1101", code: "410002" }])).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      message: expect.stringMatching(/bundles\[0\]\.household: b2-1101 has a bundle in round r1 already/),
    });
    await f.dist.startLoading("kiosk-1", "KQXWZV");
    await f.dist.scanLabel("kiosk-1", "B1");
    await f.port.settle();
    await f.port.putParcel({ device: "locker-a", compartment: "A01" });
    await f.port.close({ device: "locker-a", compartment: "A01" });
    await f.port.settle();
    expect(f.sink.events("distribution.loaded")[0]?.data).toMatchObject({ household: "b2-1101" });
  });

  it("vend.session binds the canonical household and refuses what is none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qh-household-"));
    const db = new Database(join(dir, "gw.db"));
    try {
      const mode: SiteMode = {
        current: () => ({
          mode: "emergency",
          reason: "t",
          since: "2026-01-01T00:00:00.000Z",
          until: null,
          commandId: null,
        }),
        onChange: () => () => {},
      };
      const clock = new ManualClock();
      const ration = new Rationing({
        db,
        siteMode: mode,
        clock,
        log: pino({ level: "silent" }),
        slotInfo: () => ({ price: 500, product: "rice" }),
        allPrices: () => [{ device: "vm-1", slot: 1, price: 500 }],
      });
      // the vending part's own session handler is not what is tested here: it accepts every session
      const started: JsonObject[] = [];
      const cmds = rationCommands(
        ration,
        {
          "vend.session": async (args) => {
            started.push(args);
            return { ok: true };
          },
        },
        ["vm-1"],
        () => clock.now(),
      );
      const session = cmds["vend.session"] as NonNullable<(typeof cmds)["vend.session"]>;
      const ctx = { id: "c-1", device: "vm-1" };
      await expect(
        session({ paymentRef: "p-1", credit: 500, household: "ｂ２-１１０１ " }, ctx),
      ).resolves.toMatchObject({
        household: "b2-1101",
      });
      expect(ration.store.householdOf("p-1")).toBe("b2-1101");
      await expect(
        session(
          { paymentRef: "p-2", credit: 500, household: "b2-1101\u200b" },
          { id: "c-2", device: "vm-1" },
        ),
      ).rejects.toMatchObject({ code: "QH_COMMAND_INVALID" });
      // a leading '-' is no household id by the rule (the vending check alone let it through)
      await expect(
        session({ paymentRef: "p-3", credit: 500, household: "-b2" }, { id: "c-3", device: "vm-1" }),
      ).rejects.toMatchObject({ code: "QH_COMMAND_INVALID" });
      expect(started).toHaveLength(1);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
