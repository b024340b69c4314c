/**
 * The cold extension composed by the gateway, as the demo runs it: a simulated Modbus line (the
 * modbus helper's thermal simulator behind the real codec, bus master and controller driver) and a
 * cold locker bank. The first reading comes within 5 s of start; the zone's state reaches the
 * retained state document; cold.setpoint writes and reads back through the command router (a
 * set-point the controller will not take fails with the value read back); cold.defrost starts a
 * defrost; a config whose zones do not fit the site is refused naming the key.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadModels } from "../../../src/config/models.js";
import type { JsonObject } from "../../../src/core/envelope.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { DEMO_COURIER } from "../../../src/extensions/locker.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { waitUntil } from "../../helpers/upstream.js";

const models = loadModels();
type Gw = Awaited<ReturnType<typeof startTestGateway>>;
let gw: Gw | undefined;
afterEach(async () => {
  await gw?.cleanup();
  gw = undefined;
});

function site(zones: Record<string, unknown>[]) {
  return testConfig("embedded", {
    uplink: { url: "embedded", embeddedPort: 0 },
    simulate: true,
    buses: [
      {
        id: "bus-a",
        path: "sim://bus-a",
        protocol: "lockboard-xor",
        devices: [{ id: "cold-a", model: "cold-locker-bank-12", address: 3 }],
      },
      {
        id: "bus-cold",
        path: "sim://bus-cold",
        protocol: "modbus-rtu",
        devices: [{ id: "cold-ctrl", model: "generic-cold-controller", address: 1 }],
      },
    ],
    locker: { terminals: [{ id: "kiosk-a", banks: ["cold-a"] }] },
    cold: { zones },
  });
}

const CHILLED = {
  id: "chilled",
  kind: "chilled",
  controller: "cold-ctrl",
  channel: 0,
  compartments: ["cold-a/C01", "cold-a/C02"],
};
const FROZEN = {
  id: "frozen",
  kind: "frozen",
  controller: "cold-ctrl",
  channel: 1,
  compartments: ["cold-a/F01"],
};

async function api(g: Gw, path: string): Promise<JsonObject> {
  const r = await g.api.inject({
    method: "GET",
    url: `/api/v1${path}`,
    headers: { authorization: "Bearer test-token-0123456789" },
  });
  return r.json() as JsonObject;
}

let cmdN = 0;
function command(g: Gw, name: string, args: JsonObject) {
  const body = { id: `cmd-cold-${++cmdN}`, args, expiresAt: new Date(Date.now() + 60_000).toISOString() };
  return g.router.handleMessage(name, Buffer.from(JSON.stringify(body)));
}

describe("the cold extension over the simulated controller", () => {
  it("reads within 5 s of start, publishes the zone state, and runs cold.setpoint and cold.defrost", async () => {
    const config = site([CHILLED, FROZEN]);
    const t0 = performance.now();
    gw = await startTestGateway(config, { extensions: extensionsFor(config, models) });
    const g = gw;
    await waitUntil(
      async () => (await api(g, "/cold/zones/frozen")).temperatureC !== null,
      5000,
      "the first reading of the frozen zone",
    );
    expect(performance.now() - t0).toBeLessThan(5000 + 3000); // start itself included
    const frozen = await api(g, "/cold/zones/frozen");
    expect(frozen).toMatchObject({
      zone: "frozen",
      kind: "frozen",
      quality: "ok",
      inAlarm: false,
      setpointC: -18,
    });
    expect(frozen.temperatureC as number).toBeLessThan(-15); // negative values through the codec
    // the zones' current state, in the controller's retained state document
    const stateDoc = () =>
      g.db.prepare("SELECT doc FROM device_state WHERE device = 'cold-ctrl'").pluck().get() as
        | string
        | undefined;
    await waitUntil(() => stateDoc() !== undefined, 5000, "the state document");
    expect(JSON.parse(stateDoc()!).coldZones.frozen).toMatchObject({ zone: "frozen", kind: "frozen" });

    const ok = await command(g, "cold.setpoint", { zone: "chilled", celsius: 3.5 });
    expect(ok).toMatchObject({ status: "ok", result: { zone: "chilled", requestedC: 3.5, readBackC: 3.5 } });
    // outside the chilled zone's own 2..6 °C: refused before anything is written
    const refused = await command(g, "cold.setpoint", { zone: "chilled", celsius: 20 });
    expect(refused).toMatchObject({ error: { code: "QH_COMMAND_INVALID" } });
    const bad = await command(g, "cold.setpoint", { zone: "nowhere", celsius: 3 });
    expect(bad).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_INVALID" } });
    const defrost = await command(g, "cold.defrost", { zone: "frozen" });
    expect(defrost).toMatchObject({ status: "ok", result: { zone: "frozen", defrost: "started" } });
    const sim = await g.api.inject({
      method: "GET",
      url: "/api/v1/sim/cold/zones/frozen",
      headers: { authorization: "Bearer test-token-0123456789" },
    });
    expect(sim.json()).toMatchObject({ zone: "frozen", defrosting: true });
    const types = g.db.prepare("SELECT type FROM events_view ORDER BY seq").pluck().all() as string[];
    expect(types).toEqual(expect.arrayContaining(["cold.setpoint.changed", "cold.defrost.started"]));
  });

  it("a kiosk deposit asking for a zone the site does not have is QH_COLD_ZONE_UNKNOWN, not 'no compartment'", async () => {
    const config = site([CHILLED, FROZEN]);
    gw = await startTestGateway(config, { extensions: extensionsFor(config, models) });
    const post = (path: string, body: JsonObject) =>
      gw!.api.inject({
        method: "POST",
        url: `/api/v1/kiosk/kiosk-a/${path}`,
        headers: { authorization: "Bearer test-token-0123456789" },
        payload: body,
      });
    expect((await post("deposit", { courierCode: DEMO_COURIER.code })).statusCode).toBe(200);
    expect((await post("deposit/barcode", { barcode: "COLD-1" })).statusCode).toBe(200);
    const r = await post("deposit/size", { size: "M", zone: "nosuchzone" });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({
      error: { code: "QH_COLD_ZONE_UNKNOWN", details: { zone: "nosuchzone", zones: ["chilled", "frozen"] } },
    });
  });

  it("refuses zones that do not fit the site, naming the key", async () => {
    const cases: [Record<string, unknown>[], RegExp][] = [
      [
        [{ ...CHILLED, controller: "cold-a" }],
        /cold\.zones\[0\]\.controller: no cold-controller device cold-a/,
      ],
      [
        [{ ...CHILLED, channel: 2 }],
        /cold\.zones\[0\]\.channel: cold-ctrl \(generic-cold-controller\) has channels 0-1/,
      ],
      [
        [{ ...CHILLED, compartments: ["cold-a/Z99"] }],
        /cold\.zones\[0\]\.compartments\[0\]: no compartment Z99/,
      ],
      [
        [CHILLED, { ...FROZEN, compartments: ["cold-a/C02"] }],
        /cold\.zones\[1\]\.compartments\[0\]: cold-a\/C02 is already in zone chilled/,
      ],
      [[{ ...CHILLED, kind: "custom" }], /cold\.zones\[0\]\.minC: a custom zone needs both/],
      [[CHILLED, { ...FROZEN, id: "chilled" }], /cold\.zones\[1\]\.id: zone chilled is declared twice/],
      [
        [CHILLED, { ...FROZEN, channel: 0 }],
        /cold\.zones\[1\]\.channel: cold-ctrl channel 0 already measures zone chilled/,
      ],
    ];
    for (const [zones, msg] of cases) {
      const config = site(zones);
      await expect(startTestGateway(config, { extensions: extensionsFor(config, models) })).rejects.toThrow(
        msg,
      );
    }
    expect(() => site([{ ...CHILLED, compartments: ["C01"] }])).toThrow(
      /cold\.zones\/0\/compartments\/0|compartments/,
    );
  });
});
