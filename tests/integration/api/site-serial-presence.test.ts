/**
 * GET /api/v1/site reports polled serial devices as the bus masters see them: a lock bank and a
 * cold controller whose simulators answer are `online: true`; once the simulator stops answering
 * (the board, the controller killed: silence on the wire) they turn `false`, and `true` again when
 * it answers. Before this, serial devices were always `null`. The presence rule's `null` (no poll
 * yet) and `false` (line down) cases are checked on linePresence itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extensionsFor } from "../../../src/extensions/index.js";
import { linePresence } from "../../../src/extensions/presence.js";
import type { Simulator } from "../../../src/sim/types.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";

type Killable = Simulator & { kill(n: number): void; revive(n: number): void };
const TOKEN = "test-token-0123456789";

describe("serial devices' presence in GET /api/v1/site", () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const sims = new Map<string, Killable>();

  beforeAll(async () => {
    const config = testConfig("embedded", {
      uplink: { url: "embedded", embeddedPort: 0 },
      simulate: true,
      api: { host: "127.0.0.1", port: 0, token: TOKEN },
      buses: [
        {
          id: "bus-a",
          path: "sim://bus-a",
          protocol: "lockboard-xor",
          pollIntervalMs: 50,
          timeoutMs: 100,
          retries: 0,
          devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
        },
        {
          id: "bus-cold",
          path: "sim://bus-cold",
          protocol: "modbus-rtu",
          timeoutMs: 100,
          retries: 0,
          devices: [{ id: "cold-ctrl", model: "generic-cold-controller", address: 1 }],
        },
      ],
      cold: {
        zones: [
          {
            id: "chilled",
            kind: "chilled",
            controller: "cold-ctrl",
            channel: 0,
            compartments: [],
            pollSeconds: 1,
          },
        ],
      },
    });
    gw = await startTestGateway(config, {
      extensions: extensionsFor(config, undefined, {
        onSimulator: (bus, sim) => sims.set(bus, sim as Killable),
      }),
    });
  });
  afterAll(() => gw?.cleanup());

  const online = async () => {
    const r = await gw.api.inject({
      method: "GET",
      url: "/api/v1/site",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(r.statusCode).toBe(200);
    const devices = r.json().devices as { id: string; online: boolean | null }[];
    return Object.fromEntries(devices.map((d) => [d.id, d.online]));
  };

  it("true while answering, false once the simulator stops answering, true again", async () => {
    await expect
      .poll(online, { timeout: 15_000, interval: 100 })
      .toMatchObject({ "locker-a": true, "cold-ctrl": true });
    sims.get("bus-a")?.kill(1);
    sims.get("bus-cold")?.kill(1);
    await expect
      .poll(online, { timeout: 15_000, interval: 100 })
      .toMatchObject({ "locker-a": false, "cold-ctrl": false });
    sims.get("bus-a")?.revive(1);
    sims.get("bus-cold")?.revive(1);
    await expect
      .poll(online, { timeout: 30_000, interval: 200 })
      .toMatchObject({ "locker-a": true, "cold-ctrl": true });
  }, 60_000);
});

describe("linePresence", () => {
  const owns = (d: string, t: string) => t.startsWith(`${d}@`);
  it("null before the first poll, false on a dead target or a down line, true when all answer", () => {
    expect(linePresence(true, [], ["a"], owns)).toEqual({ a: null });
    expect(
      linePresence(
        true,
        [
          { target: "a@1", reachable: true },
          { target: "a@2", reachable: false },
        ],
        ["a"],
        owns,
      ),
    ).toEqual({ a: false });
    expect(linePresence(false, [{ target: "a@1", reachable: true }], ["a"], owns)).toEqual({ a: false });
    expect(linePresence(true, [{ target: "a@1", reachable: true }], ["a", "b"], owns)).toEqual({
      a: true,
      b: null,
    });
  });
});
