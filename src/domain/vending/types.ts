/**
 * Shapes of the vending domain: a machine's settings (config `vending:`), the ports the cashless
 * session drives (the bridge) and reads (uplink, planogram), and its outward views.
 */
import type { BridgeCommand, ReaderConfig } from "../../protocols/mdb-bridge-text/index.js";
import type { RecordTx } from "./recorder.js";

/** What one command to the bridge got back (src/drivers/mdb-bridge.ts). */
export type BridgeReply =
  | { kind: "ok" }
  | { kind: "error"; reason: string }
  | { kind: "state"; event: unknown }
  | { kind: "dex"; lines: string[] }
  | { kind: "dexError"; reason: string }
  | { kind: "dropped"; reason: string };

/**
 * Per-command hooks, run when the command's turn comes (it may wait behind others, e.g. a DEX
 * fetch): `stillWanted` returns a reason to drop it unwritten (answer `dropped`), `onWrite` runs
 * just before the line is written.
 */
export interface SendHooks {
  stillWanted?: () => string | undefined;
  onWrite?: () => void;
}

/** The bridge as the session sees it: commands, each answered once (never re-sent). */
export interface BridgePort {
  send(cmd: BridgeCommand, hooks?: SendHooks): Promise<BridgeReply>;
  /** whether a DEX fetch holds the line */
  readonly dexInFlight?: boolean;
}

export interface OfflineLimit {
  /** offline select-first approvals per machine per 24 h window; 0 = off (deny while offline) */
  vendsPerDay: number;
  /** and their total value, minor units per day; 0 = no value cap beyond the count */
  amountPerDay: number;
}

/** One vending machine's settings, defaults filled in (config `vending:`). */
export interface MachineSettings {
  device: string;
  /** what the reader declares to the VMC (C,CONFIG): scale factor, max response time, … */
  reader: ReaderConfig;
  /** select first: how long the platform has to answer vend.authorize (ms, < maxResponseSeconds) */
  authorizeWindowMs: number;
  /** pay first: a session with no vend ends after this long (s), or at the command's expiresAt */
  sessionTimeoutSeconds: number;
  offlineLimit: OfflineLimit;
}

export type Flow = "pay_first" | "select_first";

export type VendState = "authorizing" | "approving" | "approved";

/** A vend in a session. Money in minor units. */
export interface Vend {
  slot: number;
  /** the VMC's price on the bus (MDB value) */
  busPrice: number;
  /** the price in minor units (busPrice × scale factor) */
  price: number;
  product: string | null;
  state: VendState;
  requestId: string;
  paymentRef: string | null;
  offline: boolean;
  /** monotonic ms: the vend request line was decoded */
  requestedMono: number;
  /** the approve line was written to the bridge (the machine was told: approved) */
  written?: boolean;
  /** monotonic ms: vend.authorize was handed to the uplink (select first) */
  publishedMono?: number;
  /** the gateway's share of the authorisation round trip, ms (select first, online) */
  gatewayMs?: number;
  /** the slot approved, when the machine's VEND SUCCESS named another (then `slot` is the machine's) */
  approvedSlot?: number;
  /** vend.approved is recorded (it precedes the vend's outcome, whichever line comes first) */
  approvedRecorded?: boolean;
  /** work to commit with vend.approved (the offline usage) */
  inTx?: (tx: RecordTx) => void;
}

/** An open cashless session on one machine. */
export interface Session {
  id: string;
  flow: Flow;
  paymentRef: string | null;
  /** pay first: the credit granted (minor units); select first: null */
  credit: number | null;
  spent: number;
  vend?: Vend;
  startedAt: number;
  /** pay first: C,START is written and its answer not yet in */
  starting?: boolean;
  /** why the session was ended while C,START waited for its answer (never reported: never begun) */
  abortedDuringStart?: string;
  /** vend.session_ended (or the end) is recorded: never twice */
  ended?: boolean;
  /** why the gateway asked the VMC to end it (C,STOP), for vend.session_ended */
  endReason?: "timeout" | "cancelled";
}

/** Why a session or a vend ended without the machine's own word. */
export type AbortReason =
  | "bridge_power_cycle"
  | "machine_reset"
  | "link_lost"
  | "gateway_restart"
  | "reader_disabled"
  | "stop_unanswered";
