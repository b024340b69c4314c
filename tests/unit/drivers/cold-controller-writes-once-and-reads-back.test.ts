/**
 * The cold-controller driver's writes move something: a set-point or a defrost is written once and
 * never resent by the bus master, whatever the retry policy; when the answer is lost the driver reads
 * the controller before saying anything (DESIGN.md principle 5). Over the demo's line: the in-process
 * pair paced at 9600 baud and the Modbus simulator.
 */
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ColdControllerModel, loadModels } from "../../../src/config/models.js";
import { isQhError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { ColdControllerDriver } from "../../../src/drivers/cold-controller.js";
import { createModbusBusMaster } from "../../../src/drivers/modbus-rtu-adapter.js";
import type { ModbusMessage, ModbusRequest } from "../../../src/protocols/modbus-rtu/index.js";
import { ModbusColdSim } from "../../../src/sim/modbus-cold.js";
import type { BusMaster } from "../../../src/southbound/serial/bus-master.js";
import { createInProcessPair } from "../../../src/southbound/serial/in-process.js";
import { SerialLink } from "../../../src/southbound/serial/link.js";

const model = loadModels().get("generic-cold-controller") as ColdControllerModel;

describe("cold controller: writes go out once, then the controller is read", () => {
  let sim: ModbusColdSim;
  let bus: BusMaster<ModbusMessage>;
  let c: ColdControllerDriver;
  const heard: ModbusRequest[] = [];
  const writes = () => heard.filter((m) => m.kind === "writeRegister" || m.kind === "writeRegisters");

  beforeEach(async () => {
    heard.length = 0;
    const [gw, dev] = createInProcessPair({ paceBaud: 9600 });
    sim = new ModbusColdSim({ model, units: [1] });
    sim.on("rx", (r) => {
      if (r.ok) heard.push(r.msg as ModbusRequest);
    });
    sim.attach(dev);
    const link = new SerialLink({ id: "cold", factory: () => gw, log: silentLogger() });
    // three retries for reads: none of them may ever apply to a write
    bus = createModbusBusMaster({
      link,
      baudRate: 9600,
      log: silentLogger(),
      registry: new Registry(),
      retries: 3,
    });
    bus.start();
    while (!bus.connected) await new Promise((r) => setTimeout(r, 2));
    c = new ColdControllerDriver({
      device: "cold-1",
      unit: 1,
      model,
      bus,
      baudRate: 9600,
      timeoutMs: 100,
      retries: 3,
      log: silentLogger(),
    });
  });

  afterEach(async () => {
    await bus.stop();
    sim.stop();
  });

  it("a set-point whose answer is lost: written once, read back, the value the controller holds", async () => {
    sim.loseReplies(1);
    expect(await c.writeSetpoint(1, -21)).toBe(-21);
    expect(writes()).toEqual([{ kind: "writeRegister", unit: 1, address: 16, value: 0xff2e }]);
    expect(heard.at(-1)).toEqual({ kind: "readHolding", unit: 1, address: 16, quantity: 1 });
    expect(sim.zone(1, 1).setpointC).toBe(-21);
  });

  it("a set-point to a controller that died: written once, the read finds nobody, QH_SERIAL_TIMEOUT (outcome unknown)", async () => {
    sim.kill(1);
    const err = await c.writeSetpoint(0, 3).catch((e: unknown) => e);
    expect(isQhError(err, "QH_SERIAL_TIMEOUT")).toBe(true);
    expect((err as { details: unknown }).details).toMatchObject({ moves: true });
    // on the wire once (three read retries configured), and the read-back tried, not a second write
    expect(writes()).toEqual([{ kind: "writeRegister", unit: 1, address: 0, value: 30 }]);
    expect(heard.filter((m) => m.kind === "readHolding").length).toBeGreaterThanOrEqual(1);
    sim.revive(1);
    expect(sim.zone(1, 0).setpointC).toBe(4);
  });

  it("a defrost whose answer is lost: written once, and the controller's defrost flag says it started", async () => {
    sim.loseReplies(1);
    await c.defrost(0);
    expect(writes()).toEqual([{ kind: "writeRegister", unit: 1, address: 1, value: 1 }]);
    expect(sim.zone(1, 0).defrosting).toBe(true);
    expect(await c.read(0)).toMatchObject({ defrosting: true, compressorOn: false, quality: "ok" });
  });

  it("a set-point the model does not allow never reaches the wire", async () => {
    const err = await c.writeSetpoint(1, -45).catch((e: unknown) => e);
    expect(isQhError(err, "QH_MODBUS_VALUE")).toBe(true);
    expect(heard).toEqual([]);
    await expect(c.read(2)).rejects.toMatchObject({ code: "QH_CONFIG_INVALID" });
  });
});
