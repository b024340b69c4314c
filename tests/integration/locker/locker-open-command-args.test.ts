/**
 * locker.open from the platform, on the demo site (one locker bank): without `args.device` it opens
 * the compartment of the only bank, as the contract documents; a malformed one (unknown
 * compartment, no reason) is answered `rejected` naming both problems, and no door moves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../../helpers/upstream.js";
import { LOCKER, type LockerSite, startLockerSite } from "./support.js";

const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

describe("locker.open args", () => {
  let site: LockerSite;
  beforeAll(async () => {
    site = await startLockerSite();
  });
  afterAll(async () => site.close());

  it("without args.device opens the single bank's compartment", async () => {
    const id = `cmd-nodev-${Date.now()}`;
    const r = await site.command("locker.open", {
      id,
      args: { compartment: "A03", reason: "resident without a phone" },
      expiresAt: inAMinute(),
    });
    expect(r).toEqual({ id, status: "ok", result: { device: LOCKER, compartment: "A03", door: "pulsed" } });
    await waitUntil(() => site.simDoorOpen(LOCKER, "A03"), 20_000, "door open");
    await site.sim(LOCKER, "A03", "close");
  });

  it("a malformed command is rejected with every problem named, and nothing moves", async () => {
    const id = `cmd-bad-${Date.now()}`;
    const r = await site.command("locker.open", { id, args: { compartment: "Z99" }, expiresAt: inAMinute() });
    expect(r).toMatchObject({ id, status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    const message = (r.error as { message: string }).message;
    expect(message).toContain(`args.compartment: no compartment Z99 in ${LOCKER}`);
    expect(message).toContain("args.reason: is required");
    expect(site.eventsOfType("door.remote_open_requested").map((e) => e.data.commandId)).not.toContain(id);
    site.expectContract();
  });
});
