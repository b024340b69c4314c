/**
 * PATCH /api/v1/locker/{bank}/layout (issue 12, compartment layout) on the demo site
 * (config/default.yaml: locker-a, the cold bank cold-a and its zones), a real gateway with its
 * verticals, the config in a temp file, real SQLite, through inject():
 *  - auth: no token / a wrong token 401, a kiosk terminal's credential 403 QH_API_SCOPE;
 *  - the body by its schema, no coercion: 400 QH_LAYOUT_INVALID naming each key path;
 *  - an unknown bank 404 QH_BANK_UNKNOWN, an unknown compartment 404 QH_LAYOUT_COMPARTMENT_UNKNOWN;
 *  - the start's cross-checks: a zone against the cold zones' lists, 400 QH_CONFIG_INVALID with
 *    the key path, the file untouched;
 *  - a good change: saved (the file holds the override, `.prev` the file before), applied live
 *    (the compartment disabled, the size the locker allocates by), listed in OpenAPI;
 *  - a restart on the saved file reads the same layout.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadConfig, validateConfig } from "../../../src/config/load.js";
import { loadModels } from "../../../src/config/models.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startTestGateway, tempDir } from "../../helpers/gateway.js";

const TOKEN = "layout-token-0123456789";
const H = { authorization: `Bearer ${TOKEN}` };
type Gw = Awaited<ReturnType<typeof startTestGateway>>;

describe("PATCH /api/v1/locker/{bank}/layout", { timeout: 90_000 }, () => {
  let gw: Gw | undefined;
  let file: string;
  let original: string;
  let dataDir: string;

  beforeAll(async () => {
    const raw = parse(readFileSync(join(import.meta.dirname, "../../../config/default.yaml"), "utf8"));
    const dir = tempDir("qh-layout-");
    dataDir = join(dir, "data");
    Object.assign(raw, {
      dataDir,
      deviceBroker: { ...raw.deviceBroker, port: 0 },
      uplink: { ...raw.uplink, embeddedPort: 0 },
      api: { ...raw.api, port: 0, token: TOKEN },
      log: { level: "silent" },
    });
    file = join(dir, "site.yaml");
    original = `# the installer's comment\n${stringify(raw)}`;
    writeFileSync(file, original);
    const config = validateConfig(raw, { models: loadModels() });
    gw = await startTestGateway(config, { extensions: extensionsFor(config), configFile: { path: file } });
  });
  afterAll(async () => {
    await gw?.cleanup();
  });

  const call = (
    method: "GET" | "PATCH",
    url: string,
    payload?: unknown,
    headers: Record<string, string> = H,
  ) =>
    gw!.api.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const patch = (bank: string, compartments: unknown) =>
    call("PATCH", `/locker/${bank}/layout`, { compartments });

  it("needs the installer's token", async () => {
    const body = { compartments: [{ id: "A01", size: "M" }] };
    expect((await call("PATCH", "/locker/locker-a/layout", body, {})).statusCode).toBe(401);
    const wrong = await call("PATCH", "/locker/locker-a/layout", body, {
      authorization: "Bearer nope-0123456789",
    });
    expect(wrong.statusCode).toBe(401);
    // a kiosk terminal's credential: not the installer
    const { pairingCode } = (
      await gw!.api.inject({
        method: "POST",
        url: "/api/v1/terminals/kiosk-a/pairing",
        headers: H,
        payload: {},
      })
    ).json() as { pairingCode: string };
    const paired = await gw!.api.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/pair",
      payload: { pairingCode },
    });
    const cookie = String(paired.headers["set-cookie"]).split(";")[0]!;
    for (const m of ["GET", "PATCH"] as const) {
      const r = await call(m, "/locker/locker-a/layout", m === "PATCH" ? body : undefined, { cookie });
      expect(r.statusCode, m).toBe(403);
      expect(r.json().error.code).toBe("QH_API_SCOPE");
    }
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("refuses a bad body with QH_LAYOUT_INVALID and each key path (no coercion)", async () => {
    const cases: [unknown, string][] = [
      [[{ id: "A01", size: "XXL" }], "compartments[0].size"],
      [[{ id: "A01", size: 3 }], "compartments[0].size"],
      [[{ id: "A01", enabled: "false" }], "compartments[0].enabled"],
      [[{ id: "A01", zone: "warm" }], "compartments[0].zone"],
      [[{ id: "A01", colour: "red" }], "compartments[0].colour"],
      [[{ id: "A01" }], "compartments[0]"],
      [[], "compartments"],
      [
        [
          { id: "A01", size: "M" },
          { id: "A01", size: "L" },
        ],
        "compartments[1].id",
      ],
    ];
    for (const [compartments, path] of cases) {
      const r = await patch("locker-a", compartments);
      expect(r.statusCode, JSON.stringify(compartments)).toBe(400);
      const e = r.json().error;
      expect(e.code).toBe("QH_LAYOUT_INVALID");
      expect(e.hint).toMatch(/size XS, S, M, L or XL/);
      expect(e.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const noList = await call("PATCH", "/locker/locker-a/layout", { A01: { size: "M" } });
    expect(noList.json().error.code).toBe("QH_LAYOUT_INVALID");
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("answers 404 QH_BANK_UNKNOWN and QH_LAYOUT_COMPARTMENT_UNKNOWN", async () => {
    for (const bank of ["locker-z", "cold-ctrl", "meter-1"]) {
      const r = await patch(bank, [{ id: "A01", size: "M" }]);
      expect(r.statusCode, bank).toBe(404);
      expect(r.json().error).toMatchObject({ code: "QH_BANK_UNKNOWN", hint: expect.any(String) });
    }
    const r = await patch("locker-a", [
      { id: "A01", size: "M" },
      { id: "Z99", size: "M" },
    ]);
    expect(r.statusCode).toBe(404);
    expect(r.json().error).toMatchObject({
      code: "QH_LAYOUT_COMPARTMENT_UNKNOWN",
      details: { path: "compartments[1].id", compartment: "Z99" },
    });
    expect(r.json().error.hint).toMatch(/GET \/api\/v1\/locker\/\{bank\}\/layout/);
    expect(readFileSync(file, "utf8")).toBe(original);
  });

  it("checks a zone against the cold zones as at start: 400 QH_CONFIG_INVALID with the key path", async () => {
    const cases: [string, unknown, string][] = [
      ["locker-a", { id: "A01", zone: "chilled" }, "buses[0].devices[0].compartments.A01.zone"],
      ["cold-a", { id: "C01", zone: "ambient" }, "buses[0].devices[1].compartments.C01.zone"],
      ["cold-a", { id: "C01", zone: "frozen" }, "buses[0].devices[1].compartments.C01.zone"],
    ];
    for (const [bank, c, path] of cases) {
      const r = await patch(bank, [c]);
      expect(r.statusCode, JSON.stringify(c)).toBe(400);
      expect(r.json().error.code).toBe("QH_CONFIG_INVALID");
      expect(r.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(readFileSync(file, "utf8")).toBe(original);
    expect(existsSync(`${file}.prev`)).toBe(false);
  });

  it("saves a good change atomically with .prev, applies it live, and a restart reads the same layout", async () => {
    const r = await patch("locker-a", [
      { id: "A01", enabled: false },
      { id: "A07", size: "XL" },
      { id: "A02", size: "S" }, // the model's own size: nothing to keep
    ]);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ applied: true, pendingDisable: [] });
    expect(r.json().restartRequired).toBeUndefined();

    const saved = readFileSync(file, "utf8");
    expect(saved).toContain("# the installer's comment");
    expect(readFileSync(`${file}.prev`, "utf8")).toBe(original);
    const onDisk = parse(saved).buses[0].devices[0];
    expect(onDisk.compartments).toEqual({ A01: { enabled: false }, A07: { size: "XL" } });

    const layout = (await call("GET", "/locker/locker-a/layout")).json();
    const byId = (id: string) => layout.compartments.find((c: { id: string }) => c.id === id);
    expect(byId("A01")).toMatchObject({
      enabled: false,
      size: "S",
      state: "out_of_service",
      reason: "disabled",
    });
    expect(byId("A07")).toMatchObject({ enabled: true, size: "XL", model: { size: "M" }, state: "free" });
    expect(byId("A02")).toMatchObject({ enabled: true, size: "S" });

    // the kiosk's size picker counts by the new sizes: A07 is an XL now, A01 no S any more
    const before = { S: 6, M: 10, L: 6, XL: 2 }; // demo-bank-24
    const started = await gw!.api.inject({
      method: "POST",
      url: "/api/v1/kiosk/kiosk-a/deposit",
      headers: H,
      payload: { courierCode: "24681357" },
    });
    expect(started.statusCode, started.body).toBe(200);
    const avail = started.json().available as Record<string, number>;
    // kiosk-a serves locker-a and cold-a (cold-a's compartments add S/M of their own)
    const cold = (await call("GET", "/locker/cold-a/layout")).json().compartments as { size: string }[];
    const coldOf = (s: string) => cold.filter((c) => c.size === s).length;
    expect(avail.XL).toBe(before.XL + 1 + coldOf("XL"));
    expect(avail.M).toBe(before.M - 1 + coldOf("M"));
    expect(avail.S).toBe(before.S - 1 + coldOf("S"));

    // enabling again drops the key from the file
    const back = await patch("locker-a", [{ id: "A01", enabled: true }]);
    expect(back.statusCode).toBe(200);
    expect(parse(readFileSync(file, "utf8")).buses[0].devices[0].compartments).toEqual({
      A07: { size: "XL" },
    });
    expect(parse(readFileSync(`${file}.prev`, "utf8")).buses[0].devices[0].compartments).toEqual({
      A01: { enabled: false },
      A07: { size: "XL" },
    });
    const again = await patch("locker-a", [{ id: "A03", enabled: false }]);
    expect(again.statusCode).toBe(200);

    // a restart on the saved file: the same layout
    await gw!.stop();
    gw = undefined;
    const config = loadConfig(file, { models: loadModels(), dataDir });
    gw = await startTestGateway(config, { extensions: extensionsFor(config), configFile: { path: file } });
    const after = (await call("GET", "/locker/locker-a/layout")).json();
    const a = (id: string) => after.compartments.find((c: { id: string }) => c.id === id);
    expect(a("A03")).toMatchObject({ enabled: false, state: "out_of_service", reason: "disabled" });
    expect(a("A07")).toMatchObject({ size: "XL", state: "free" });
    expect(a("A01")).toMatchObject({ enabled: true, state: "free" });
  });

  it("is listed in the OpenAPI document", async () => {
    const doc = (await call("GET", "/openapi.json")).json();
    expect(doc.paths["/api/v1/locker/{bank}/layout"]).toHaveProperty("patch");
    expect(doc.paths["/api/v1/locker/{bank}/layout"]).toHaveProperty("get");
  });
});
