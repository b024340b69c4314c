/**
 * The gateway's side of an MDB bridge line (firmware-protocols/mdb-bridge-text): decodes the
 * bridge's lines, sends commands one at a time and pairs each with its answer (`c,OK` / `c,ERR`;
 * `c,STATUS` for C,STATUS; the DEX block for C,DEX), and hands every other line (the machine's
 * events) to `onEvent`. A command is written once and never re-sent (an approval re-sent could
 * dispense twice); a missing answer is a QH_SERIAL_TIMEOUT and the caller decides.
 */
import type { Registry } from "prom-client";
import { QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { counter } from "../core/metrics.js";
import {
  type BridgeCommand,
  type BridgeEvent,
  commandText,
  createHostDecoder,
  describe,
} from "../protocols/mdb-bridge-text/index.js";

/** The byte line under the driver: a SerialLink (or a test double). */
export interface BridgeLine {
  write(data: Buffer): Promise<void>;
  on(event: "data", listener: (chunk: Buffer) => void): () => void;
  on(event: "up", listener: (info: { path: string }) => void): () => void;
  on(event: "down", listener: (info: { kind: string }) => void): () => void;
}

/** What a command got back. */
export type BridgeAnswer =
  | { kind: "ok" }
  | { kind: "error"; reason: string }
  | { kind: "state"; event: BridgeEvent }
  | { kind: "dex"; lines: string[] }
  | { kind: "dexError"; reason: string }
  | { kind: "dropped"; reason: string };

/** See SendHooks in src/domain/vending/types.ts. */
export interface DriverSendHooks {
  stillWanted?: () => string | undefined;
  onWrite?: () => void;
}

export interface MdbBridgeDriverOptions {
  device: string;
  bus: string;
  line: BridgeLine;
  onEvent: (e: BridgeEvent) => void;
  onLink?: (up: boolean) => void;
  log: Logger;
  registry?: Registry;
  /** ms to wait for an answer (default 1000; C,DEX: dexTimeoutMs, default 30,000) */
  answerTimeoutMs?: number;
  dexTimeoutMs?: number;
}

/** How long a DEX transfer (C,DEX) may take before it is given up (ms): the driver's default. */
export const DEX_FETCH_TIMEOUT_MS = 30_000;

interface Waiting {
  cmd: BridgeCommand;
  resolve: (a: BridgeAnswer) => void;
  reject: (e: Error) => void;
  hooks?: DriverSendHooks;
  timer?: NodeJS.Timeout;
  dex?: string[];
}

export class MdbBridgeDriver {
  private readonly decoder = createHostDecoder();
  private readonly queue: Waiting[] = [];
  private current: Waiting | undefined;
  private offs: (() => void)[] = [];
  private readonly rejected;
  /** a command went unanswered (QH_SERIAL_TIMEOUT) and the bridge has said nothing since */
  private silentSince: string | undefined;
  private heardOnce = false;

  constructor(private readonly o: MdbBridgeDriverOptions) {
    this.rejected = o.registry
      ? counter(o.registry, "qh_bus_frames_rejected_total", "Frames rejected", ["bus", "reason"])
      : undefined;
  }

  start(): void {
    this.offs = [
      this.o.line.on("data", (chunk: Buffer) => this.onData(chunk)),
      this.o.line.on("up", () => {
        this.decoder.reset();
        this.o.onLink?.(true);
      }),
      this.o.line.on("down", () => {
        this.failAll(new QhError("QH_SERIAL_CLOSED", `serial line ${this.o.bus} is down`));
        this.o.onLink?.(false);
      }),
    ];
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    this.failAll(new QhError("QH_SERIAL_CLOSED", "the vending driver stopped"));
  }

  /**
   * Send one command and resolve with its answer. Commands queue behind one another; each is
   * written once. Rejects with QH_SERIAL_CLOSED (line down) or QH_SERIAL_TIMEOUT (no answer).
   * `hooks.stillWanted` is asked when the command's turn comes: a reason drops it unwritten
   * (answer `{ kind: "dropped", reason }`); `hooks.onWrite` runs just before the write.
   */
  send(cmd: BridgeCommand, hooks?: DriverSendHooks): Promise<BridgeAnswer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd, resolve, reject, hooks });
      if (!this.current) this.next();
    });
  }

  /**
   * Why the bridge looks dead, or undefined: a command went unanswered and no line has come from
   * the bridge since (cleared by the next line it sends, e.g. c,BOOT when it comes back).
   */
  /** true once the bridge has said anything since start (presence: null before) */
  get heard(): boolean {
    return this.heardOnce;
  }

  get silent(): string | undefined {
    return this.silentSince;
  }

  /** Whether a DEX fetch holds the line (every other command waits behind it). */
  get dexInFlight(): boolean {
    return this.current?.cmd.kind === "dex" || this.queue.some((w) => w.cmd.kind === "dex");
  }

  private next(): void {
    let w = this.queue.shift();
    for (;;) {
      const drop = w?.hooks?.stillWanted?.();
      if (!w || drop === undefined) break;
      this.o.log.warn(
        { command: describe(w.cmd), reason: drop },
        "bridge command dropped before it was written",
      );
      w.resolve({ kind: "dropped", reason: drop });
      w = this.queue.shift();
    }
    this.current = w;
    if (!w) return;
    w.hooks?.onWrite?.();
    const text = `${commandText(w.cmd)}\n`;
    this.o.log.trace({ line: text.trim() }, "bridge command");
    const ms =
      w.cmd.kind === "dex" ? (this.o.dexTimeoutMs ?? DEX_FETCH_TIMEOUT_MS) : (this.o.answerTimeoutMs ?? 1000);
    w.timer = setTimeout(() => {
      if (this.current !== w) return;
      this.silentSince ??= `no answer to ${describe(w.cmd)} at ${new Date().toISOString()}`;
      this.finish(
        undefined,
        new QhError("QH_SERIAL_TIMEOUT", `the bridge did not answer ${describe(w.cmd)}`),
      );
    }, ms);
    this.o.line.write(Buffer.from(text, "latin1")).catch((err: Error) => {
      if (this.current === w) this.finish(undefined, err);
    });
  }

  private finish(answer: BridgeAnswer | undefined, err?: Error): void {
    const w = this.current;
    if (!w) return;
    clearTimeout(w.timer);
    this.current = undefined;
    if (err) w.reject(err);
    else w.resolve(answer!);
    this.next();
  }

  private failAll(err: Error): void {
    const all = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = undefined;
    for (const w of all) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private onData(chunk: Buffer): void {
    for (const r of this.decoder.push(chunk)) {
      this.silentSince = undefined; // the bridge speaks
      this.heardOnce = true;
      if (!r.ok) {
        this.rejected?.inc({ bus: this.o.bus, reason: r.reason });
        this.o.log.warn(
          { reason: r.reason, line: r.raw.toString("latin1").trim().slice(0, 80) },
          "bridge line rejected",
        );
        continue;
      }
      if (!this.answer(r.msg)) this.o.onEvent(r.msg);
    }
  }

  /** Whether the line answers the command in flight (and is consumed by it). */
  private answer(e: BridgeEvent): boolean {
    const w = this.current;
    if (!w) return false;
    if (w.cmd.kind === "dex") {
      if (e.kind === "dexBegin") {
        w.dex = [];
        return true;
      }
      if (e.kind === "dexLine" && w.dex) {
        w.dex.push(e.text);
        return true;
      }
      if (e.kind === "dexEnd" && w.dex) {
        // the bridge counts the lines it sent: a line lost or rejected on the way (noise, a byte
        // the line decoder refuses) would silently change the audit's figures
        if (e.lines !== w.dex.length) {
          this.o.log.warn(
            { announced: e.lines, received: w.dex.length },
            "DEX transfer lost lines: the file is not used",
          );
          this.finish({
            kind: "dexError",
            reason: `LINES_LOST: the bridge sent ${e.lines} lines, ${w.dex.length} arrived`,
          });
          return true;
        }
        this.finish({ kind: "dex", lines: w.dex });
        return true;
      }
      if (e.kind === "dexError") {
        this.finish({ kind: "dexError", reason: e.reason });
        return true;
      }
      if (e.kind === "error") {
        this.finish({ kind: "error", reason: e.reason });
        return true;
      }
      return false;
    }
    if (w.cmd.kind === "status" && (e.kind === "state" || e.kind === "vendRequest")) {
      this.finish({ kind: "state", event: e });
      return true;
    }
    if (e.kind === "ok") {
      this.finish({ kind: "ok" });
      return true;
    }
    if (e.kind === "error") {
      this.finish({ kind: "error", reason: e.reason });
      return true;
    }
    return false;
  }
}
