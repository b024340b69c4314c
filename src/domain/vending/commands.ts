/**
 * The platform's commands for vending (docs/contract.md "Vending"). Expiry, the ledger (never
 * twice) and signatures are the command router's; these check their args (QH_COMMAND_INVALID
 * naming every bad arg), find the machine (QH_VEND_MACHINE_UNKNOWN) and act.
 *
 * - vend.session            { device?, credit, paymentRef, expiresAt? }  pay first: begin a session
 *                           with `credit` (minor units) until `expiresAt` (ISO 8601 or epoch ms;
 *                           at most vending.sessionTimeoutSeconds)
 * - vend.session.cancel     { device?, paymentRef }                      end that session
 * - vend.authorize.result   { device?, requestId, approved, paymentRef?, reason? }
 *                           select first: the answer to a vend.authorize request
 * `device`: args.device, else the command's device. Malformed args and an unknown machine are
 * refusals (the router answers `rejected`): every problem is named at once.
 */
import { type CommandContext, type CommandHandler, ledgerAfterRun, refusal } from "../../core/command.js";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { parseInstant } from "../../core/iso-time.js";
import type { CashlessReader } from "./session.js";

export const VENDING_COMMANDS = ["vend.session", "vend.session.cancel", "vend.authorize.result"] as const;

const REF_RE = /^[\x21-\x7E]{1,128}$/;

class Problems {
  readonly list: string[] = [];
  /** A machine id this site does not have: QH_VEND_MACHINE_UNKNOWN when it is the only problem. */
  unknownMachine?: string;
  add(m: string): void {
    this.list.push(m);
  }
  /** Every problem at once; all are refusals (`rejected`: nothing was sent to a machine). */
  check(): void {
    const unknown = this.unknownMachine;
    if (unknown !== undefined && this.list.length === 0)
      throw refusal(new QhError("QH_VEND_MACHINE_UNKNOWN", `no vending machine ${unknown} at this site`));
    if (unknown !== undefined) this.list.unshift(`args.device: no vending machine ${unknown} at this site`);
    if (this.list.length > 0) throw new QhError("QH_COMMAND_INVALID", this.list.join("; "));
  }
}

function ref(p: Problems, args: JsonObject, key: string, required: boolean): string | undefined {
  const v = args[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || !REF_RE.test(v)) {
    p.add(`args.${key}: must be 1-128 printable ASCII characters without spaces`);
    return undefined;
  }
  return v;
}

/** The handlers, over the site's readers by device id. */
export function createVendingCommands(
  readers: ReadonlyMap<string, CashlessReader>,
): Record<string, CommandHandler> {
  const reader = (p: Problems, args: JsonObject, ctx: CommandContext): CashlessReader | undefined => {
    if (args.device !== undefined && typeof args.device !== "string") {
      p.add("args.device: a vending machine's device id (a string)");
      return undefined;
    }
    const d = args.device ?? ctx.device;
    if (typeof d !== "string") {
      if (readers.size === 1) return [...readers.values()][0];
      p.add("args.device: which vending machine (required: the site has several)");
      return undefined;
    }
    const r = readers.get(d);
    if (!r) p.unknownMachine = d;
    return r;
  };
  return {
    "vend.session": async (args, ctx) => {
      const p = new Problems();
      const r = reader(p, args, ctx);
      const credit = args.credit;
      if (typeof credit !== "number" || !Number.isInteger(credit) || credit <= 0 || credit > 100_000_000)
        p.add("args.credit: an integer of minor units, 1..100000000");
      const paymentRef = ref(p, args, "paymentRef", true);
      let expiresAtMs: number | undefined;
      if (args.expiresAt !== undefined) {
        const e = args.expiresAt;
        expiresAtMs = parseInstant(e);
        if (expiresAtMs === undefined)
          p.add("args.expiresAt: an ISO 8601 time with a zone and a real calendar date, or epoch ms");
      }
      p.check();
      return r!.beginSession({ credit: credit as number, paymentRef: paymentRef!, expiresAtMs });
    },
    "vend.session.cancel": async (args, ctx) => {
      const p = new Problems();
      const r = reader(p, args, ctx);
      const paymentRef = ref(p, args, "paymentRef", true);
      p.check();
      return r!.cancelSession(paymentRef);
    },
    // answered once by the reader (one pending request, none after a restart): no ledger row on the
    // approval's path (docs/vending.md "What must be durable")
    "vend.authorize.result": ledgerAfterRun(async (args, ctx) => {
      const p = new Problems();
      const r = reader(p, args, ctx);
      const requestId = ref(p, args, "requestId", true);
      if (typeof args.approved !== "boolean") p.add("args.approved: true or false");
      const paymentRef = ref(p, args, "paymentRef", args.approved === true);
      const reason = args.reason;
      if (reason !== undefined && (typeof reason !== "string" || !/^[a-z0-9_]{1,64}$/.test(reason)))
        p.add("args.reason: 1-64 characters a-z 0-9 _");
      p.check();
      return r!.authorizeResult({
        requestId: requestId!,
        approved: args.approved as boolean,
        ...(paymentRef ? { paymentRef } : {}),
        ...(typeof reason === "string" ? { reason } : {}),
      });
    }),
  };
}
