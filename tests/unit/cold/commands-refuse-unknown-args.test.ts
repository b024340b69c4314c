/**
 * cold.setpoint and cold.defrost refuse args they do not know (a typo such as `celcius`, or a
 * `durationMinutes` the defrost does not take) with QH_COMMAND_INVALID naming the key, which the
 * command router answers `rejected`; nothing is written to the controller (review finding).
 */
import { afterEach, expect, it } from "vitest";
import { createColdCommands } from "../../../src/domain/cold/commands.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

it("cold.setpoint with an unknown key is refused, the key named, nothing written", async () => {
  f = await coldFixture([chilledZone()]);
  const cmds = createColdCommands(f.svc);
  const err = await cmds["cold.setpoint"]!({ zone: "chilled", celsius: 4, celcius: 5 }, { id: "a" }).catch(
    (e) => e,
  );
  expect(err).toMatchObject({ code: "QH_COMMAND_INVALID" });
  expect(err.message).toContain("args.celcius");
  expect(f.ctrl.writes).toEqual([]);
});

it("cold.defrost with unknown keys is refused, every key named, no defrost started", async () => {
  f = await coldFixture([chilledZone()]);
  const cmds = createColdCommands(f.svc);
  const err = await cmds["cold.defrost"]!(
    { zone: "chilled", durationMinutes: 30, force: true },
    { id: "b" },
  ).catch((e) => e);
  expect(err).toMatchObject({ code: "QH_COMMAND_INVALID" });
  expect(err.message).toContain("args.durationMinutes");
  expect(err.message).toContain("args.force");
  expect(f.ctrl.channels.get(0)?.defrosting).toBe(false);
  // the known keys (zone; device and controller naming the zone's own) still run
  await expect(
    cmds["cold.defrost"]!({ zone: "chilled", device: "ctrl-1", controller: "ctrl-1" }, { id: "c" }),
  ).resolves.toMatchObject({ defrost: "started" });
});
