/**
 * A dead controller next to a live one on the same line (modbus-serial's ServerSerial answers unit
 * 1 only; unit 2 never answers): reading unit 2 resolves "unreachable" and never rejects; after its
 * first failed read it is backed off (no more frames to it until its probe is due), and unit 1 is
 * read every time meanwhile.
 */
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openPtyLine, type PtyLine } from "../serial/support/pty-line.js";
import {
  coldRegisters,
  type GatewaySide,
  metric,
  startGateway,
  startServer,
  type ThirdPartyServer,
  until,
} from "./support.js";

describe("cold controller: a dead controller does not stall a live one", () => {
  let pty: PtyLine;
  let server: ThirdPartyServer;
  let gw: GatewaySide;
  let registry: Registry;

  beforeEach(async () => {
    pty = await openPtyLine();
    server = await startServer(pty.b, { unitID: 1, ...coldRegisters() });
    registry = new Registry();
    // a short timeout where one is expected; a probe interval far beyond the test
    gw = startGateway(pty.a, registry, { timeoutMs: 300, retries: 2, backoffMs: 600_000 });
    await until(() => gw.bus.connected, "bus connected");
  });

  afterEach(async () => {
    await gw?.stop();
    await server?.close();
    await pty?.close();
  });

  it("reads the live one every time and the dead one as unreachable, backed off", async () => {
    const live = gw.controller(1);
    const dead = gw.controller(2);
    const sent = () => metric(registry, "qh_bus_frames_sent_total", { bus: "modbus-1" });
    const timeouts = () =>
      metric(registry, "qh_bus_frames_rejected_total", { bus: "modbus-1", reason: "timeout" });

    const first = await dead.read(0);
    expect(first).toMatchObject({ device: "cold-2", temperatureC: null, quality: "unreachable" });
    expect(await timeouts()).toBe(3); // one read: the first attempt and two retries
    expect(gw.bus.targets().find((t) => t.target === "2")?.reachable).toBe(false);

    const sentBefore = await sent();
    for (let i = 0; i < 10; i++) {
      const [a, b] = await Promise.all([live.read(i % 2), dead.read(i % 2)]);
      expect(a.quality, `round ${i}`).toBe("ok");
      expect(a.temperatureC).toBe(i % 2 === 0 ? 4 : -18);
      expect(b.quality).toBe("unreachable");
    }
    // 10 rounds of the live controller (2 reads each: 04 and 03), not one frame to the dead one
    expect((await sent()) - sentBefore).toBe(20);
    expect(await timeouts()).toBe(3);
    expect(await metric(registry, "qh_bus_targets_unreachable", { bus: "modbus-1" })).toBe(1);
  });

  it("interleaves a live controller's command between the retries to a dead one", async () => {
    const order: string[] = [];
    const dead = gw
      .controller(2)
      .read(0)
      .then((r) => order.push(`dead ${r.quality}`));
    const live = gw
      .controller(1)
      .writeSetpoint(0, 3)
      .then((v) => order.push(`live ${v}`));
    await Promise.all([dead, live]);
    expect(order).toEqual(["live 3", "dead unreachable"]);
    expect(server.holding.get(0)).toBe(30);
  });
});
