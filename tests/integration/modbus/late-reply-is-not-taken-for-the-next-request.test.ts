/**
 * A late reply for one channel must not be taken as the answer to the next request on the line
 * (review finding). Read-input replies carry no address: the reply to channel 0's poll (registers
 * 0..3) has the same shape as the one to channel 1's (16..19). After a timeout the bus master
 * flushes the line (waits t3.5 + a guard, resets the decoder) before it writes the next request, so
 * bytes that arrived before that request was written are never part of its answer.
 * Over a socat pty pair; the controller's end is driven byte by byte by the test.
 */
import { Registry } from "prom-client";
import { SerialPort } from "serialport";
import { afterEach, beforeEach, expect, it } from "vitest";
import { modbusRtuAdapter } from "../../../src/drivers/modbus-rtu-adapter.js";
import { encode, type ModbusMessage } from "../../../src/protocols/modbus-rtu/index.js";
import { openPtyLine, type PtyLine } from "../serial/support/pty-line.js";
import { type GatewaySide, startGateway, until } from "./support.js";

let pty: PtyLine;
let port: SerialPort;
let gw: GatewaySide;
const heard: Buffer[] = [];

beforeEach(async () => {
  pty = await openPtyLine();
  port = new SerialPort({ path: pty.b, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on("error", () => {});
  port.on("data", (b: Buffer) => heard.push(b));
  gw = startGateway(pty.a, new Registry(), { timeoutMs: 100, retries: 0 });
  await until(() => gw.bus.connected, "bus connected");
});

afterEach(async () => {
  await gw?.stop();
  if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
  await pty?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const write = (b: Buffer) => new Promise<void>((r) => port.write(b, () => port.drain(() => r())));

it("half a late reply before the next request, the rest after it: the next request gets its own answer", async () => {
  const reqCh0 = { kind: "readInput", unit: 1, address: 0, quantity: 4 } as const;
  const reqCh1 = { kind: "readInput", unit: 1, address: 16, quantity: 4 } as const;
  const o = { baud: 9600, timeoutMs: 100, retries: 0, priority: "poll" as const };
  // channel 0 times out: the controller is slow
  await expect(gw.bus.request(modbusRtuAdapter.request(reqCh0, o))).rejects.toMatchObject({
    code: "QH_SERIAL_TIMEOUT",
  });
  const late = encode({ kind: "readInputReply", unit: 1, values: [40, 0, 1, 0] }); // +4.0 °C
  await write(late.subarray(0, 6)); // the first half arrives before the next request
  await sleep(50);
  heard.length = 0;
  const answer = gw.bus.request(modbusRtuAdapter.request(reqCh1, o));
  await until(() => heard.length > 0, "channel 1's request on the wire");
  await write(late.subarray(6)); // the rest of the late reply, after the request was written
  await sleep(20);
  await write(encode({ kind: "readInputReply", unit: 1, values: [0xff4c, 0, 0, 0] })); // −18.0 °C
  const msg = (await answer) as Extract<ModbusMessage, { kind: "readInputReply" }>;
  expect(msg.values).toEqual([0xff4c, 0, 0, 0]);
});
