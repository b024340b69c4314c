/**
 * The 3.5-character silence between frames (Modbus over Serial Line V1.02 §2.5.1.1; ignored, it
 * makes two controllers on a line time out: PROTOCOLS.md §9, mqmgateway #40). Measured on the
 * device's end of a socat pty pair: from the moment a controller (our simulator) writes its reply
 * to the first byte of the gateway's next request, on a line of two controllers read back to back.
 * The bound is a floor the master's own timer enforces after it has received the reply, so a slow,
 * loaded machine only makes the gaps longer: this is not a timing assertion that load can break.
 */
import { performance } from "node:perf_hooks";
import { Registry } from "prom-client";
import { SerialPort } from "serialport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { modbusRtuAdapter } from "../../../src/drivers/modbus-rtu-adapter.js";
import { ModbusColdSim } from "../../../src/sim/modbus-cold.js";
import { openPtyLine, type PtyLine } from "../serial/support/pty-line.js";
import { type GatewaySide, model, startGateway, until } from "./support.js";

describe("modbus line: t3.5 of silence before every request", () => {
  let pty: PtyLine;
  let port: SerialPort;
  let sim: ModbusColdSim;
  let gw: GatewaySide;

  beforeEach(async () => {
    pty = await openPtyLine();
    sim = new ModbusColdSim({ model, units: [1, 2] });
    port = new SerialPort({ path: pty.b, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on("error", () => {});
    sim.attach(port);
    gw = startGateway(pty.a, new Registry());
    await until(() => gw.bus.connected, "bus connected");
  });

  afterEach(async () => {
    await gw?.stop();
    sim?.stop();
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    await pty?.close();
  });

  it("keeps at least t3.5 (3.65 ms at 9600 8N1) after each reply before the next request", async () => {
    const { silenceMs, interFrameGapMs } = modbusRtuAdapter.lineTiming(9600);
    expect(silenceMs).toBeCloseTo(3.646, 3);
    expect(interFrameGapMs).toBeCloseTo(silenceMs, 9); // exact, not rounded up to whole ms

    let lastReplyAt: number | undefined;
    const gaps: number[] = [];
    sim.on("tx", () => {
      lastReplyAt = performance.now();
    });
    port.on("data", () => {
      const now = performance.now();
      if (lastReplyAt !== undefined) gaps.push(now - lastReplyAt);
      lastReplyAt = undefined; // only the first chunk of the next request counts
    });

    const a = gw.controller(1);
    const b = gw.controller(2);
    for (let i = 0; i < 15; i++) {
      // both at once: the bus master queues them; every read is two transactions (04, then 03)
      const [ra, rb] = await Promise.all([a.read(i % 2), b.read(i % 2)]);
      expect([ra.quality, rb.quality]).toEqual(["ok", "ok"]);
    }
    expect(gaps.length).toBeGreaterThanOrEqual(55); // 60 transactions, the first one follows no reply
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(silenceMs);
  });
});
