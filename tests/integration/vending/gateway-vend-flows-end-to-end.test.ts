/**
 * The whole gateway with a simulated vending machine (the config's vending bus): the platform
 * drives pay first (vend.session) and select first (vend.authorize → vend.authorize.result) over
 * the real uplink (aedes), the customer's hands through the simulator API, a cash sale; every
 * vend event reaches the platform, and bad command args are rejected with their key.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startTestGateway, testConfig } from "../../helpers/gateway.js";
import { Platform, startAedes, type Upstream } from "../../helpers/upstream.js";

const R = "qh/v1/gw-test";
const TOKEN = "test-token-0123456789";

describe("vending through the whole gateway", () => {
  let up: Upstream;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let platform: Platform;

  beforeEach(async () => {
    up = await startAedes();
    const config = testConfig(up.url, {
      buses: [
        {
          id: "vend-a",
          path: "sim://vend-a",
          protocol: "mdb-bridge-text",
          devices: [{ id: "vm-a", model: "mdb-vending-machine" }],
        },
      ],
      vending: {
        maxResponseSeconds: 3,
        authorizeWindowMs: 2000,
        machines: [{ device: "vm-a", simulator: { prices: { "3": 500, "4": 250 }, dispenseMs: 50 } }],
      },
    });
    gw = await startTestGateway(config, { extensions: extensionsFor(config) });
    platform = await Platform.connect(up.url);
    await waitMachine("ENABLED");
  });
  afterEach(async () => {
    await platform.close();
    await gw.cleanup();
    await up.stop();
  });

  async function api(method: "GET" | "POST", url: string, body?: unknown) {
    const r = await gw.api.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: body as object,
    });
    return r.json() as Record<string, unknown>;
  }
  async function waitMachine(state: string) {
    const end = Date.now() + 10_000;
    for (;;) {
      const r = (await api("GET", "/vending/machines")) as { machines: { readerState: string }[] };
      if (r.machines[0]?.readerState === state) return;
      if (Date.now() > end) throw new Error(`machine not ${state}: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }
  let n = 0;
  async function command(name: string, args: Record<string, unknown>) {
    const id = `cmd-${name}-${++n}-${Date.now()}`;
    const topic = `${R}/cmd-result/${id}`;
    await platform.client.publishAsync(
      `${R}/cmd/${name}`,
      JSON.stringify({ id, args, expiresAt: new Date(Date.now() + 60_000).toISOString() }),
      { qos: 1 },
    );
    await platform.waitFor(() => platform.topic(topic).length > 0, 10_000, `result of ${id}`);
    return JSON.parse(platform.topic(topic)[0]!.payload) as {
      status: string;
      result?: Record<string, unknown>;
      error?: { code: string; message: string };
    };
  }
  const event = async (type: string, n = 1) => {
    await platform.waitFor(() => platform.events.filter((e) => e.type === type).length >= n, 10_000, type);
    return platform.events.filter((e) => e.type === type);
  };

  it("pay first, select first and cash reach the platform", async () => {
    const s = await command("vend.session", { device: "vm-a", credit: 800, paymentRef: "pay-e2e" });
    expect(s).toMatchObject({ status: "ok", result: { device: "vm-a", credit: 800 } });
    await waitMachine("IDLE");
    expect(await api("POST", "/sim/vending/vm-a", { action: "select", item: 3 })).toMatchObject({
      sent: true,
    });
    const [done] = await event("vend.completed");
    expect(done).toMatchObject({ device: "vm-a", data: { slot: 3, price: 500, paymentRef: "pay-e2e" } });
    const [ended] = await event("vend.session_ended");
    expect(ended?.data).toMatchObject({ unspent: 300 });

    await waitMachine("ENABLED");
    await api("POST", "/sim/vending/vm-a", { action: "select", item: 4 });
    const [auth] = await event("vend.authorize");
    const r = await command("vend.authorize.result", {
      device: "vm-a",
      requestId: auth?.data.requestId,
      approved: true,
      paymentRef: "wx-e2e",
    });
    expect(r).toMatchObject({ status: "ok", result: { approved: true } });
    const completed = await event("vend.completed", 2);
    expect(completed[1]?.data).toMatchObject({ slot: 4, price: 250, paymentRef: "wx-e2e" });

    await waitMachine("ENABLED");
    await api("POST", "/sim/vending/vm-a", { action: "cash", item: 4 });
    const [cash] = await event("vend.cash_sale");
    expect(cash?.data).toMatchObject({ slot: 4, price: 250 });
    expect(platform.events.map((e) => e.type).filter((t) => t.startsWith("vend."))).toEqual([
      "vend.approved",
      "vend.completed",
      "vend.session_ended",
      "vend.authorize",
      "vend.approved",
      "vend.completed",
      "vend.cash_sale",
    ]);
  });

  it("rejects bad args with their keys, and an unknown machine with its code", async () => {
    const bad = await command("vend.session", { device: "vm-a", credit: -5 });
    expect(bad.status).toBe("rejected");
    expect(bad.error?.code).toBe("QH_COMMAND_INVALID");
    expect(bad.error?.message).toContain("args.credit");
    expect(bad.error?.message).toContain("args.paymentRef");
    const unknown = await command("vend.session", { device: "vm-zz", credit: 100, paymentRef: "p" });
    expect(unknown.error?.code).toBe("QH_VEND_MACHINE_UNKNOWN");
  });
});
