/**
 * The command router: `R/cmd/{name}` ─► parse ─► signature (when uplink.commandKey is set) ─►
 * target gateway (`gw`) ─► ledger (duplicate? unknown outcome after a crash?) ─► shape ─►
 * expiry ─► handler ─► `R/cmd-result/{id}`.
 *
 * A signed command must name its gateway in `gw` (the signature covers it): a command signed for
 * another gateway of the same platform is `rejected` (QH_COMMAND_WRONG_GATEWAY), never run. A
 * malformed command is `rejected` with QH_COMMAND_INVALID naming every problem, including those
 * a handler finds in its args.
 *
 * Order matters: a duplicate is answered from the ledger even after it expired; an expired command
 * is recorded (so a later resend is a duplicate) and never executed; a command recorded as started
 * but never finished (the gateway died mid-way) is answered `failed` with QH_COMMAND_OUTCOME_UNKNOWN
 * and never run again, so a door is never pulsed twice by a replay.
 */
import type { KeyObject } from "node:crypto";
import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.js";
import {
  type Command,
  type CommandHandler,
  type CommandResult,
  isLedgerAfterRun,
  isRefusal,
} from "../core/command.js";
import { DEVICE_ID_RE, isJsonObject } from "../core/envelope.js";
import { ERRORS, isQhError } from "../core/errors.js";
import { parseIsoTime } from "../core/iso-time.js";
import { jsonValueTooDeep, MAX_JSON_DEPTH } from "../core/json-depth.js";
import type { Logger } from "../core/logger.js";
import { counter } from "../core/metrics.js";
import type { Ledger } from "../store/ledger.js";
import { verifyCommand } from "./signature.js";

export interface RouterOptions {
  /** This gateway's id (`gateway.id`): a command naming another gateway in `gw` is rejected. */
  gatewayId: string;
  ledger: Ledger;
  clock: Clock;
  log: Logger;
  registry: Registry;
  commandKey?: KeyObject;
  publishResult: (result: CommandResult) => void;
}

const ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
/** An RFC 3339 time (seconds required) with a real calendar date (no 2030-02-31) and a zone. */
function isIsoTime(v: unknown): v is string {
  return parseIsoTime(v, { seconds: true }) !== undefined;
}

/** The error with the catalogue's hint for its code (what to do), when the code is in the catalogue. */
function withHint(e: { code: string; message: string; hint?: string }): {
  code: string;
  message: string;
  hint?: string;
} {
  if (e.hint !== undefined || !Object.hasOwn(ERRORS, e.code)) return e;
  return { ...e, hint: ERRORS[e.code as keyof typeof ERRORS] };
}

export class CommandRouter {
  private readonly handlers = new Map<string, CommandHandler>();
  /** Commands running now, by id: a repeat while one runs waits for it and answers `duplicate`. */
  private readonly running = new Map<string, Promise<CommandResult>>();
  private readonly mCommands;

  constructor(private readonly o: RouterOptions) {
    this.mCommands = counter(o.registry, "qh_commands_total", "Platform commands by name and outcome", [
      "name",
      "status",
    ]);
  }

  register(name: string, handler: CommandHandler): void {
    if (this.handlers.has(name)) throw new Error(`command ${name} registered twice`);
    this.handlers.set(name, handler);
  }

  registerAll(handlers: Record<string, CommandHandler>): void {
    for (const [name, h] of Object.entries(handlers)) this.register(name, h);
  }

