/**
 * The commissioning tools (issue 12): jobs with progress, the bus scan, the door test and its
 * reports, the live view. Not a vertical of its own: it drives the lines and banks the verticals
 * registered in `seams.commissioning` (src/domain/commissioning/site.ts) and adds installer-scope
 * routes under /api/v1 (src/api/ops/). Built last (VERTICALS order), when every line is known.
 */

import { doorTestPlugin } from "../api/ops/door-test.js";
import { jobsPlugin } from "../api/ops/jobs.js";
import { livePlugin } from "../api/ops/live.js";
import type { Config } from "../config/schema.js";
import { Jobs } from "../domain/commissioning/jobs.js";
import { ReportStore } from "../domain/commissioning/reports.js";
import { CommissioningSite } from "../domain/commissioning/site.js";
import type { Extension, ExtensionContext, ExtensionFactory } from "../gateway.js";
import type { SiteSeams } from "./seams.js";

/** Why a line of this protocol has nothing to scan (one device, no addresses on the wire). */
const NOT_SCANNABLE: Readonly<Record<string, string>> = {
  "scanner-line":
    "a barcode scanner line carries one scanner that only talks when it reads a code: scan a code and watch the live view",
  "mdb-bridge-text":
    "an MDB bridge line carries one bridge that speaks for its machine (no addresses to probe): its state shows in the live view and GET /api/v1/vending",
};

/** The site's registry, made once per site before the verticals are built (extensionsFor). */
export function commissioningSeam(seams: SiteSeams): CommissioningSite {
  seams.commissioning ??= new CommissioningSite();
  return seams.commissioning;
}

export interface OpsOptions {
  /** SSE heartbeat period, ms (tests shorten it) */
  heartbeatMs?: number;
}

export function opsExtension(seams: SiteSeams, options: OpsOptions = {}): ExtensionFactory {
  return (ctx) => buildOps(ctx, commissioningSeam(seams), options);
}

function buildOps(ctx: ExtensionContext, site: CommissioningSite, options: OpsOptions): Extension {
  registerOtherLines(ctx.config, site);
  const jobs = new Jobs({
    now: () => ctx.clock.now(),
    onError: (err, job) => ctx.log.error({ err, job: job.id, kind: job.kind }, "commissioning job failed"),
  });
  const sse = { heartbeatMs: options.heartbeatMs };
  const reports = new ReportStore(ctx.db);
  const doorTest = {
    jobs,
    site,
    reports,
    clock: ctx.clock,
    gateway: { id: ctx.config.gateway.id, site: ctx.config.gateway.site },
  };
  return {
    name: "ops",
    apiPlugins: [
      jobsPlugin({ jobs, site, sse }),
      doorTestPlugin(doorTest),
      ...(ctx.live
        ? [livePlugin({ hub: ctx.live.hub, outbox: ctx.live.outbox, site, registry: ctx.registry, sse })]
        : []),
    ],
    stop: () => jobs.stop(),
  };
}

/** Lines no vertical registered (scanners, MDB bridges, a line without devices): not scannable. */
function registerOtherLines(config: Config, site: CommissioningSite): void {
  for (const bus of config.buses) {
    if (site.lines.has(bus.id)) continue;
    site.addLine({
      bus: bus.id,
      protocol: bus.protocol,
      range: [0, 0],
      unsupported:
        NOT_SCANNABLE[bus.protocol] ??
        "no device is configured on this line, so nothing drives it yet: add one, restart, then scan",
    });
  }
}
