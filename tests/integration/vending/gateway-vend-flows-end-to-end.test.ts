/**
 * The whole gateway with a simulated vending machine (the config's vending bus): the platform
 * drives pay first (vend.session) and select first (vend.authorize → vend.authorize.result) over
 * the real uplink (aedes), the customer's hands through the simulator API, a cash sale; every
 * vend event reaches the platform, and bad command args are rejected with their key.
 * vend.authorize is a request (R/dev/{device}/req/vend.authorize, no seq), not a stored event, and
 * neither it nor the approve line waits for an fsync: with the WAL's fdatasync held back, the
 * machine still gets its approval and dispenses (docs/vending.md "What must be durable").
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contractValidators, schemaForUplinkTopic } from "../../helpers/contract.js";
import { HeldSync } from "../../helpers/held-sync.js";
import { waitUntil } from "../../helpers/upstream.js";
import { startVendingGateway, VEND_ROOT, type VendingRig } from "../../helpers/vending-gateway.js";

describe("vending through the whole gateway", () => {
  let rig: VendingRig;
  const sync = new HeldSync();

  beforeEach(async () => {
    sync.holding = false;
    rig = await startVendingGateway(
      { prices: { "3": 500, "4": 250 }, dispenseMs: 50 },
      {},
      { walSync: sync.fn },
    );
  });
  afterEach(async () => {
    sync.holding = false;
    sync.release();
    await rig.stop();
  });
  const api = (m: "GET" | "POST", url: string, body?: unknown) => rig.api(m, url, body).then((r) => r.body);
  const waitMachine = (s: string) => rig.waitMachine(s);
  const command = (name: string, args: Record<string, unknown>) => rig.command(name, args, 10_000);
  const event = (type: string, n = 1) => rig.event(type, n);

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
    const [auth] = await rig.request("vend.authorize");
    expect(auth).toMatchObject({ device: "vm-a", type: "vend.authorize", gw: "gw-test" });
    expect(auth).not.toHaveProperty("seq");
    const r = await command("vend.authorize.result", {
      device: "vm-a",
      requestId: (auth?.data as { requestId?: string } | undefined)?.requestId,
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
    expect(rig.platform.events.map((e) => e.type).filter((t) => t.startsWith("vend."))).toEqual([
      "vend.approved",
      "vend.completed",
      "vend.session_ended",
      "vend.approved",
      "vend.completed",
      "vend.cash_sale",
    ]);
  });

  it("every vending message matches its contract schema (envelope or request, and its data)", async () => {
    await command("vend.session", { device: "vm-a", credit: 800, paymentRef: "pay-schema" });
    await waitMachine("IDLE");
    await api("POST", "/sim/vending/vm-a", { action: "select", item: 3 });
    await event("vend.session_ended");
    await waitMachine("ENABLED");
    await api("POST", "/sim/vending/vm-a", { action: "select", item: 4 });
    const [auth] = await rig.request("vend.authorize");
    const requestId = (auth?.data as { requestId?: string } | undefined)?.requestId;
    const args = { device: "vm-a", requestId, approved: true, paymentRef: "wx-schema" };
    expect(await command("vend.authorize.result", args)).toMatchObject({ status: "ok" });
    await event("vend.completed", 2);
    await api("POST", "/sim/vending/vm-a", { action: "cash", item: 4 });
    await event("vend.cash_sale");
    await api("POST", "/sim/vending/vm-a", { action: "select", item: 4 });
    await rig.request("vend.authorize", 2);
    await event("vend.denied"); // no answer: timeout

    const v = contractValidators();
    const bad: string[] = [];
    const check = (schema: string, value: unknown, what: string) => {
      const f = v.get(schema);
      if (!f) bad.push(`no schema ${schema} for ${what}`);
      else if (!f(value)) bad.push(`${what}: ${JSON.stringify(f.errors)}`);
    };
    for (const m of rig.platform.messages) {
      const schema = schemaForUplinkTopic(VEND_ROOT, m.topic);
      if (schema) check(schema, JSON.parse(m.payload), m.topic);
      if (schema !== "envelope" && schema !== "request") continue;
      const e = JSON.parse(m.payload) as { type: string; data: unknown };
      if (e.type.startsWith("vend."))
        check(`${schema === "request" ? "request" : "event"}.${e.type}`, e.data, `${e.type} data`);
    }
    for (const t of [
      "vend.approved",
      "vend.completed",
      "vend.session_ended",
      "vend.cash_sale",
      "vend.denied",
    ])
      expect(rig.platform.events.some((e) => e.type === t)).toBe(true);
    check("cmd.vend.authorize.result.args", args, "vend.authorize.result args");
    check(
      "cmd.vend.session.args",
      { device: "vm-a", credit: 800, paymentRef: "pay-schema" },
      "vend.session args",
    );
    check("cmd.vend.session.cancel.args", { paymentRef: "pay-schema" }, "vend.session.cancel args");
    expect(bad).toEqual([]);
    // vend.authorize is a request, not a stored event: its schema is named for what it is
    expect(rig.platform.messages.some((m) => m.topic.endsWith("/req/vend.authorize"))).toBe(true);
    expect(v.has("request.vend.authorize")).toBe(true);
    expect(v.has("event.vend.authorize")).toBe(false);
    expect(v.get("cmd.vend.authorize.result.args")?.({ requestId: "r", approved: true })).toBe(false);
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

  it("select first: vend.authorize and the approve line go out while the WAL's fdatasync is held", async () => {
    sync.holding = true; // from here no commit becomes durable until released
    await api("POST", "/sim/vending/vm-a", { action: "select", item: 4 });
    const [auth] = await rig.request("vend.authorize");
    const requestId = (auth?.data as { requestId?: string } | undefined)?.requestId;
    await rig.platform.client.publishAsync(
      "qh/v1/gw-test/cmd/vend.authorize.result",
      JSON.stringify({
        id: "held-approve",
        args: { device: "vm-a", requestId, approved: true, paymentRef: "wx-held" },
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
      { qos: 1 },
    );
    // the machine was told "approved" and dispensed, though nothing was fsynced meanwhile
    await waitUntil(() => rig.sim.vends.some((v) => v.outcome === "dispensed"), 5000, "the dispense");
    expect(sync.waiting.length).toBeGreaterThan(0);
    expect(rig.platform.events.filter((e) => e.type === "vend.completed")).toHaveLength(0);
    sync.holding = false;
    sync.release();
    const [done] = await event("vend.completed");
    expect(done?.data).toMatchObject({ requestId, slot: 4, paymentRef: "wx-held" });
  });
});
