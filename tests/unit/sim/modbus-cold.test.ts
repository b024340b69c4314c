/** The Modbus cold-controller simulator answers the vector requests with the vector replies. */
import { afterEach, describe, expect, it } from "vitest";
import { type ColdControllerModel, loadModels } from "../../../src/config/models.js";
import { toHex } from "../../../src/protocols/bytes.js";
import { ModbusColdSim, type ModbusColdSimOptions } from "../../../src/sim/modbus-cold.js";
import { loadVectors, type SimOp, wireBytes } from "../protocols/vectors.js";
import { captureTx, playExchange } from "./exchange.js";

const file = loadVectors("modbus-rtu");
const model = loadModels().get("generic-cold-controller") as ColdControllerModel;
const sims: ModbusColdSim[] = [];
function sim(options: Partial<ModbusColdSimOptions>): ModbusColdSim {
  // a clock that never moves: the zones stay exactly at their starting state
  const s = new ModbusColdSim({ model, clock: () => 0, ...options });
  sims.push(s);
  return s;
}
afterEach(() => {
  for (const s of sims.splice(0)) s.stop();
});

type ColdOp = SimOp & { unit?: number; channel?: number };

function applyColdOp(s: ModbusColdSim, op: ColdOp): void {
  const unit = op.unit ?? 1;
  switch (op.op) {
    case "probeFault":
      s.setFault(unit, op.channel ?? 0, "probe");
      return;
    case "doorOpen":
      s.setDoor(unit, op.channel ?? 0, true);
      return;
    case "kill":
      s.kill(unit);
      return;
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

describe("modbus-rtu simulator answers the vector requests with the vector replies", () => {
  expect(file.exchanges.length).toBeGreaterThanOrEqual(10);
  for (const ex of file.exchanges) {
    it(`${ex.name}${ex.note ? `: ${ex.note}` : ""}`, async () => {
      await playExchange(file, ex, sim(ex.sim as Partial<ModbusColdSimOptions>), applyColdOp);
    });
  }

  it("gives the same replies from the pure byte machine (handle) and over its line side", async () => {
    const s = sim({ units: [1] });
    const pure = Buffer.concat(s.handle(wireBytes(file, "read-input-ch1")).map((o) => o.data));
    expect(toHex(pure)).toBe(toHex(wireBytes(file, "reply-input-ch1-frozen")));
    const tx = await captureTx(s, () => s.receive(wireBytes(file, "read-input-ch1")));
    expect(toHex(tx)).toBe(toHex(pure));
  });

  it("answers a request split across chunks, and a revived controller answers again", async () => {
    const s = sim({ units: [1] });
    const req = wireBytes(file, "read-input-ch0");
    s.kill(1);
    expect(await captureTx(s, () => s.receive(req))).toHaveLength(0);
    s.revive(1);
    const tx = await captureTx(s, () => {
      s.receive(req.subarray(0, 3));
      s.receive(req.subarray(3));
    });
    expect(toHex(tx)).toBe(toHex(wireBytes(file, "reply-input-ch0-chilled")));
  });
});
