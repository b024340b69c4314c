/**
 * A defrost asked while a scheduled one already runs is reported `already_running` and nothing is
 * written (review finding: a timed-out write was reported started because the read afterwards saw
 * the scheduled defrost). Against modbus-serial's server over a socat pty pair.
 */
import { Registry } from "prom-client";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openPtyLine, type PtyLine } from "../serial/support/pty-line.js";
import {
  coldRegisters,
  type GatewaySide,
  startGateway,
  startServer,
  type ThirdPartyServer,
  until,
} from "./support.js";

let pty: PtyLine;
let server: ThirdPartyServer;
let gw: GatewaySide;

beforeEach(async () => {
  pty = await openPtyLine();
  const regs = coldRegisters();
  server = await startServer(pty.b, { unitID: 7, ...regs, input: { ...regs.input, 19: 1 } }); // frozen: defrosting
  gw = startGateway(pty.a, new Registry());
  await until(() => gw.bus.connected, "bus connected");
});

afterEach(async () => {
  await gw?.stop();
  await server?.close();
  await pty?.close();
});

it("reads the defrost state first: already running writes nothing; otherwise writes once and says started", async () => {
  const c = gw.controller(7);
  await expect(c.defrost(1)).resolves.toBe("already_running");
  expect(server.writes).toEqual([]);
  await expect(c.defrost(0)).resolves.toBe("started");
  expect(server.writes).toEqual([{ address: 1, value: 1 }]);
});
