/**
 * The USB adapter unplugged and plugged back (socat killed and restarted on the same link paths,
 * modbus-serial's ServerSerial reopened on the device end): while the line is down every read
 * resolves "unreachable" (never rejects); once it is back, SerialLink has reopened it by itself
 * and the same driver reads real values again.
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

describe("cold controller: unplug and replug the line", () => {
  let pty: PtyLine;
  let server: ThirdPartyServer | undefined;
  let gw: GatewaySide;
  let registry: Registry;

  beforeEach(async () => {
    pty = await openPtyLine();
    server = await startServer(pty.b, { unitID: 3, ...coldRegisters() });
    registry = new Registry();
    gw = startGateway(pty.a, registry);
    await until(() => gw.bus.connected, "bus connected");
  });

  afterEach(async () => {
    await gw?.stop();
    await server?.close();
    await pty?.close();
  });

  it.each(["SIGTERM", "SIGKILL"] as const)(
    "socat killed with %s: unreachable while down, values once back",
    async (signal) => {
      const c = gw.controller(3);
      expect(await c.read(1)).toMatchObject({ temperatureC: -18, quality: "ok" });

      await pty.unplug(signal);
      await until(() => !gw.bus.connected, "the bus sees the line go down");
      const down = await c.read(1);
      expect(down).toMatchObject({ temperatureC: null, quality: "unreachable" });
      await server?.close();
      server = undefined;

      await pty.replug();
      server = await startServer(pty.b, { unitID: 3, ...coldRegisters() });
      await until(() => gw.bus.connected, "the link reopened by itself");
      // the first read after the replug may meet the server still opening its end (and then the
      // target's short backoff): read until it answers, bounded
      const deadline = Date.now() + 15_000;
      let back = await c.read(1);
      while (back.quality !== "ok" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        back = await c.read(1);
      }
      expect(back).toMatchObject({ temperatureC: -18, setpointC: -18, quality: "ok" });
      expect(
        await metric(registry, "qh_serial_link_losses_total", { bus: "modbus-1", kind: "unplugged" }),
      ).toBe(1);
      // the outage was the line's, not the controller's
      expect(gw.bus.targets().every((t) => t.reachable)).toBe(true);
    },
  );
});
