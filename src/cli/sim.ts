/**
 * `quarterhour sim …`: drive the demo's simulated courier and resident against a running gateway,
 * through the same kiosk API a touch screen uses, with the simulator API standing in for hands
 * (put the parcel in, close the door). A newcomer sees the whole flow in a minute:
 *
 *   quarterhour sim courier-deposit            # prints the compartment and the pickup code
 *   quarterhour sim pickup 123456
 */
import type { Command } from "commander";
import mqtt from "mqtt";
import { DEMO_COURIER } from "../compose-locker.js";
import type { Config } from "../config/schema.js";
import { siteTerminals } from "../config/terminals.js";
import { ERRORS, type ErrorCode, QhError } from "../core/errors.js";
import { readConfig } from "./common.js";

interface Api {
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

function apiFor(config: Config): Api {
  const host = config.api.host === "0.0.0.0" ? "127.0.0.1" : config.api.host;
  const base = `http://${host}:${config.api.port}/api/v1`;
  return {
    async call(method, path, body) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            ...(config.api.token ? { authorization: `Bearer ${config.api.token}` } : {}),
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new QhError(
          "QH_USAGE",
          `cannot reach the gateway at ${base} (${(err as Error).message}); is it running?`,
        );
      }
      const text = await res.text();
      const json = text ? JSON.parse(text) : {};
      if (!res.ok) {
        const e = (json as { error?: { code?: string; message?: string } }).error;
        const code = e?.code && e.code in ERRORS ? (e.code as ErrorCode) : "QH_INTERNAL";
        throw new QhError(code, `${e?.message ?? text} (${method} ${path}: HTTP ${res.status})`);
      }
      return json;
    },
  };
}

async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const say = (s: string) => process.stdout.write(`${s}\n`);

type Session = {
  step: string;
  device?: string;
  compartment?: string;
  parcelId?: string;
  last?: { outcome: string; parcelId?: string; compartment?: string; reason?: string };
};

/** Listen on the embedded platform broker for the parcel.deposited event (it carries the code). */
function watchDeposits(config: Config): {
  codeFor(parcelId: string): Promise<string | undefined>;
  close(): void;
} {
  if (config.uplink.url !== "embedded") return { codeFor: async () => undefined, close: () => {} };
  const client = mqtt.connect(`mqtt://127.0.0.1:${config.uplink.embeddedPort}`, { reconnectPeriod: 0 });
  const codes = new Map<string, string>();
  client.on("connect", () => client.subscribe(`${config.uplink.topicPrefix}/${config.gateway.id}/#`));
  client.on("error", () => {});
  client.on("message", (_t, p) => {
    try {
      const v = JSON.parse(p.toString()) as unknown;
      for (const e of Array.isArray(v) ? v : [v]) {
        if (e?.type === "parcel.deposited" && e.data?.pickupCode)
          codes.set(e.data.parcelId, e.data.pickupCode);
      }
    } catch {
      // not an event
    }
  });
  return {
    codeFor: (id) =>
      until(async () => codes.get(id), "the parcel.deposited event", 5000).catch(() => undefined),
    close: () => client.end(true),
  };
}

/** The terminal to act at: --terminal, else the site's first declared (or derived) terminal. */
function terminalOf(config: Config, wanted?: string): string {
  if (wanted !== undefined) return wanted;
  const first = siteTerminals(config)[0];
  if (!first) {
    throw new QhError(
      "QH_USAGE",
      "this config declares no kiosk terminal (locker.terminals); pass --terminal",
    );
  }
  return first.id;
}

