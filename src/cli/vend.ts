/**
 * `quarterhour vend stock|restock|audit`: the vending machines' planogram, refills and DEX audits,
 * through the running gateway's API (it owns the database and the bridge): QH_GATEWAY_UNREACHABLE
 * (exit 1) when none answers.
 *
 * `vend audit` exits 0 when the audit was reconciled (mismatches are findings, printed and in the
 * `audit.dex` event), 1 when the machine's file could not be trusted (QH_DEX_INTEGRITY: stored and
 * reported, not reconciled) or the fetch failed (QH_DEX_FETCH_FAILED).
 */
import type { Config } from "../config/schema.js";
import { vendingDevices } from "../config/vending.js";
import { QhError } from "../core/errors.js";
import { DEX_FETCH_TIMEOUT_MS } from "../drivers/mdb-bridge.js";
import { type GatewayOpts, readConfig } from "./common.js";
import { money } from "./dex-format.js";
import { connectGateway } from "./gateway-client.js";

interface SlotRow {
  slot: number;
  product: string;
  name: string | null;
  price: number;
  capacity: number;
  count: number;
  state: string;
}

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(w[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const path = (d: string) => `/vending/${encodeURIComponent(d)}`;

/**
 * The machine a `vend` command is about: `--device`, else the config's only vending machine (a
 * device on an `mdb-bridge-text` bus). QH_USAGE (exit 2, nothing sent) when the config has none,
 * or several and no `--device` names one.
 */
export function machineOf(config: Config, device: string | undefined): string {
  if (device !== undefined) return device;
  const all = vendingDevices(config);
  if (all.length === 1) return all[0]!;
  throw new QhError(
    "QH_USAGE",
    all.length === 0
      ? "this config has no vending machine (a device on an mdb-bridge-text bus)"
      : `--device: which vending machine (${all.join(", ")})`,
  );
}

export async function vendStock(o: GatewayOpts & { device?: string; json?: boolean }): Promise<void> {
  const config = readConfig(o);
  const device = machineOf(config, o.device);
  const api = await connectGateway(config);
  const r = await api.call<{ slots: SlotRow[] }>("GET", `${path(device)}/stock`);
  if (o.json) return out(JSON.stringify(r.slots));
  out(
    table(
      ["SLOT", "PRODUCT", "NAME", "PRICE", "COUNT", "CAPACITY", "STATE"],
      r.slots.map((s) => [
        String(s.slot),
        s.product,
        s.name ?? "-",
        money(s.price, 2),
        String(s.count),
        String(s.capacity),
        s.state,
      ]),
    ),
  );
}

export async function vendRestock(
  o: GatewayOpts & {
    device?: string;
    slot?: { slot: number; count: number }[];
    full?: boolean;
    by?: string;
    json?: boolean;
  },
): Promise<void> {
  if (!o.full === !o.slot?.length)
    throw new QhError("QH_USAGE", "give --slot SLOT=COUNT (repeatable) or --full, not both");
  const config = readConfig(o);
  const device = machineOf(config, o.device);
  const api = await connectGateway(config);
  const r = await api.call<{
    slots: { slot: number; product: string; before: number; after: number }[];
    warnings?: string[];
  }>("POST", `${path(device)}/restock`, {
    ...(o.full ? { full: true } : { slots: o.slot }),
    by: o.by ?? "cli",
  });
  if (o.json) return out(JSON.stringify(r));
  for (const s of r.slots) out(`slot ${s.slot} (${s.product}): ${s.before} → ${s.after}`);
  for (const w of r.warnings ?? []) out(`warning: ${w}`);
}

interface AuditData {
  auditId: string;
  verdict: string;
  reconciled: boolean;
  mode?: string;
  machine: { serial: string | null; readDate: string | null; readTime: string | null };
  totals?: {
    dex: Record<string, { vends: number | null; value: number | null } | null>;
    gateway: Record<string, { vends: number; value: number }>;
  };
  mismatches?: {
    scope: string;
    product?: string;
    slot?: number;
    field: string;
    dex: number | null;
    gateway: number | null;
    difference: number | null;
  }[];
  warnings: string[];
}

/**
 * How long `vend audit` waits for the gateway (ms): the DEX transfer's own timeout, plus a margin
 * for a command ahead of it on the bridge line (answered within 1 s each) and the audit's writes.
 */
export const AUDIT_WAIT_MS = DEX_FETCH_TIMEOUT_MS + 15_000;

/** The coded error when the gateway gave no answer to an audit in time. */
export function auditTimeout(device: string, ms: number): QhError {
  return new QhError(
    "QH_DEX_AUDIT_TIMEOUT",
    `the gateway gave no answer to the audit of ${device} within ${ms / 1000} s (the DEX transfer may take ${DEX_FETCH_TIMEOUT_MS / 1000} s)`,
  );
}

export async function vendAudit(o: GatewayOpts & { device: string; json?: boolean }): Promise<void> {
  const api = await connectGateway(readConfig(o));
  const r = await api.call<AuditData>("POST", `${path(o.device)}/audit`, undefined, {
    timeoutMs: AUDIT_WAIT_MS,
    onTimeout: (ms) => auditTimeout(o.device, ms),
  });
  if (o.json) out(JSON.stringify(r));
  else {
    out(
      `audit ${r.auditId}: ${o.device} (DEX serial ${r.machine.serial ?? "-"}, read ${r.machine.readDate ?? "-"} ${r.machine.readTime ?? ""})`,
    );
    out(`file: ${r.verdict}${r.reconciled ? `; reconciled (${r.mode})` : "; NOT reconciled"}`);
    if (r.totals) {
      const f = (x: { vends: number | null; value: number | null } | null | undefined) =>
        x ? `${x.vends ?? "-"} / ${money(x.value, 2)}` : "-";
      out(
        table(
          ["SINCE LAST AUDIT", "MACHINE (DEX)", "GATEWAY"],
          (["all", "cash", "cashless"] as const).map((k) => [
            k,
            f(r.totals!.dex[k]),
            f(r.totals!.gateway[k]),
          ]),
        ),
      );
    }
    if (r.mismatches?.length) {
      out(`${r.mismatches.length} mismatch(es):`);
      for (const m of r.mismatches)
        out(
          `  ${m.scope === "machine" ? "machine" : `product ${m.product}${m.slot !== undefined ? ` (slot ${m.slot})` : ""}`} ${m.field}: DEX ${m.dex ?? "-"}, gateway ${m.gateway ?? "-"} (${m.difference !== null && m.difference > 0 ? "+" : ""}${m.difference ?? "-"})`,
        );
    } else if (r.reconciled)
      out(r.mode === "baseline" ? "first audit: the baseline for the next one" : "no mismatch");
    for (const w of r.warnings) out(`  warning: ${w}`);
  }
  if (!r.reconciled)
    throw new QhError(
      "QH_DEX_INTEGRITY",
      `${o.device}: the machine's DEX file is ${r.verdict}: stored, not reconciled`,
    );
}
