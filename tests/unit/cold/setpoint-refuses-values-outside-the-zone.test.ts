/**
 * cold.setpoint refuses a value outside the zone's own range (a chilled zone is 2..6 °C: −30 °C
 * would freeze the groceries) and a command naming a controller that is not the zone's, before
 * anything is written (review finding).
 */
import { afterEach, expect, it } from "vitest";
import { createColdCommands } from "../../../src/domain/cold/commands.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

it("refuses set-points outside the zone's [minC, maxC] with QH_COMMAND_INVALID, writing nothing", async () => {
  f = await coldFixture([chilledZone()]);
  const cmds = createColdCommands(f.svc);
  for (const celsius of [-30, 1.9, 6.1, 12, 25, -60, 1e308]) {
    await expect(
      cmds["cold.setpoint"]!({ zone: "chilled", celsius }, { id: `c${celsius}` }),
    ).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
      details: { zone: "chilled", minC: 2, maxC: 6 },
    });
  }
  expect(f.ctrl.writes).toEqual([]);
  await expect(cmds["cold.setpoint"]!({ zone: "chilled", celsius: 6 }, { id: "ok" })).resolves.toMatchObject({
    readBackC: 6,
  });
});

it("refuses a command addressed to, or naming, another controller than the zone's", async () => {
  f = await coldFixture([chilledZone()]);
  const cmds = createColdCommands(f.svc);
  await expect(
    cmds["cold.setpoint"]!({ zone: "chilled", celsius: 4 }, { id: "a", device: "cold-other" }),
  ).rejects.toMatchObject({
    code: "QH_COMMAND_INVALID",
  });
  await expect(
    cmds["cold.setpoint"]!({ zone: "chilled", celsius: 4, device: "cold-other" }, { id: "b" }),
  ).rejects.toMatchObject({
    code: "QH_COMMAND_INVALID",
  });
  await expect(
    cmds["cold.defrost"]!({ zone: "chilled", controller: "cold-other" }, { id: "c" }),
  ).rejects.toMatchObject({
    code: "QH_COMMAND_INVALID",
  });
  expect(f.ctrl.writes).toEqual([]);
  expect(f.ctrl.channels.get(0)?.defrosting).toBe(false);
  await expect(
    cmds["cold.setpoint"]!({ zone: "chilled", celsius: 4 }, { id: "d", device: "ctrl-1" }),
  ).resolves.toMatchObject({
    readBackC: 4,
  });
});
