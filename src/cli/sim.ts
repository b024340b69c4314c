/**
 * `quarterhour sim …`: drive the demo's simulated courier and resident against a running gateway,
 * through the same kiosk API a touch screen uses, with the simulator API standing in for hands
 * (put the parcel in, close the door). A newcomer sees the whole flow in a minute:
 *
 *   quarterhour sim courier-deposit            # prints the compartment and the pickup code
 *   quarterhour sim pickup 123456
 *
 * Every value is checked before a kiosk session starts (exit 2); the gateway is found with the
 * common gateway options and checked to be the one the config names (see gateway-client.ts); a
 * gateway that is not running is QH_GATEWAY_UNREACHABLE (exit 1).
 */
import type { Command } from "commander";
import type { Config } from "../config/schema.js";
import { siteTerminals } from "../config/terminals.js";
import { isQhError, QhError } from "../core/errors.js";
import { DEMO_COURIER } from "../extensions/locker.js";
import { type GatewayOpts, gatewayFlags, readConfig } from "./common.js";
import { connectGateway, type GatewayApi, type UplinkWatch, watchUplink } from "./gateway-client.js";

export async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new QhError("QH_SIM_FAILED", `timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const say = (s: string) => process.stdout.write(`${s}\n`);

type Session = {
  step: string;
  device?: string;
  compartment?: string;
  parcelId?: string;
  last?: { outcome: string; parcelId?: string; compartment?: string; reason?: string };
};

/** The pickup code of a parcel, from its parcel.deposited event on the watched stream. */
function codeFrom(watch: UplinkWatch | undefined, parcelId: string): string | undefined {
  for (const m of watch?.messages ?? []) {
    let v: unknown;
    try {
      v = JSON.parse(m.payload);
    } catch {
      continue;
    }
    for (const e of Array.isArray(v) ? v : [v]) {
      const ev = e as { type?: string; data?: { parcelId?: string; pickupCode?: string } } | null;
      if (ev?.type === "parcel.deposited" && ev.data?.parcelId === parcelId && ev.data.pickupCode) {
        return ev.data.pickupCode;
      }
    }
  }
  return undefined;
}

/** Reaches this config's gateway and, with an embedded uplink, watches its stream. */
export async function reach(
  config: Config,
  watch: boolean,
): Promise<{ api: GatewayApi; watch?: UplinkWatch }> {
  const api = await connectGateway(config);
  if (!watch || config.uplink.url !== "embedded") return { api };
  return { api, watch: await watchUplink(config, api.info.bootId) };
}

// the locker's own rules (src/api/kiosk.ts, src/domain/locker/deposit.ts), checked before a session starts
const BARCODE_RE = /^[\x21-\x7E]{1,64}$/;
const CODE_RE = /^[A-Za-z0-9:_-]{4,64}$/;

export type DepositOpts = GatewayOpts & {
  courier?: string;
  barcode?: string;
  size?: string;
  terminal?: string;
  empty?: boolean;
  /** a cold zone (cold.zones[].id): the parcel goes into one of its compartments */
  zone?: string;
};

/** What a completed courier deposit left behind. */
export interface Deposited {
  parcelId: string;
  compartment?: string;
  code?: string;
}

/** The terminal to act at: --terminal, else the site's first declared (or derived) terminal. */
export function terminalOf(config: Config, wanted?: string): string {
  const terminals = siteTerminals(config);
  if (wanted !== undefined) {
    // checked here, before any kiosk session: the kiosk API knows no other terminal
    if (!terminals.some((t) => t.id === wanted)) {
      throw new QhError(
        "QH_LOCKER_TERMINAL_UNKNOWN",
        `--terminal ${wanted}: the site's kiosk terminals are ${terminals.map((t) => t.id).join(", ") || "none"} (locker.terminals)`,
      );
    }
    return wanted;
  }
  const first = terminals[0];
  if (!first) {
    throw new QhError(
      "QH_USAGE",
      "this config declares no kiosk terminal (locker.terminals) and has no scanner to make one of",
    );
  }
  return first.id;
}

/**
 * A wait that timed out while the gateway's store cannot write (a full disk): the store's coded
 * error (QH_STORE_FULL / QH_STORE_IO, naming /health's reasons) rather than a bare timeout.
 */
async function storeExplains(apiBase: string, err: unknown): Promise<never> {
  if (!isQhError(err, "QH_SIM_FAILED")) throw err;
  let problems: string[] = [];
  try {
    const res = await fetch(apiBase.replace(/\/api\/v1$/, "/health"));
    problems = ((await res.json()) as { problems?: string[] }).problems ?? [];
  } catch {
    throw err;
  }
  const store = problems.filter((p) =>
    /^store: |^disk full$|^locker: .*(not yet recorded|deposits refused)/.test(p),
  );
  if (store.length === 0) throw err;
  const code = store.some((p) => p === "store: I/O error") ? "QH_STORE_IO" : "QH_STORE_FULL";
  throw new QhError(code, `${err.message}: the gateway's store cannot write (${store.join("; ")})`);
}

