/**
 * Simulator of a vending machine's controller (VMC) and the MDB bridge in front of it, as one byte
 * machine on the bridge's serial side (firmware-protocols/mdb-bridge-text). The host's command lines
 * go in; the bridge's answer and event lines come out, in the order the spec and its vectors give.
 *
 * The VMC part: resets the reader at power-up, runs SETUP (config, max/min price) and READER ENABLE
 * once the bridge is configured and enabled (optionally twice, as real machines do), lets a customer
 * select (a VEND REQUEST, from session idle or, "always idle", straight from enabled), dispenses or
 * fails (sold out, motor jam, no cup: the wire only carries VEND FAILURE), cancels a vend the reader
 * does not answer within its declared maximum response time, reports cash sales, ends the session,
 * hands over a DEX file. The bridge part: keeps the cashless state, answers each command with c,OK or
 * c,ERR, forgets everything on a power cycle and boots with c,BOOT.
 *
 * Time is injectable (`timers`); with `dispenseMs: 0` (default) everything a command causes is
 * answered at once, in order.
 */
import {
  type BridgeCommand,
  type BridgeEvent,
  createBridgeDecoder,
  encode,
  type ReaderConfig,
  type ReaderState,
} from "../protocols/mdb-bridge-text/index.js";
import type { Outgoing, SimTimingOptions } from "./types.js";
import { type DexProduct, dexLines } from "./vending-dex.js";
import { SimBase } from "./wire.js";

export type FailureCause = "soldOut" | "motorJam" | "noCup";

export interface SimTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface VendingSimOptions extends SimTimingOptions {
  /** item number → price (MDB bus units) */
  prices?: Record<number | string, number>;
  names?: Record<number | string, string>;
  /** item → the way its next vends fail (until cleared with setFailure(item, undefined)) */
  fail?: Record<number | string, FailureCause>;
  firmware?: string;
  vmc?: {
    level?: number;
    columns?: number;
    rows?: number;
    display?: number;
    maxPrice?: number;
    minPrice?: number;
  };
  /** how many times the VMC sends SETUP config and READER ENABLE (default 1; real machines: 2) */
  setupRepeats?: number;
  /** start powered, configured and enabled (for vectors and unit tests) */
  enabled?: boolean;
  /** the VMC may send a vend request without a session (selection first); default true */
  alwaysIdle?: boolean;
  /** ms from an approval to the dispense outcome (default 0) */
  dispenseMs?: number;
  /** ms the VMC waits for an approval before VEND CANCEL (default: the reader's maxResponseSeconds) */
  vmcTimeoutMs?: number;
  /** the DEX port does not answer: c,DEX,ERR,TIMEOUT */
  dexFails?: boolean;
  machine?: { serial?: string; model?: string; currency?: string };
  timers?: SimTimers;
  /**
   * The machine's audit counters since init (per item, cash and cashless), as a real VMC keeps
   * them in non-volatile memory: start from these, and `onTallies` after every change (to keep
   * them across the simulator's restarts).
   */
  tallies?: Record<string, SimTallies>;
  onTallies?: (tallies: Record<string, SimTallies>) => void;
}

/** One item's audit counters: count and value (bus units), cash and cashless. */
export type SimTallies = Pick<DexProduct, "cash" | "cashless">;

const realTimers: SimTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What the machine did with one selection, for tests and the demo. */
export interface SimVend {
  item: number;
  price: number;
  outcome: "dispensed" | "failed" | "denied" | "cancelled" | "lost";
  cause?: FailureCause | "timeout" | "powerCycle";
  paid: "cashless" | "cash";
}

export class VendingMachineSim extends SimBase {
  readonly protocol = "mdb-bridge-text";
  readonly vends: SimVend[] = [];
  private readonly decoder = createBridgeDecoder();
  private readonly timers: SimTimers;
  private readonly prices = new Map<number, number>();
  private readonly names = new Map<number, string>();
  private readonly failures = new Map<number, FailureCause>();
  private readonly tallies = new Map<number, Pick<DexProduct, "cash" | "cashless">>();
  private powered = false;
  private hostEnabled = false;
  private config: ReaderConfig | undefined;
  private state: ReaderState = "INACTIVE";
  private funds: number | undefined;
  private pending: { price: number; item: number } | undefined;
  private vmcTimer: unknown;
  private dispenseTimer: unknown;
  private bootTimer: unknown;
  /** replies collected during handle(); actions outside handle() transmit at once */
  private collecting: Outgoing[] | undefined;