  names(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Entry point from the uplink: a raw message on R/cmd/{name}. Always answers when it can. */
  async handleMessage(name: string, payload: Buffer): Promise<CommandResult | undefined> {
    let body: unknown;
    let utf8 = true;
    let text: string;
    try {
      text = STRICT_UTF8.decode(payload);
    } catch {
      utf8 = false; // read it anyway, only to find the id to answer to
      text = payload.toString("utf8");
    }
    try {
      body = JSON.parse(text);
    } catch {
      this.o.log.warn({ name }, "command dropped: not JSON (no id to answer to)");
      return undefined;
    }
    if (!isJsonObject(body) || typeof body.id !== "string" || !ID_RE.test(body.id)) {
      this.o.log.warn({ name }, "command dropped: no valid id to answer to");
      return undefined;
    }
    const result = utf8
      ? await this.handle(name, body)
      : this.refuse(name, body.id, "QH_COMMAND_INVALID", "the payload is not valid UTF-8: nothing was run");
    this.o.publishResult(result);
    return result;
  }

  /** Answer a command that is refused before any check of its content. */
  private refuse(name: string, id: string, code: string, message: string): CommandResult {
    const r: CommandResult = { id, status: "rejected", error: withHint({ code, message }) };
    this.mCommands.inc({ name: this.handlers.has(name) ? name : "unknown", status: r.status });
    this.o.log.info({ cmd: name, id, status: r.status, err: code }, "command answered");
    return r;
  }

  async handle(name: string, body: Record<string, unknown>): Promise<CommandResult> {
    const id = body.id as string;
    const answer = (r: CommandResult): CommandResult => {
      if (r.error) r.error = withHint(r.error);
      // only known names become label values: a flood of invented names must not grow /metrics
      this.mCommands.inc({ name: this.handlers.has(name) ? name : "unknown", status: r.status });
      this.o.log.info({ cmd: name, id, status: r.status, err: r.error?.code }, "command answered");
      return r;
    };
    const fail = (code: string, message: string, status: CommandResult["status"] = "rejected") =>
      answer({ id, status, error: { code, message } });

    // before anything that walks the body recursively (signature canonical form, JSON.stringify)
    if (jsonValueTooDeep(body, MAX_JSON_DEPTH + 1)) {
      return fail(
        "QH_COMMAND_INVALID",
        `nested too deep: args (and every other field) may nest at most ${MAX_JSON_DEPTH} levels`,
      );
    }
    if (this.o.commandKey) {
      if (!verifyCommand(this.o.commandKey, body, name)) {
        return fail("QH_COMMAND_SIGNATURE", "missing or invalid signature");
      }
      if (body.gw === undefined) {
        return fail(
          "QH_COMMAND_SIGNATURE",
          `a signed command must name its target gateway in "gw" (this is ${this.o.gatewayId})`,
        );
      }
    }
    if (body.gw !== undefined && body.gw !== this.o.gatewayId) {
      return fail(
        "QH_COMMAND_WRONG_GATEWAY",
        `this command is for gateway ${JSON.stringify(body.gw)}, not ${this.o.gatewayId}; not run`,
      );
    }
    const inFlight = this.running.get(id);
    if (inFlight) {
      // the same id again while it runs (a redelivery, a replay): never "outcome unknown", never run twice
      const first = await inFlight;
      return answer({ id, status: "duplicate", result: { first } });
    }
    const prior = this.o.ledger.get(id);
    if (prior) {
      if (prior.state === "done") {
        return answer({ id, status: "duplicate", result: { first: prior.result } });
      }
      return fail(
        "QH_COMMAND_OUTCOME_UNKNOWN",
        "this command id was started before a restart and its outcome is unknown; it is not run again",
        "failed",
      );
    }
    const problems: string[] = [];
    const now = this.o.clock.now();
    if (!isIsoTime(body.expiresAt)) {
      problems.push("expiresAt: must be an ISO 8601 time with a zone, e.g. 2026-11-30T08:00:00.000Z");
    }
    if (body.args !== undefined && !isJsonObject(body.args)) problems.push("args: must be a JSON object");
    if (body.device !== undefined && (typeof body.device !== "string" || !DEVICE_ID_RE.test(body.device))) {
      problems.push("device: must be a device id (1-64 of A-Z a-z 0-9 _ -)");
    }
    const argsDevice = isJsonObject(body.args) ? body.args.device : undefined;
    if (body.device !== undefined && argsDevice !== undefined && argsDevice !== body.device) {
      // which one would move? neither: the platform must name one device
      problems.push(
        `args.device: ${JSON.stringify(argsDevice)} is not the command's device ${JSON.stringify(body.device)}; name the device once (or the same in both)`,
      );
    }
    if (problems.length > 0) return fail("QH_COMMAND_INVALID", problems.join("; "));
    const handler = this.handlers.get(name);
    if (!handler) return fail("QH_COMMAND_UNKNOWN", `unknown command "${name}"`);
    const expiresAt = body.expiresAt as string;
    // a handler marked ledgerAfterRun refuses a second run by its own state: recorded after it ran
    const after = isLedgerAfterRun(handler);
    let begun = true;
    try {
      // with its expiry: the ledger keeps the id until then at least, so a replay of these bytes
      // (signature and all) is a duplicate or expired, never run again
      if (!after) begun = this.o.ledger.begin(id, name, now, Date.parse(expiresAt));
    } catch (err) {
      // Not recorded, so not run: a command never acts without its ledger entry.
      const e = this.o.ledger.storeError(err);
      return fail(e.code, e.message, "failed");
    }
    if (!begun) {
      return fail("QH_COMMAND_OUTCOME_UNKNOWN", "the same id is already running", "failed");
    }
    const run = (async (): Promise<CommandResult> => {
      let result: CommandResult;
      if (Date.parse(expiresAt) <= now) {
        result = {
          id,
          status: "expired",
          error: { code: "QH_COMMAND_EXPIRED", message: `expired at ${expiresAt}` },
        };
      } else {
        const cmd: Command = {
          id,
          name,
          device: body.device as string | undefined,
          args: (body.args as Command["args"]) ?? {},
          expiresAt,
        };
        try {
          const out = await handler(cmd.args, { id, device: cmd.device });
          result = { id, status: "ok", result: out };
        } catch (err) {
          // a handler that finds its args malformed, or naming a target this gateway does not have,
          // has moved nothing: rejected, as the contract says
          result = {
            id,
            status: isQhError(err, "QH_COMMAND_INVALID") || isRefusal(err) ? "rejected" : "failed",
            error: isQhError(err)
              ? { code: err.code, message: err.message }
              : { code: "QH_INTERNAL", message: (err as Error).message },
          };
        }
      }
      try {
        if (after) this.o.ledger.begin(id, name, now, Date.parse(expiresAt));
        this.o.ledger.finish(id, result);
      } catch (err) {
        // The result still goes to the platform; a repeat of this id will answer "outcome unknown".
        const e = this.o.ledger.storeError(err);
        this.o.log.error({ cmd: name, id, code: e.code, err: e.message }, "command result not recorded");
      }
      return result;
    })();
    this.running.set(id, run);
    try {
      return answer(await run);
    } finally {
      this.running.delete(id);
    }
  }
}