/** `sim courier-deposit`: checks every value, then walks the kiosk's deposit steps. */
export async function courierDeposit(o: DepositOpts, cmd: Command): Promise<Deposited | undefined> {
  const courier = o.courier ?? DEMO_COURIER.code;
  if (!CODE_RE.test(courier)) {
    throw new QhError("QH_USAGE", `--courier "${courier}": 4-64 characters of A-Z a-z 0-9 : _ -`);
  }
  if (o.barcode !== undefined && !BARCODE_RE.test(o.barcode)) {
    throw new QhError("QH_USAGE", `--barcode "${o.barcode}": 1-64 printable ASCII characters, no spaces`);
  }
  const config = readConfig(o);
  const terminal = terminalOf(config, o.terminal);
  const { api, watch } = await reach(config, true);
  const t = encodeURIComponent(terminal);
  let open = false;
  try {
    const barcode = o.barcode ?? `QH${Math.floor(Math.random() * 1e10)}`;
    await api.call("POST", `/kiosk/${t}/deposit`, { courierCode: courier });
    open = true;
    say(`courier identified at ${terminal}`);
    await api.call("POST", `/kiosk/${t}/deposit/barcode`, { barcode });
    say(`parcel ${barcode} scanned`);
    const s = await api.call<Session>("POST", `/kiosk/${t}/deposit/size`, {
      ...(o.size ? { size: o.size } : {}),
      ...(o.zone ? { zone: o.zone } : {}),
    });
    const door = await until(async () => {
      const cur = await api.call<Session>("GET", `/kiosk/${t}/deposit`);
      if (cur.step === "size" && cur.last?.reason === "store_unavailable")
        throw new QhError("QH_STORE_FULL", "the gateway's store cannot write: the deposit stepped back");
      return cur.step === "open" ? cur : undefined;
    }, "the door to open").catch((err: unknown) => storeExplains(api.base, err));
    say(`door ${door.device}/${door.compartment} is open (the sensor says so)`);
    const path = `/sim/lockers/${door.device}/${door.compartment}`;
    if (!o.empty) await api.call("POST", path, { action: "put" });
    await api.call("POST", path, { action: "close" });
    say(o.empty ? "door closed without the parcel" : "parcel in, door closed");
    const done = await until(async () => {
      const cur = await api.call<Session>("GET", `/kiosk/${t}/deposit`);
      return cur.last && cur.last.parcelId === (s.parcelId ?? door.parcelId) ? cur.last : undefined;
    }, "the deposit to complete").catch((err: unknown) => storeExplains(api.base, err));
    if (done.outcome !== "deposited") {
      const what = `deposit ${done.outcome}${done.reason ? `: ${done.reason}` : ""}`;
      if (o.empty) {
        say(what);
        return undefined;
      }
      throw new QhError("QH_SIM_FAILED", what);
    }
    const parcelId = done.parcelId!;
    const code = watch
      ? await until(async () => codeFrom(watch, parcelId), "the parcel.deposited event", 5000).catch(
          () => undefined,
        )
      : undefined;
    say(`deposited in ${done.compartment}; parcel ${parcelId}`);
    const flags = gatewayFlags(cmd);
    say(
      code
        ? `pickup code: ${code}   (try: npx quarterhour sim pickup ${code}${flags.length ? ` ${flags.join(" ")}` : ""})`
        : "the pickup code went to the platform in parcel.deposited",
    );
    return { parcelId, compartment: done.compartment, code };
  } finally {
    watch?.close();
    // never leave a half-done kiosk session behind (a failed step, a timeout)
    if (open) await api.call("DELETE", `/kiosk/${t}/deposit`).catch(() => undefined);
  }
}

/** `sim pickup CODE`: enter the code, wait for the door, take the parcel, close the door. */
/** One `coldChainBreach` entry of a pickup answer (docs/contract.md, cold chain). */
export interface ColdChainBreachNotice {
  zone: string;
  excursionStart: string;
  excursionEnd: string | null;
  peakC: number | null;
  minutesOutOfRange: number;
  ongoing?: boolean;
}

/** The line the demo prints for a breach, as the kiosk would say it. */
export function coldChainBreachLine(b: ColdChainBreachNotice): string {
  const peak = b.peakC === null ? "" : `, peak ${b.peakC} °C`;
  const when = b.ongoing
    ? `since ${b.excursionStart} (still out of range)`
    : `${b.excursionStart} to ${b.excursionEnd}`;
  return `cold chain breach: zone ${b.zone} was out of range ${when}, ${b.minutesOutOfRange} min${peak}; tell the resident`;
}

export async function pickup(code: string, o: GatewayOpts & { terminal?: string }): Promise<void> {
  if (!CODE_RE.test(code)) {
    throw new QhError("QH_USAGE", `pickup code "${code}": 4-64 characters of A-Z a-z 0-9 : _ -`);
  }
  const config = readConfig(o);
  const terminal = terminalOf(config, o.terminal);
  const { api } = await reach(config, false);
  const r = await api.call<{
    device: string;
    compartment: string;
    parcelId: string;
    coldChainBreach?: ColdChainBreachNotice[];
  }>("POST", `/kiosk/${encodeURIComponent(terminal)}/pickup`, { code });
  say(`code accepted: door ${r.device}/${r.compartment} pulsed`);
  // what the kiosk tells the resident about a parcel that was in a cold zone out of range
  for (const b of r.coldChainBreach ?? []) say(coldChainBreachLine(b));
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
}