  constructor(private readonly o: VendingSimOptions = {}) {
    super(o);
    this.timers = o.timers ?? realTimers;
    for (const [k, v] of Object.entries(o.prices ?? {})) this.prices.set(Number(k), v);
    for (const [k, v] of Object.entries(o.names ?? {})) this.names.set(Number(k), v);
    for (const [k, v] of Object.entries(o.fail ?? {})) this.failures.set(Number(k), v);
    for (const [k, v] of Object.entries(o.tallies ?? {}))
      this.tallies.set(Number(k), { cash: { ...v.cash }, cashless: { ...v.cashless } });
    if (o.enabled) {
      this.powered = true;
      this.hostEnabled = true;
      this.config = {
        featureLevel: 1,
        countryCode: "1156",
        scaleFactor: 1,
        decimalPlaces: 2,
        maxResponseSeconds: 5,
        options: 0,
      };
      this.state = "ENABLED";
    }
  }

  /** The reader state the bridge holds. */
  get readerState(): ReaderState {
    return this.state;
  }

  get isPowered(): boolean {
    return this.powered;
  }

  setPrice(item: number, price: number, name?: string): void {
    this.prices.set(item, price);
    if (name !== undefined) this.names.set(item, name);
  }

  /** Make the item's next vends fail that way (undefined: dispense again). */
  setFailure(item: number, cause: FailureCause | undefined): void {
    if (cause) this.failures.set(item, cause);
    else this.failures.delete(item);
  }

  handle(chunk: Buffer): Outgoing[] {
    const out: Outgoing[] = [];
    if (!this.powered) return out; // a bridge without power hears nothing
    this.collecting = out;
    try {
      for (const r of this.decoder.push(chunk)) {
        if (!r.ok) this.line({ kind: "error", reason: r.reason === "unknown" ? "UNKNOWN" : "SYNTAX" });
        else this.command(r.msg);
      }
    } finally {
      this.collecting = undefined;
    }
    return out;
  }

  // ---- machine and customer actions --------------------------------------------------------------

  /** Power reaches the bridge: it boots, the VMC resets the reader. */
  powerUp(): void {
    this.powered = true;
    this.hostEnabled = false;
    this.config = undefined;
    this.decoder.reset();
    this.line({ kind: "boot", firmware: this.o.firmware ?? "qh-sim-bridge 1.0" });
    this.vmcReset();
  }

  /** The bridge loses power for `downMs`, then boots again. A vend in flight is not reported. */
  powerCycle(downMs = 200): void {
    this.clearTimers();
    if (this.pending && this.state === "VEND") this.record(this.pending, "lost", "powerCycle", "cashless");
    this.pending = undefined;
    this.funds = undefined;
    this.powered = false;
    this.state = "INACTIVE";
    this.bootTimer = this.timers.setTimeout(() => this.powerUp(), downMs);
  }

  /** The VMC sends RESET (machine power-up, or its own recovery): the reader is INACTIVE. */
  vmcReset(): void {
    if (!this.powered) return;
    this.clearTimers();
    this.pending = undefined;
    this.funds = undefined;
    this.setState("INACTIVE", false);
    this.line({ kind: "reset" });
    this.line({ kind: "state", state: "INACTIVE" });
    if (this.hostEnabled && this.config) this.setup();
  }

  /** The VMC runs SETUP and READER ENABLE again (real machines do, unasked). */
  repeatSetup(): void {
    if (this.powered && this.hostEnabled && this.config && this.state !== "VEND") this.setup();
  }

