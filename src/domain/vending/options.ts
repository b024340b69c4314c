/** The cashless reader's options and the answer shape of select first (session.ts). */
import type { Clock } from "../../core/clock.js";
import type { EventInput, EventSink, JsonObject } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import type { VendingRecorder } from "./recorder.js";
import type { BridgePort, MachineSettings } from "./types.js";

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface CashlessReaderOptions {
  settings: MachineSettings;
  bridge: BridgePort;
  recorder: VendingRecorder;
  /** the event store: vend.authorize goes here only when `request` is absent (test rigs) */
  events: EventSink;
  /**
   * Publish vend.authorize at once as a request (the gateway's `ExtensionContext.request`: no
   * store, no fsync on the path); rejects when the uplink is down (the vend is decided offline)
   */
  request?: (e: EventInput) => Promise<void>;
  clock: Clock;
  /** whether the platform can answer now (the uplink is connected) */
  uplinkOnline: () => boolean;
  /** the planogram's product id for a slot (the dex helper's), or null */
  productOf?: (device: string, slot: number) => string | null;
  /**
   * Why a slot may not sell now (traceability: a recalled or expired lot in it), or undefined:
   * a vend request for it is denied with that `reason` and the rest as details (vend.denied).
   */
  slotGate?: (
    device: string,
    slot: number,
    /** the vend asked for (rationing, issue 11: the session's paymentRef, the price) */
    vend?: { paymentRef: string | null; price: number },
  ) => ({ reason: string } & JsonObject) | undefined;
  /** the gateway's share of a select-first authorisation, ms (in: line → committed; out: answer → line written) */
  onGatewayShare?: (ms: number) => void;
  log: Logger;
  timers?: Timers;
  /**
   * ms the machine has to end a session after the gateway asked (C,STOP) before the gateway ends
   * it alone (reason `stop_unanswered`, shown in problems() until the machine is heard from);
   * default 10,000
   */
  stopGraceMs?: number;
}

/** Answer to the platform's vend.authorize.result. */
export interface AuthorizeAnswer {
  requestId: string;
  approved: boolean;
  paymentRef?: string;
  reason?: string;
}