export function registerSim(program: Command): void {
  const sim = program
    .command("sim")
    .description("drive the demo's simulated courier and resident (simulated sites)");
  sim
    .command("courier-deposit")
    .description("a courier deposits a parcel: courier code, barcode, size, door, parcel in, door shut")
    .option("--courier <code>", "courier code", DEMO_COURIER.code)
    .option("--barcode <barcode>", "parcel barcode (default: a random one)")
    .option("--size <size>", "XS|S|M|L|XL (default: the smallest free)")
    .option("--terminal <id>", "kiosk terminal (default: the config's first, locker.terminals)")
    .option("--empty", "close the door without putting the parcel in")
    .option("-c, --config <file>", "config file", "config/default.yaml")
    .action(
      async (o: {
        courier: string;
        barcode?: string;
        size?: string;
        terminal?: string;
        empty?: boolean;
        config: string;
      }) => {
        const config = readConfig({ config: o.config });
        const terminal = terminalOf(config, o.terminal);
        const api = apiFor(config);
        const watch = watchDeposits(config);
        try {
          const t = encodeURIComponent(terminal);
          const barcode = o.barcode ?? `QH${Math.floor(Math.random() * 1e10)}`;
          await api.call("POST", `/kiosk/${t}/deposit`, { courierCode: o.courier });
          say(`courier identified at ${terminal}`);
          await api.call("POST", `/kiosk/${t}/deposit/barcode`, { barcode });
          say(`parcel ${barcode} scanned`);
          const s = await api.call<Session>(
            "POST",
            `/kiosk/${t}/deposit/size`,
            o.size ? { size: o.size } : {},
          );
          const open = await until(async () => {
            const cur = await api.call<Session>("GET", `/kiosk/${t}/deposit`);
            return cur.step === "open" ? cur : undefined;
          }, "the door to open");
          say(`door ${open.device}/${open.compartment} is open (the sensor says so)`);
          const path = `/sim/lockers/${open.device}/${open.compartment}`;
          if (!o.empty) await api.call("POST", path, { action: "put" });
          await api.call("POST", path, { action: "close" });
          say(o.empty ? "door closed without the parcel" : "parcel in, door closed");
          const done = await until(async () => {
            const cur = await api.call<Session>("GET", `/kiosk/${t}/deposit`);
            return cur.last && cur.last.parcelId === (s.parcelId ?? open.parcelId) ? cur.last : undefined;
          }, "the deposit to complete");
          await api.call("DELETE", `/kiosk/${t}/deposit`);
          if (done.outcome !== "deposited") {
            say(`deposit ${done.outcome}${done.reason ? `: ${done.reason}` : ""}`);
            process.exitCode = 1;
            return;
          }
          const code = await watch.codeFor(done.parcelId!);
          say(`deposited in ${done.compartment}; parcel ${done.parcelId}`);
          say(
            code
              ? `pickup code: ${code}   (try: quarterhour sim pickup ${code})`
              : "the pickup code went to the platform in parcel.deposited",
          );
        } finally {
          watch.close();
        }
      },
    );
  sim
    .command("pickup <code>")
    .description("a resident enters a pickup code, takes the parcel and closes the door")
    .option("--terminal <id>", "kiosk terminal (default: the config's first, locker.terminals)")
    .option("-c, --config <file>", "config file", "config/default.yaml")
    .action(async (code: string, o: { terminal?: string; config: string }) => {
      const config = readConfig({ config: o.config });
      const terminal = terminalOf(config, o.terminal);
      const api = apiFor(config);
      const r = await api.call<{ device: string; compartment: string; parcelId: string }>(
        "POST",
        `/kiosk/${encodeURIComponent(terminal)}/pickup`,
        { code },
      );
      say(`code accepted: door ${r.device}/${r.compartment} pulsed`);
      const path = `/sim/lockers/${r.device}/${r.compartment}`;
      // wait until the gateway's sensors have seen the door open, as a resident would
      await until(async () => {
        const { compartments } = await api.call<{
          compartments: { compartment: string; doorOpen: boolean | null }[];
        }>("GET", `/locker/compartments?device=${encodeURIComponent(r.device)}`);
        return compartments.find((c) => c.compartment === r.compartment)?.doorOpen ? true : undefined;
      }, "the door to open");
      say("door open");
      await api.call("POST", path, { action: "take" });
      await api.call("POST", path, { action: "close" });
      await until(async () => {
        const p = await api.call<{ state: string }>("GET", `/locker/parcels/${r.parcelId}`);
        return p.state === "picked_up" ? p : undefined;
      }, "the pickup to be recorded");
      say(`parcel taken, door closed: parcel ${r.parcelId} picked up`);
    });
}