  /**
   * The customer presses a selection. Returns false when the machine sends nothing (unknown item,
   * reader not enabled, or no session on a machine that is not "always idle").
   */
  select(item: number): boolean {
    const price = this.prices.get(item);
    if (!this.powered || price === undefined) return false;
    const fromEnabled = this.state === "ENABLED" && (this.o.alwaysIdle ?? true);
    if (this.state !== "IDLE" && !fromEnabled) return false;
    this.pending = { price, item };
    this.state = "VEND";
    this.line({ kind: "vendRequest", price, item });
    const wait = this.o.vmcTimeoutMs ?? (this.config?.maxResponseSeconds ?? 5) * 1000;
    this.vmcTimer = this.timers.setTimeout(() => this.vmcGivesUp(), wait);
    return true;
  }

  /** A cash sale: the coin mechanism took the money, the item dispensed. Reported while the reader is enabled. */
  cash(item: number, price = this.prices.get(item) ?? 0): boolean {
    this.tally(item, "cash", price);
    this.vends.push({ item, price, outcome: "dispensed", paid: "cash" });
    if (!this.powered || (this.state !== "ENABLED" && this.state !== "IDLE")) return false;
    this.line({ kind: "cashSale", price, item });
    return true;
  }

  /** The customer presses "return" during session idle: the VMC completes the session. */
  cancel(): boolean {
    if (!this.powered || this.state !== "IDLE") return false;
    this.completeSession();
    return true;
  }

  /** The machine's DEX file (lines without endings) as the simulator's tallies stand. */
  dexFile(): string[] {
    const items = [...new Set([...this.prices.keys(), ...this.tallies.keys()])].sort((a, b) => a - b);
    return dexLines({
      serial: this.o.machine?.serial ?? "QHSIM00001",
      model: this.o.machine?.model ?? "QH-SIM-VMC",
      currency: this.o.machine?.currency ?? "156",
      decimalPlaces: this.config?.decimalPlaces ?? 2,
      products: items.map((item) => ({
        item,
        name: this.names.get(item) ?? `Item ${item}`,
        price: this.prices.get(item) ?? 0,
        ...(this.tallies.get(item) ?? { cash: { count: 0, value: 0 }, cashless: { count: 0, value: 0 } }),
      })),
    });
  }

  override stop(): void {
    this.clearTimers();
    if (this.bootTimer !== undefined) this.timers.clearTimeout(this.bootTimer);
    super.stop();
  }

  // ---- the bridge --------------------------------------------------------------------------------

  private command(c: BridgeCommand): void {
    switch (c.kind) {
      case "config":
        this.config = { ...c };
        this.ok();
        if (this.hostEnabled && this.state === "INACTIVE") this.setup();
        return;
      case "enable":
        this.ok();
        if (c.on && !this.hostEnabled) {
          this.hostEnabled = true;
          if (this.config && this.state === "INACTIVE") this.setup();
        } else if (!c.on && this.hostEnabled) {
          this.hostEnabled = false;
          this.clearTimers();
          this.pending = undefined;
          this.setState("INACTIVE");
        }
        return;
      case "status":
        if (this.state === "VEND" && this.pending) this.line({ kind: "vendRequest", ...this.pending });
        else this.line({ kind: "state", state: this.state as Exclude<ReaderState, "VEND"> });
        return;
      case "beginSession":
        if (this.state !== "ENABLED") {
          this.err("STATE");
          return;
        }
        this.funds = c.funds;
        this.ok();
        this.setState("IDLE");
        return;
      case "approve": {
        if (this.state !== "VEND" || !this.pending) {
          this.err("STATE");
          return;
        }
        if (this.funds !== undefined && this.funds !== 65535 && c.amount > this.funds) {
          this.err("RANGE");
          return;
        }
        this.ok();
        this.stopVmcTimer();
        const p = this.pending;
        const dispense = () => this.dispense(p, c.amount);
        if (this.o.dispenseMs) this.dispenseTimer = this.timers.setTimeout(dispense, this.o.dispenseMs);
        else dispense();
        return;
      }
      case "deny":
        if (this.state !== "VEND" || !this.pending) {
          this.err("STATE");
          return;
        }
        this.ok();
        this.stopVmcTimer();
        this.record(this.pending, "denied", undefined, "cashless");
        this.pending = undefined;
        this.setState("IDLE");
        this.completeSession();
        return;
      case "cancelSession":
        if (this.state !== "IDLE") {
          this.err("STATE");
          return;
        }
        this.ok();
        this.completeSession();
        return;
      case "dex":
        if (this.o.dexFails) {
          this.line({ kind: "dexError", reason: "TIMEOUT" });
          return;
        }
        this.line({ kind: "dexBegin" });
        for (const text of this.dexFile()) this.line({ kind: "dexLine", text });
        this.line({ kind: "dexEnd", lines: this.dexFile().length });
        return;
    }
  }

