/**
 * A controller that refuses (a Modbus exception reply from modbus-serial's ServerSerial over a pty):
 * a set-point it will not take is a coded error naming the exception, written once and never
 * resent; a read the controller refuses leaves the value out without failing the reading.
 */
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
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

describe("cold controller: exception replies from modbus-serial's server", () => {
  let pty: PtyLine;
  let server: ThirdPartyServer;
  let gw: GatewaySide;

  beforeEach(async () => {
    pty = await openPtyLine();
    server = await startServer(pty.b, {
      unitID: 1,
      ...coldRegisters(),
      // this controller takes set-points from -25.0 to +8.0 °C only: exception 03 otherwise
      refuseWrite: (address, value) => {
        const raw = value >= 0x8000 ? value - 0x10000 : value;
        return (address === 0 || address === 16) && (raw < -250 || raw > 80) ? 3 : undefined;
      },
    });
    gw = startGateway(pty.a, new Registry());
    await until(() => gw.bus.connected, "bus connected");
  });

  afterEach(async () => {
    await gw?.stop();
    await server?.close();
    await pty?.close();
  });

  it("reports a refused set-point as QH_MODBUS_EXCEPTION (code 3), written once, value unchanged", async () => {
    const c = gw.controller(1);
    const err = await c.writeSetpoint(1, -28).catch((e: unknown) => e);
    expect(isQhError(err, "QH_MODBUS_EXCEPTION")).toBe(true);
    expect((err as { details: unknown }).details).toMatchObject({
      device: "cold-1",
      unit: 1,
      function: 6,
      exception: 3,
    });
    expect((err as Error).message).toMatch(/illegal data value/);
    expect(server.writes).toEqual([{ address: 16, value: word(-280), refused: 3 }]);
    expect(server.holding.get(16)).toBe(word(-180));
    // the line and the controller are fine: the next write goes through
    expect(await c.writeSetpoint(1, -22)).toBe(-22);
    expect(gw.bus.targets()).toEqual([{ target: "1", reachable: true, failures: 0 }]);
  });

  it("refuses out-of-model set-points before the wire (QH_MODBUS_VALUE), and reads around a refused register", async () => {
    const c = gw.controller(1);
    const err = await c.writeSetpoint(0, 40).catch((e: unknown) => e);
    expect(isQhError(err, "QH_MODBUS_VALUE")).toBe(true);
    expect(server.writes).toEqual([]);

    // the set-point register disappears (a firmware without it): exception 02 to the 03 read
    server.holding.delete(0);
    const r = await c.read(0);
    expect(r).toMatchObject({ temperatureC: 4, quality: "ok", doorOpen: false });
    expect(r.setpointC).toBeUndefined();
    // and the temperature register too: no temperature, but an answer (not "unreachable")
    server.input.clear();
    expect(await c.read(0)).toMatchObject({ temperatureC: null, quality: "sensor_fault" });
  });
});
