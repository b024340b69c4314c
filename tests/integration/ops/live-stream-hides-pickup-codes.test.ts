/**
 * The live view never streams a resident's pickup code (attacker review of issue 12): on the demo
 * site (config/default.yaml), a real gateway, a real HTTP client reading GET /api/v1/live, a parcel
 * deposited through the kiosk API and the simulated hands:
 *  - the stream's `parcel.deposited` carries the parcel, compartment… but `pickupCode` is hidden
 *    (the locker's scrubAfterDelivery path), while the stored event still has the code for the
 *    platform;
 *  - a distribution event's `code` keys are hidden by the hub as well.
 */

import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../../../src/config/load.js";
import { HIDDEN, LiveHub } from "../../../src/domain/commissioning/live.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { DEMO_COURIER } from "../../../src/extensions/locker.js";
import { startTestGateway, tempDir } from "../../helpers/gateway.js";
import { waitUntil } from "../../helpers/upstream.js";

const TOKEN = "live-secret-token-0123456789";
const H = { authorization: `Bearer ${TOKEN}` };
type Ev = { event: string; data: { type?: string; data?: Record<string, unknown> } };

describe("the live view hides pickup codes", { timeout: 90_000 }, () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  beforeAll(async () => {
    const raw = parse(readFileSync(join(import.meta.dirname, "../../../config/default.yaml"), "utf8"));
    const dir = tempDir("qh-live-secret-");
    Object.assign(raw, {
      dataDir: join(dir, "data"),
      deviceBroker: { ...raw.deviceBroker, port: 0 },
      uplink: { ...raw.uplink, embeddedPort: 0 },
      api: { ...raw.api, port: 0, token: TOKEN },
      log: { level: "silent" },
    });
    const config = validateConfig(raw);
    gw = await startTestGateway(config, { extensions: extensionsFor(config) });
  });
  afterAll(async () => {
    await gw?.cleanup();
  });

  const call = (method: "GET" | "POST" | "DELETE", url: string, payload?: unknown) =>
    gw.api.inject({
      method,
      url: `/api/v1${url}`,
      headers: H,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it("parcel.deposited on the SSE stream has no pickup code in clear", async () => {
    const items: Ev[] = [];
    let buf = "";
    const req = request(`http://127.0.0.1:${gw.apiPort}/api/v1/live`, {
      headers: { ...H, accept: "text/event-stream" },
    });
    const status = new Promise<number>((resolve, reject) => {
      req.on("response", (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) items.push({ event, data: JSON.parse(data) });
          }
        });
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    req.end();
    try {
      expect(await status).toBe(200);
      const t = "/kiosk/kiosk-a";
      for (const [path, body] of [
        ["/deposit", { courierCode: DEMO_COURIER.code }],
        ["/deposit/barcode", { barcode: "LIVE-SECRET-1" }],
        ["/deposit/size", { size: "S" }],
      ] as const)
        expect((await call("POST", `${t}${path}`, body)).statusCode, path).toBe(200);
      let s: { step?: string; device?: string; compartment?: string; parcelId?: string } = {};
      await waitUntil(
        async () => {
          s = (await call("GET", `${t}/deposit`)).json();
          return s.step === "open";
        },
        10_000,
        "the door open",
      );
      for (const action of ["put", "close"])
        await call("POST", `/sim/lockers/${s.device}/${s.compartment}`, { action });
      const deposited = () =>
        items.find((i) => i.event === "event" && i.data.type === "parcel.deposited")?.data.data;
      await waitUntil(() => deposited() !== undefined, 15_000, "parcel.deposited on the live stream");
      const shown = deposited()!;
      expect(shown.parcelId).toBe(s.parcelId);
      expect(shown.pickupCode).toBe(HIDDEN);
      // the platform still gets the code: the stored event has it
      const stored = (
        gw.db
          .prepare("SELECT data FROM events_view WHERE type = 'parcel.deposited'")
          .pluck()
          .all() as string[]
      )
        .map((x) => JSON.parse(x) as { parcelId: string; pickupCode?: string })
        .find((x) => x.parcelId === s.parcelId);
      expect(stored?.pickupCode).toMatch(/^\d{6,}$/);
      // nowhere in what was streamed
      expect(JSON.stringify(items)).not.toContain(stored!.pickupCode!);
      await call("DELETE", `${t}/deposit`);
    } finally {
      req.destroy();
    }
  });

  it("a distribution event's code keys are hidden too", () => {
    const hub = new LiveHub();
    hub.hide([{ type: "parcel.deposited", path: "$.data.pickupCode" }]);
    const seen: unknown[] = [];
    hub.on("event", (e) => seen.push(e.data));
    const body = (data: unknown) => JSON.stringify({ ts: "2026-11-30T12:00:00Z", data });
    hub.events([
      { seq: 1, device: "gw", type: "distribution.loaded", body: body({ bundleId: "b1", code: "445566" }) },
      {
        seq: 2,
        device: "gw",
        type: "distribution.unclaimed",
        body: body({ bundles: [{ bundleId: "b2", pickupCode: "778899" }] }),
      },
      {
        seq: 3,
        device: "locker-a",
        type: "parcel.deposited",
        body: body({ parcelId: "p", pickupCode: "123456" }),
      },
      { seq: 4, device: "locker-a", type: "door.opened", body: body({ compartment: "A01" }) },
    ]);
    expect(seen).toEqual([
      { bundleId: "b1", code: HIDDEN },
      { bundles: [{ bundleId: "b2", pickupCode: HIDDEN }] },
      { parcelId: "p", pickupCode: HIDDEN },
      { compartment: "A01" },
    ]);
  });
});
