/**
 * The simulated controller's thermal model, on an injected clock (minutes pass in microseconds):
 * zones hold their set-points, drift toward ambient with the door open, the compressor failed or the
 * power cut, recover once cooling runs again, defrost on command; a failed probe reads the sentinel.
 * Temperatures are read the way the gateway reads them: a Modbus request through the byte machine.
 */
import { describe, expect, it } from "vitest";
import { type ColdControllerModel, loadModels } from "../../../src/config/models.js";
import {
  createModbusDecoder,
  decodeValue,
  encode,
  type ModbusMessage,
} from "../../../src/protocols/modbus-rtu/index.js";
import { ModbusColdSim } from "../../../src/sim/modbus-cold.js";

const model = loadModels().get("generic-cold-controller") as ColdControllerModel;
const MIN = 60_000;

function rig() {
  let now = 0;
  const sim = new ModbusColdSim({ model, clock: () => now, units: [1] });
  const tick = (ms: number) => {
    now += ms;
  };
  /** Temperature of a channel read over Modbus (null = probe fault), as the driver would. */
  const read = (channel: number): number | null => {
    const req = { kind: "readInput", unit: 1, address: channel * 16, quantity: 1 } as const;
    const d = createModbusDecoder();
    d.expect(req);
    const [r] = sim.handle(encode(req)).flatMap((o) => d.push(o.data));
    const msg = r?.ok ? (r.msg as ModbusMessage) : undefined;
    if (msg?.kind !== "readInputReply") throw new Error("no reply");
    return decodeValue(model.registers.temperature, msg.values).value;
  };
  /** Run `minutes` of model time in 10 s polls, returning the highest and the last reading. */
  const run = (channel: number, minutes: number) => {
    let peak = Number.NEGATIVE_INFINITY;
    let last = Number.NaN;
    for (let t = 0; t < minutes * 6; t++) {
      tick(10_000);
      last = read(channel) ?? Number.NaN;
      peak = Math.max(peak, last);
    }
    return { peak, last };
  };
  return { sim, tick, read, run };
}

describe("simulated cold zones", () => {
  it("hold their set-points within the thermostat's differential for hours", () => {
    const { run } = rig();
    const frozen = run(1, 180);
    expect(frozen.peak).toBeLessThanOrEqual(-16.9);
    expect(frozen.last).toBeGreaterThanOrEqual(-19.1);
    const chilled = run(0, 60);
    expect(chilled.peak).toBeLessThanOrEqual(5.1);
  });

  it.each(["door-open", "compressor", "power"] as const)(
    "drift toward ambient with the fault %s, and recover once it clears",
    (fault) => {
      const { sim, run } = rig();
      run(1, 30);
      sim.setFault(1, 1, fault);
      const warm = run(1, 10);
      expect(warm.last).toBeGreaterThan(-15); // more than 3 °C over -18 within 10 minutes
      expect(warm.last).toBeLessThan(22);
      if (fault !== "door-open") expect(sim.zone(1, 1).compressorOn).toBe(false);
      else expect(sim.zone(1, 1).doorOpen).toBe(true);
      sim.clearFaults(1, 1);
      const back = run(1, 30);
      expect(back.last).toBeLessThanOrEqual(-16.9);
      expect(sim.zone(1, 1).faults).toEqual([]);
      // the other zone never noticed
      expect(sim.zone(1, 0).temperatureC).toBeLessThan(5.1);
    },
  );

  it("runs the compressor to pull a warm zone down (e.g. after loading)", () => {
    const { sim, run } = rig();
    sim.setDoor(1, 0, true);
    run(0, 3);
    expect(sim.zone(1, 0).compressorOn).toBe(true);
    sim.setDoor(1, 0, false);
    const after = run(0, 20);
    expect(after.last).toBeLessThanOrEqual(5.1);
  });

  it("defrosts on command (06 to the defrost register) as a controller does: a few degrees, a few minutes", () => {
    const { sim, run, read, tick } = rig();
    run(1, 20);
    const before = read(1)!;
    const reply = sim.handle(encode({ kind: "writeRegister", unit: 1, address: 17, value: 1 }));
    expect(reply).toHaveLength(1);
    tick(10_000);
    read(1);
    expect(sim.zone(1, 1)).toMatchObject({ defrosting: true, compressorOn: false });
    // the heater warms the coil to its end temperature (4 °C) and the defrost ends by itself,
    // well before its 30-minute limit; the air rose a few degrees, not to the heater's +20 °C
    const during = run(1, 5);
    expect(sim.zone(1, 1).defrosting).toBe(false);
    expect(during.peak).toBeGreaterThan(before);
    expect(during.peak - before).toBeLessThan(6);
    expect(during.peak).toBeLessThan(-12);
    expect(run(1, 30).last).toBeLessThanOrEqual(-16.9);
  });

  it("reads the sentinel while the probe has failed, and the temperature once it is fixed", () => {
    const { sim, read, tick } = rig();
    sim.setFault(1, 0, "probe");
    tick(MIN);
    expect(read(0)).toBeNull();
    expect(read(1)).not.toBeNull();
    sim.setFault(1, 0, "probe", false);
    expect(read(0)).toBeCloseTo(4, 0);
  });
});
