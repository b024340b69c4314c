/**
 * New-user review of issue 11. docs/emergency.md (`distribution.load`): "The command is `rejected`
 * as a whole with `QH_COMMAND_INVALID`, the message naming every problem", and "a recalled or
 * expired lot is a problem of the command like the others". On the demo, a signed
 * `distribution.load` whose bundle with a recalled lot also had a slot ending before it began was
 * rejected naming the slot (and five other problems) but not the lot; sent again with the slot
 * fixed, it was rejected again, now for the lot. A bundle with a problem of its own is left out
 * of the lot checks (src/domain/distribution/load-args.ts returns before the round's lotProblems),
 * so the platform engineer needs two round trips where the docs promise one. The whole gateway
 * here, as in bundle-lot-scan-and-recalled-collect.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type LockerSite, startLockerSite } from "../locker/support.js";

const GTIN = "09501101530003";

let n = 0;
const cmd = (args: Record<string, unknown>) => ({
  id: `nu-${Date.now()}-${++n}`,
  args,
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});

describe("new user: distribution.load names every problem at once", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  // new user: the lots of a bundle that has another problem are not checked, so its recalled lot
  // is not among the problems named. Fixed when this fails.
  it("a recalled lot is named together with its bundle's bad slot", async () => {
    site = await startLockerSite();
    const s = site;
    expect(await s.command("site.mode", cmd({ mode: "emergency", reason: "flood" }))).toMatchObject({
      status: "ok",
    });
    expect(await s.command("trace.recall", cmd({ gtin: GTIN, lot: "LOT-B" }))).toMatchObject({
      status: "ok",
    });
    const bad = await s.command(
      "distribution.load",
      cmd({
        roundId: "r1",
        bundles: [
          {
            bundleId: "B1",
            household: "h1",
            code: "800001",
            slot: { from: "2030-01-01T10:00:00+08:00", to: "2030-01-01T09:00:00+08:00" },
            lots: [{ gtin: GTIN, lot: "LOT-B" }],
          },
        ],
      }),
    );
    expect(bad).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    const msg = (bad.error as { message: string }).message;
    expect(msg).toContain("args.bundles[0].slot");
    expect(msg, "the recalled lot is a problem of the command like the others").toContain(
      "args.bundles[0].lots[0]",
    );
  });
});
