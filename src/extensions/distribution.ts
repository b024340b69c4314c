/**
 * Distribution rounds (issue 11, emergency supply): bulk contactless hand-out through the site's
 * lockers. It drives no bus: it is wanted at every site with locker banks, built after the locker
 * and the cold chain (VERTICALS order), and rides on what they publish in the site's seams:
 *
 *   seams.lockerHolds (compartments, doors, codes, guard) ─► DistributionService ◄─ seams.siteMode
 *   scanner scan at a terminal with a volunteer session ─► seams.distribution.scan
 *     (bare digits that are no bundle's label: the resident's pickup, as without a session)
 *     (a GS1 pack label while the bundle's door is assigned or open ─► seams.trace.loadBundle)
 *   resident's code, volunteer's label ─► seams.trace.bundleRefusal (a recalled lot inside)
 *   kiosk ─► /api/v1/kiosk/{t}/distribution… (src/api/distribution.ts)
 */
import { distributionPlugin } from "../api/distribution.js";
import type { Config } from "../config/schema.js";
import { DistributionService } from "../domain/distribution/service.js";
import { looksLikeGs1 } from "../domain/trace/gs1.js";
import type { Extension, ExtensionFactory } from "../gateway.js";
import { loadBundleLotScan } from "./bundle-lot-scan.js";
import { LabelRefusals, readsAsPickupCode } from "./label-refusal.js";
import { LOCKER_BUS_PROTOCOLS } from "./locker.js";
import { LotScanNotices } from "./lot-scan.js";
import type { SiteSeams } from "./seams.js";

/** The prefix of a volunteer's QR code (`qh:volunteer:CODE`): scanner and kiosk sign-in. */
export const VOLUNTEER_QR_PREFIX = "qh:volunteer:";

/** Bus protocols this vertical drives: none (it rides on the locker's). */
export const DISTRIBUTION_BUS_PROTOCOLS: ReadonlySet<string> = new Set();

/** Wanted at a site with locker banks. */
export function distributionWanted(config: Config): boolean {
  return config.buses.some((b) => LOCKER_BUS_PROTOCOLS.has(b.protocol) && b.protocol !== "scanner-line");
}

export function distributionExtension(seams: SiteSeams): ExtensionFactory {
  return (ctx): Extension => {
    const holds = seams.lockerHolds;
    const mode = seams.siteMode;
    const locker = seams.lockerService;
    if (!holds || !mode || !locker) return { name: "distribution" }; // no locker bank, or no site mode
    const log = ctx.log.child({ component: "distribution" });
    const zoneKinds = new Map(ctx.config.cold.zones.map((z) => [z.id, z.kind]));
    const service = new DistributionService({
      holds,
      mode,
      siteDevice: ctx.config.gateway.id,
      zoneKinds,
      clock: ctx.clock,
      logger: ctx.log,
    });
    // the trace part (built after this one: read when a code, a label or a round comes)
    service.setLotHooks({
      refusal: (bundleId, purpose) => seams.trace?.bundleRefusal(bundleId, purpose),
      problem: (lot) => {
        const trace = seams.trace;
        if (!trace) return "this gateway records no lots";
        try {
          trace.assertLoadable(lot);
          return undefined;
        } catch (err) {
          return `${(err as Error).message} (${(err as { code?: string }).code})`;
        }
      },
      record: (now, bundleId, lots) =>
        seams.trace?.recordPlannedLots(now, ctx.config.gateway.id, bundleId, lots, "distribution.load"),
    });
    // the outcome of each pack label scanned into a bundle, for the volunteer's screen
    const lotNotices = new LotScanNotices();
    // a label refused at the scanner during a volunteer's session, for the volunteer's screen
    const refusals = new LabelRefusals();
    seams.distribution = {
      scan: (terminal, code) => {
        const s = service.loadingSession(terminal);
        if (code.startsWith(VOLUNTEER_QR_PREFIX))
          return service.startLoading(terminal, code.slice(VOLUNTEER_QR_PREFIX.length));
        // routed by prefix first: a resident's qh:pickup:, a courier's qh:courier: are never labels
        if (/^qh:/i.test(code)) return undefined;
        // a GS1 pack label while the volunteer's bundle door is assigned or open: a lot in the bundle
        const trace = seams.trace;
        if (
          trace &&
          (s?.step === "opening" || s?.step === "open") &&
          looksLikeGs1(code, { separator: ctx.config.trace.gs1.separator })
        )
          return loadBundleLotScan(service, trace, lotNotices, terminal, code);
        if (s?.step !== "scan") return undefined;
        // a resident's slip barcode (bare digits, codeLength to 12) that is no bundle's label: a
        // pickup, as a `qh:pickup:` scan is (the locker's scan path; its guessing guard counts it)
        if (
          readsAsPickupCode(code, holds.settings.codeLength) &&
          service.bundleRound(code.trim()) === undefined
        )
          return undefined;
        // refused: shown in the volunteer's view (`scanRefused`), not only logged
        return Promise.resolve()
          .then(() => service.scanLabel(terminal, code))
          .catch((err: unknown) => {
            refusals.record(terminal, code, err);
            throw err;
          });
      },
    };
    return {
      name: "distribution",
      commands: service.commands(),
      apiPlugins: [distributionPlugin(service, locker, mode, lotNotices, refusals)],
      start: async () => {
        await service.start();
        log.debug("distribution rounds ready");
      },
      stop: async () => {
        await service.stop();
        seams.distribution = undefined;
      },
    };
  };
}
