/**
 * Issue 14's rule for platform commands, applied to the cold chain (audit after the vertical
 * landed): cold.setpoint / cold.defrost name every problem at once and are `rejected` through
 * the router; an args.device that is not the zone's controller is refused even when the
 * command's own device is right. Before, an unknown zone hid a set-point out of range, and
 * `{ device: "ctrl-1", args: { zone, celsius, device: "other" } }` ran.
 */
import { afterEach, expect, it } from "vitest";
import { createColdCommands } from "../../../src/domain/cold/commands.js";
import { routerOver } from "../../helpers/router.js";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

const ledgerDb = useTempDb();
let f: ColdFixture;
afterEach(() => f.cleanup());

it("an unknown zone and a set-point out of range are both named; rejected, nothing written", async () => {
  f = await coldFixture([chilledZone()]);
  const r = routerOver(ledgerDb.db, f.clock, createColdCommands(f.svc));
  const out = await r.send("cold.setpoint", { args: { zone: "nope", celsius: 99 } });
  expect(out).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
  expect(out.error?.message).toMatch(
    /zone: must be one of chilled[\s\S]*celsius: must be a number from -60 to 30/,
  );
  const inZone = await r.send("cold.setpoint", { args: { zone: "chilled", celsius: "4", controller: "x" } });
  expect(inZone).toMatchObject({ status: "rejected" });
  expect(inZone.error?.message).toMatch(
    /controller: zone chilled is measured by controller ctrl-1, not x[\s\S]*celsius: must be a number within zone chilled's range, from 2 to 6/,
  );
  expect(f.ctrl.writes).toEqual([]);
});

it("args.device naming another controller is refused even when the command's device is the zone's", async () => {
  f = await coldFixture([chilledZone()]);
  const cmds = createColdCommands(f.svc);
  await expect(
    cmds["cold.setpoint"]!(
      { zone: "chilled", celsius: 4, device: "cold-other" },
      { id: "a", device: "ctrl-1" },
    ),
  ).rejects.toMatchObject({ code: "QH_COMMAND_INVALID", message: expect.stringMatching(/args\.device/) });
  await expect(
    cmds["cold.defrost"]!({ zone: "chilled", device: "cold-other" }, { id: "b", device: "ctrl-1" }),
  ).rejects.toMatchObject({ code: "QH_COMMAND_INVALID" });
  expect(f.ctrl.writes).toEqual([]);
  expect(f.ctrl.channels.get(0)?.defrosting).toBe(false);
});
