/**
 * `quarterhour sim vend phone|select|cash`: the demo's three vending customers against a running
 * gateway with an embedded uplink. The CLI plays the platform on that broker (it publishes the
 * vend commands and reads the events) and the customer's hands through the simulator API:
 *
 *   quarterhour sim vend phone --item 3 --credit 800 [--household b2-1101]
 *                                                       # pay first: vend.session, then select
 *                                                       # (in emergency mode: name the household)
 *   quarterhour sim vend select --item 3 [--deny]       # select first: vend.authorize → answer
 *   quarterhour sim vend cash --item 3                  # a cash sale, recorded like the rest
 */
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import type { Config } from "../config/schema.js";
import { vendingDevices } from "../config/vending.js";
import { QhError } from "../core/errors.js";
import { HOUSEHOLD_RULE, parseHousehold } from "../domain/site/household.js";
import { type GatewayOpts, readConfig } from "./common.js";
import { connectGateway, type UplinkWatch, watchUplink } from "./gateway-client.js";

export type VendOpts = GatewayOpts & {
  device?: string;
  item?: string;
  credit?: string;
  deny?: boolean;
  household?: string;
};

type Ev = { id?: string; type: string; device: string; data: Record<string, unknown> };
const say = (s: string) => process.stdout.write(`${s}\n`);

function events(watch: UplinkWatch): Ev[] {
  const out: Ev[] = [];
  for (const m of watch.messages) {
    let v: unknown;
    try {
      v = JSON.parse(m.payload);
    } catch {
      continue;
    }
    for (const e of Array.isArray(v) ? v : [v])
      if (e && typeof e === "object" && "type" in e) out.push(e as Ev);
  }
  return out;
}

