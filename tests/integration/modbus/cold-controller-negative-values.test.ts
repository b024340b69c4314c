/**
 * Negative temperatures and set-points against a third-party Modbus server (modbus-serial's
 * ServerSerial over a socat pty pair): -18.0 °C is raw 0xFF4C, never 6535.6 (PROTOCOLS.md §9: the
 * register read as unsigned); a negative set-point is written as a two's complement word and read
 * back.
 */
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openPtyLine, type PtyLine } from "../serial/support/pty-line.js";
import {
  coldRegisters,
  type GatewaySide,
  startGateway,
  startServer,
  type ThirdPartyServer,
  until,
  word,
} from "./support.js";

describe("cold controller: negative values against modbus-serial's server", () => {
  let pty: PtyLine;
  let server: ThirdPartyServer;
  let gw: GatewaySide;

  beforeEach(async () => {
    pty = await openPtyLine();
    server = await startServer(pty.b, { unitID: 7, ...coldRegisters() });
    gw = startGateway(pty.a, new Registry());
    await until(() => gw.bus.connected, "bus connected");
  });

  afterEach(async () => {
    await gw?.stop();
    await server?.close();
    await pty?.close();
  });

  it("reads -18.0 °C from the frozen channel and 4.0 °C from the chilled one, with their flags", async () => {
    const c = gw.controller(7);
    const frozen = await c.read(1);
    expect(frozen).toMatchObject({
      device: "cold-7",
      channel: 1,
      temperatureC: -18,
      setpointC: -18,
      quality: "ok",
      doorOpen: false,
      compressorOn: true,
      defrosting: false,
    });
    expect(typeof frozen.atMono).toBe("number");
    expect(await c.read(0)).toMatchObject({
      temperatureC: 4,
      setpointC: 4,
      quality: "ok",
      compressorOn: false,
    });

    server.input.set(16, word(-1)); // -0.1 °C: the smallest negative
    expect((await c.read(1)).temperatureC).toBe(-0.1);
    server.input.set(16, word(-32000)); // the lowest value that is not an error code
    expect((await c.read(1)).temperatureC).toBe(-3200);
  });

  it("writes a negative set-point once (06, two's complement) and returns the value read back", async () => {
    const c = gw.controller(7);
    expect(await c.writeSetpoint(1, -20.5)).toBe(-20.5);
    expect(server.writes).toEqual([{ address: 16, value: 0xff33 }]); // -205
    expect(server.holding.get(16)).toBe(word(-205));
    expect((await c.read(1)).setpointC).toBe(-20.5);
  });

  it("reads a probe's sensor-fault values as sensor_fault, with no temperature", async () => {
    const c = gw.controller(7);
    for (const raw of [32767, word(-32001), word(-32768)]) {
      server.input.set(0, raw);
      const r = await c.read(0);
      expect(r, `raw ${raw}`).toMatchObject({ temperatureC: null, quality: "sensor_fault", setpointC: 4 });
    }
  });
});