  private dispense(p: { price: number; item: number }, amount: number): void {
    this.dispenseTimer = undefined;
    if (!this.powered || this.pending !== p) return;
    this.pending = undefined;
    const cause = this.failures.get(p.item);
    if (cause) {
      this.record(p, "failed", cause, "cashless");
      this.line({ kind: "vendFailure" });
    } else {
      this.record(p, "dispensed", undefined, "cashless");
      this.tally(p.item, "cashless", amount);
      if (this.funds !== undefined && this.funds !== 65535) this.funds -= amount;
      this.line({ kind: "vendSuccess", item: p.item });
    }
    this.setState("IDLE");
    this.completeSession();
  }

  private vmcGivesUp(): void {
    this.vmcTimer = undefined;
    if (this.state !== "VEND" || !this.pending) return;
    this.record(this.pending, "cancelled", "timeout", "cashless");
    this.pending = undefined;
    this.line({ kind: "vendCancel" });
    this.setState("IDLE");
    this.completeSession();
  }

  /** SESSION COMPLETE from the VMC; the bridge answers END SESSION: back to ENABLED. */
  private completeSession(): void {
    this.funds = undefined;
    this.line({ kind: "sessionComplete" });
    this.setState("ENABLED");
  }

  private setup(): void {
    const v = this.o.vmc ?? {};
    const repeats = Math.max(1, this.o.setupRepeats ?? 1);
    for (let i = 0; i < repeats; i++) {
      this.line({
        kind: "setupConfig",
        vmcLevel: v.level ?? 3,
        columns: v.columns ?? 16,
        rows: v.rows ?? 2,
        display: v.display ?? 1,
      });
      this.setState("DISABLED");
    }
    this.line({ kind: "setupPrices", max: v.maxPrice ?? 1000, min: v.minPrice ?? 50 });
    for (let i = 0; i < repeats; i++) this.setState("ENABLED");
  }

  private setState(s: Exclude<ReaderState, "VEND">, report = true): void {
    this.state = s;
    if (report) this.line({ kind: "state", state: s });
  }

  private record(
    p: { price: number; item: number },
    outcome: SimVend["outcome"],
    cause: SimVend["cause"],
    paid: SimVend["paid"],
  ): void {
    this.vends.push({ item: p.item, price: p.price, outcome, ...(cause ? { cause } : {}), paid });
  }

  private tally(item: number, how: "cash" | "cashless", value: number): void {
    const t = this.tallies.get(item) ?? { cash: { count: 0, value: 0 }, cashless: { count: 0, value: 0 } };
    t[how].count++;
    t[how].value += value;
    this.tallies.set(item, t);
    this.o.onTallies?.(Object.fromEntries(this.tallies));
  }

  private ok(): void {
    this.line({ kind: "ok" });
  }

  private err(reason: "STATE" | "RANGE"): void {
    this.line({ kind: "error", reason });
  }

  private line(e: BridgeEvent): void {
    const data = encode(e);
    if (this.collecting) this.collecting.push({ data });
    else this.transmit(data);
  }

  private stopVmcTimer(): void {
    if (this.vmcTimer !== undefined) this.timers.clearTimeout(this.vmcTimer);
    this.vmcTimer = undefined;
  }

  private clearTimers(): void {
    this.stopVmcTimer();
    if (this.dispenseTimer !== undefined) this.timers.clearTimeout(this.dispenseTimer);
    this.dispenseTimer = undefined;
  }
}

export function createVendingSim(options?: VendingSimOptions): VendingMachineSim {
  return new VendingMachineSim(options);
}
