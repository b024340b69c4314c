/**
 * A locker bank's model or address changed, or the bank removed, while a compartment holds a
 * parcel (attacker review of issue 12): on the demo site (config/default.yaml) started from a file,
 * a real gateway, real SQLite, through inject():
 *  - a parcel deposited in locker-a (the kiosk API and the simulated hands);
 *  - PATCH model / address and DELETE refuse with 409 QH_DEVICE_HOLDS_PARCELS naming the
 *    compartment and the parcel, the file untouched; a name change still applies;
 *  - a hand-edited config (the model changed behind the API's back), restarted on the same data:
 *    /health is degraded with a problem naming the parcel and the compartment, and the pickup
 *    answers 409 QH_LOCKER_COMPARTMENT_RETIRED (not a silent 404 with /health ok).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { validateConfig } from "../../../src/config/load.js";
import { loadModels } from "../../../src/config/models.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { DEMO_COURIER } from "../../../src/extensions/locker.js";
import { startTestGateway, tempDir } from "../../helpers/gateway.js";

const TOKEN = "bank-change-token-0123456789";
const H = { authorization: `Bearer ${TOKEN}` };
type Gw = Awaited<ReturnType<typeof startTestGateway>>;

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("a locker bank's change never strands a parcel", { timeout: 120_000 }, () => {
  let gw: Gw | undefined;
  let file: string;
  let raw: Record<string, unknown> & { buses: { devices: { id: string; model: string }[] }[] };

  const call = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: unknown) =>
    gw!.api.inject({
      method,
      url: `/api/v1${url}`,
      headers: H,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    raw = parse(readFileSync(join(import.meta.dirname, "../../../config/default.yaml"), "utf8"));
    const dir = tempDir("qh-bankchange-");
    Object.assign(raw, {
      dataDir: join(dir, "data"),
      deviceBroker: { ...(raw.deviceBroker as object), port: 0 },
      uplink: { ...(raw.uplink as object), embeddedPort: 0 },
      api: { ...(raw.api as object), port: 0, token: TOKEN },
      log: { level: "silent" },
    });
    file = join(dir, "site.yaml");
    writeFileSync(file, stringify(raw));
    const config = validateConfig(raw, { models: loadModels() });
    gw = await startTestGateway(config, { extensions: extensionsFor(config), configFile: { path: file } });
  });
  afterAll(async () => {
    await gw?.cleanup();
  });

  let where: { device: string; compartment: string; parcelId: string };
  let pickupCode: string;

  it("deposits a parcel in locker-a", async () => {
    const t = "/kiosk/kiosk-a";
    for (const [path, body] of [
      ["/deposit", { courierCode: DEMO_COURIER.code }],
      ["/deposit/barcode", { barcode: "BANK-CHANGE-1" }],
      ["/deposit/size", { size: "S" }],
    ] as const) {
      const r = await call("POST", `${t}${path}`, body);
      expect(r.statusCode, `${path}: ${r.body}`).toBe(200);
    }
    let s: { step?: string; device?: string; compartment?: string; parcelId?: string } = {};
    await until(async () => {
      s = (await call("GET", `${t}/deposit`)).json();
      return s.step === "open";
    }, "the door open");
    expect(s.device).toBe("locker-a");
    for (const action of ["put", "close"]) {
      const r = await call("POST", `/sim/lockers/${s.device}/${s.compartment}`, { action });
      expect(r.statusCode).toBe(200);
    }
    await until(async () => (await call("GET", `${t}/deposit`)).json().step === "scan", "stored");
    await call("DELETE", `${t}/deposit`);
    where = s as typeof where;
    await until(() => {
      const rows = gw!.db
        .prepare("SELECT data FROM events_view WHERE type = 'parcel.deposited'")
        .pluck()
        .all() as string[];
      const d = rows.map((x) => JSON.parse(x)).find((x) => x.parcelId === where.parcelId);
      if (d?.pickupCode) pickupCode = d.pickupCode;
      return pickupCode !== undefined;
    }, "the pickup code");
  });

  it("refuses a model change, an address change and the removal with QH_DEVICE_HOLDS_PARCELS", async () => {
    const before = readFileSync(file, "utf8");
    for (const [method, payload] of [
      ["PATCH", { model: "xor-board-24" }],
      ["PATCH", { address: 9 }],
      ["DELETE", undefined],
    ] as const) {
      const r = await call(method, "/devices/locker-a", payload);
      expect(r.statusCode, `${method} ${JSON.stringify(payload)}`).toBe(409);
      const e = r.json().error;
      expect(e.code).toBe("QH_DEVICE_HOLDS_PARCELS");
      expect(e.hint).toMatch(/collect or retrieve/i);
      expect(e.details).toEqual({
        device: "locker-a",
        compartments: [{ compartment: where.compartment, parcels: [where.parcelId], holds: [] }],
      });
      expect(readFileSync(file, "utf8")).toBe(before);
    }
    // what moves nothing still goes through: the same address, a name
    expect((await call("PATCH", "/devices/locker-a", { address: 1 })).statusCode).toBe(200);
    const named = await call("PATCH", "/devices/locker-a", { name: "Lobby lockers" });
    expect(named.statusCode).toBe(200);
    expect(named.json()).toEqual({ applied: true });
  });

  it("a hand-edited config that drops the compartment: /health names the parcel, pickup is refused with a code", async () => {
    await gw!.stop();
    const edited = parse(readFileSync(file, "utf8"));
    edited.buses[0].devices[0].model = "xor-board-24";
    writeFileSync(file, stringify(edited));
    const config = validateConfig(edited, { models: loadModels() });
    gw = await startTestGateway(config, { extensions: extensionsFor(config), configFile: { path: file } });
    const health = await gw.api.inject({ method: "GET", url: "/health" });
    const body = health.json() as { status: string; problems: string[] };
    expect(body.status).toBe("degraded");
    const line = body.problems.find((p) => p.includes(where.parcelId));
    expect(line, JSON.stringify(body.problems)).toBeDefined();
    expect(line).toContain(`locker-a/${where.compartment}`);
    expect(line).toMatch(/retrieve/);
    const r = await call("POST", "/kiosk/kiosk-a/pickup", { code: pickupCode });
    expect(r.statusCode, r.body).toBe(409);
    expect(r.json().error.code).toBe("QH_LOCKER_COMPARTMENT_RETIRED");
    // the parcel is still the store's, stored (nothing lost)
    const state = gw.db.prepare("SELECT state FROM locker_parcels WHERE id = ?").pluck().get(where.parcelId);
    expect(state).toBe("stored");
  });
});