async function waitEvent(
  watch: UplinkWatch,
  what: string,
  pred: (e: Ev) => boolean,
  ms = 15_000,
): Promise<Ev> {
  const end = Date.now() + ms;
  for (;;) {
    const e = events(watch).find(pred);
    if (e) return e;
    if (Date.now() > end)
      throw new QhError("QH_SIM_VEND_FAILED", `timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function int(v: string | undefined, name: string, def: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new QhError("QH_USAGE", `--${name} "${v}": an integer 0..${max}`);
  return n;
}

/** The platform's side on the embedded broker: publish a command, wait for its result. */
async function platform(config: Config) {
  const root = `${config.uplink.topicPrefix}/${config.gateway.id}`;
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${config.uplink.embeddedPort}`, {
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  const results = new Map<string, Record<string, unknown>>();
  client.on("message", (topic, p) => {
    const id = topic.slice(`${root}/cmd-result/`.length);
    try {
      results.set(id, JSON.parse(p.toString()) as Record<string, unknown>);
    } catch {
      // not ours
    }
  });
  await client.subscribeAsync(`${root}/cmd-result/+`, { qos: 1 });
  return {
    async command(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
      const id = `sim-${name}-${randomBytes(4).toString("hex")}`;
      const body = { id, args, expiresAt: new Date(Date.now() + 60_000).toISOString() };
      await client.publishAsync(`${root}/cmd/${name}`, JSON.stringify(body), { qos: 1 });
      const end = Date.now() + 10_000;
      while (!results.has(id)) {
        if (Date.now() > end) throw new QhError("QH_SIM_VEND_FAILED", `no result for ${name} within 10 s`);
        await new Promise((r) => setTimeout(r, 25));
      }
      const r = results.get(id)!;
      if (r.status !== "ok") {
        const e = r.error as { code?: string; message?: string } | undefined;
        const more = e?.code === "QH_VEND_HOUSEHOLD_REQUIRED" ? " (name it: --household ID)" : "";
        throw new QhError(
          "QH_SIM_VEND_FAILED",
          `${name} ${r.status}: ${e?.code ?? ""} ${e?.message ?? ""}`.trim() + more,
        );
      }
      return r;
    },
    close: () => client.end(true),
  };
}

/** One vending customer: phone (pay first), select (select first) or cash. */
export async function simVend(kind: "phone" | "select" | "cash", o: VendOpts): Promise<void> {
  const config = readConfig(o);
  if (config.uplink.url !== "embedded")
    throw new QhError(
      "QH_USAGE",
      "sim vend plays the platform on the embedded uplink (uplink.url: embedded) only",
    );
  const machines = vendingDevices(config);
  const device = o.device ?? machines[0];
  if (!device)
    throw new QhError("QH_USAGE", "this config has no vending machine (a device on an mdb-bridge-text bus)");
  if (!machines.includes(device))
    throw new QhError(
      "QH_VEND_MACHINE_UNKNOWN",
      `--device ${device}: the config's vending machines are ${machines.join(", ")}`,
    );
  const item = int(o.item, "item", 3, 65535);
  const credit = int(o.credit, "credit", 1000, 100_000_000);
  // the gateway's one household rule (site/household.ts): refused here before anything is sent
  const household = o.household === undefined ? undefined : parseHousehold(o.household);
  if (o.household !== undefined && household === undefined)
    throw new QhError("QH_USAGE", `--household "${o.household}": must be ${HOUSEHOLD_RULE}`);
  const api = await connectGateway(config);
  const watch = await watchUplink(config, api.info.bootId);
  const p = await platform(config);
  const at = `/sim/vending/${encodeURIComponent(device)}`;
  const mine = (e: Ev) => e.device === device;
  let openSession: string | undefined;
  try {
    if (kind === "cash") {
      await api.call("POST", at, { action: "cash", item });
      const e = await waitEvent(watch, "vend.cash_sale", (x) => mine(x) && x.type === "vend.cash_sale");
      say(`cash sale recorded: slot ${e.data.slot}, price ${e.data.price}, sale ${e.data.saleId}`);
      return;
    }
    if (kind === "phone") {
      const paymentRef = `demo-pay-${randomBytes(3).toString("hex")}`;
      await p.command("vend.session", { device, credit, paymentRef, ...(household ? { household } : {}) });
      say(
        `phone payment ${paymentRef}: session with credit ${credit} begun on ${device}${household ? ` for household ${household}` : ""}`,
      );
      // from here a failure must not leave the session open on the machine: end it (C,STOP)
      openSession = paymentRef;
      await new Promise((r) => setTimeout(r, 300)); // the reader reaches session idle
      const sel = await api.call<{ sent: boolean }>("POST", at, { action: "select", item });
      if (!sel.sent)
        throw new QhError(
          "QH_SIM_VEND_FAILED",
          `the machine did not ask for item ${item} (unknown item, or the session is not idle)`,
        );
      say(`customer selects item ${item}`);
      const end = await waitEvent(
        watch,
        "the vend's outcome",
        (x) =>
          mine(x) &&
          ["vend.completed", "vend.failed", "vend.denied"].includes(x.type) &&
          x.data.paymentRef === paymentRef,
      );
      say(outcomeLine(end.type, end.data));
      const ended = await waitEvent(
        watch,
        "vend.session_ended",
        (x) => mine(x) && x.type === "vend.session_ended" && x.data.paymentRef === paymentRef,
      );
      openSession = undefined;
      say(
        `session ended (${ended.data.reason}): spent ${ended.data.spent}, unspent ${ended.data.unspent} to refund`,
      );
      return;
    }
    // what came before this customer's selection (envelope and request ids)
    const seen = new Set(events(watch).map((x) => x.id ?? String(x.data.requestId)));
    const sent = await api.call<{ sent: boolean }>("POST", at, { action: "select", item });
    if (!sent.sent)
      throw new QhError(
        "QH_SIM_VEND_FAILED",
        `the machine did not ask (item ${item} unknown, or the reader not enabled)`,
      );
    say(`customer selects item ${item}: the machine asks the reader`);
    // the request upstream, or a denial the gateway gave at once (price range, offline): no waiting it out
    const req = await waitEvent(
      watch,
      "vend.authorize",
      (x) =>
        mine(x) &&
        (x.type === "vend.authorize" || x.type === "vend.denied") &&
        !seen.has(x.id ?? String(x.data.requestId)),
    );
    if (req.type === "vend.denied") {
      say(outcomeLine(req.type, req.data));
      return;
    }
    say(
      `vend.authorize ${req.data.requestId}: price ${req.data.price}, answer within ${req.data.windowMs} ms`,
    );
    const paymentRef = `demo-wx-${randomBytes(3).toString("hex")}`;
    await p.command("vend.authorize.result", {
      device,
      requestId: req.data.requestId,
      approved: !o.deny,
      ...(o.deny ? { reason: "demo_denied" } : { paymentRef }),
    });
    say(o.deny ? "platform denies" : `platform approves (payment ${paymentRef})`);
    const end = await waitEvent(
      watch,
      "the vend's outcome",
      (x) =>
        mine(x) &&
        ["vend.completed", "vend.failed", "vend.denied"].includes(x.type) &&
        x.data.requestId === req.data.requestId,
    );
    say(outcomeLine(end.type, end.data));
  } finally {
    if (openSession) {
      // the phone flow failed midway: end the session it began rather than leave credit on the machine
      try {
        await p.command("vend.session.cancel", { device, paymentRef: openSession });
        process.stderr.write(`session ${openSession} cancelled: its unspent credit is reported for refund\n`);
      } catch (err) {
        process.stderr.write(`session ${openSession} could not be cancelled: ${(err as Error).message}\n`);
      }
    }
    watch.close();
    p.close();
  }
}

/**
 * One line for a vend's outcome event: slot, price, the reason of a denial or failure, and a
 * `ration_exhausted` denial's ration (`{ household, limit, used, day }`, docs/emergency.md).
 */
export function outcomeLine(type: string, d: Record<string, unknown>): string {
  const r = d.ration as { household?: string; limit?: number; used?: number; day?: string } | undefined;
  const ration = r ? ` (household ${r.household}: ${r.used} of ${r.limit} on ${r.day})` : "";
  return `${type}: slot ${d.slot}, price ${d.price}${d.reason ? `, reason ${d.reason}` : ""}${ration}`;
}
