/**
 * cold.setpoint writes, reads back and reports the value read back; a controller that keeps
 * another value fails the command (QH_COLD_SETPOINT_MISMATCH, the read-back in details) and the
 * outcome is an event either way; a dead controller fails with a coded error; bad args are
 * QH_COMMAND_INVALID. cold.defrost starts a defrost. (The router's expiry, ledger and signature
 * are the core's, tested with it.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { createColdCommands } from "../../../src/domain/cold/commands.js";
import { type ColdFixture, chilledZone, coldFixture } from "./fixture.js";

let f: ColdFixture;
afterEach(() => f.cleanup());

describe("cold chain commands", () => {
  it("cold.setpoint: ok with the value read back, failed when the controller keeps another", async () => {
    f = await coldFixture([chilledZone()]);
    const cmds = createColdCommands(f.svc);
    await expect(cmds["cold.setpoint"]!({ zone: "chilled", celsius: 3 }, { id: "c1" })).resolves.toEqual({
      zone: "chilled",
      requestedC: 3,
      readBackC: 3,
    });
    f.ctrl.set(0, { setpointLimits: [3, 8] }); // the controller clamps what it stores
    const err = await cmds["cold.setpoint"]!({ zone: "chilled", celsius: 2 }, { id: "c2" }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: "QH_COLD_SETPOINT_MISMATCH",
      details: { requestedC: 2, readBackC: 3 },
    });
    expect(f.ctrl.writes).toEqual([
      { channel: 0, celsius: 3 },
      { channel: 0, celsius: 2 },
    ]); // written once each, never again blindly
    expect(f.sink.events("cold.setpoint.changed").map((e) => e.data)).toEqual([
      { zone: "chilled", requestedC: 3, readBackC: 3, ok: true, commandId: "c1" },
      { zone: "chilled", requestedC: 2, readBackC: 3, ok: false, commandId: "c2" },
    ]);
    f.ctrl.dead = true;
    await expect(cmds["cold.setpoint"]!({ zone: "chilled", celsius: 4 }, { id: "c3" })).rejects.toMatchObject(
      {
        code: "QH_SERIAL_TIMEOUT",
      },
    );
  });

  it("cold.defrost starts a defrost; bad args are refused before anything is written", async () => {
    f = await coldFixture([chilledZone()]);
    const cmds = createColdCommands(f.svc);
    await expect(cmds["cold.defrost"]!({ zone: "chilled" }, { id: "d1" })).resolves.toEqual({
      zone: "chilled",
      defrost: "started",
    });
    expect(f.ctrl.channels.get(0)?.defrosting).toBe(true);
    expect(f.sink.events("cold.defrost.started")[0]?.data).toEqual({ zone: "chilled", commandId: "d1" });
    for (const args of [
      { zone: "nope" },
      {},
      { zone: "chilled", celsius: "4" },
      { zone: "chilled", celsius: 99 },
    ]) {
      await expect(cmds["cold.setpoint"]!(args, { id: "x" })).rejects.toMatchObject({
        code: "QH_COMMAND_INVALID",
      });
    }
    await expect(cmds["cold.defrost"]!({ zone: 3 }, { id: "y" })).rejects.toMatchObject({
      code: "QH_COMMAND_INVALID",
    });
    expect(f.ctrl.writes).toEqual([]);
  });
});
