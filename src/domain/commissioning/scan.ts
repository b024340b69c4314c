/**
 * A bus scan: every address of a range probed once, in order, through the line's own bus master
 * (reads only: never a door pulse, never a write), one result per address as it comes.
 *
 *   POST /api/v1/buses/{bus}/scan { from?, to? } ─► job (kind "scan", one per bus at a time)
 *        ─► probe(from) … probe(to) ─► results { address, answered, status, model?, device?, detail }
 *
 * The probes interleave with the line's normal polls (priority "poll"), and a resident's door
 * pulse goes before them. A line that is down fails the job (QH_SERIAL_CLOSED); a cancel stops
 * it after the address under way.
 */
import { isQhError, QhError } from "../../core/errors.js";
import type { JobHandle, Jobs, JobView } from "./jobs.js";
import type { CommissioningSite, ScanLine } from "./site.js";

/** The line of `bus`. @throws QhError QH_BUS_UNKNOWN (404) */
export function requireLine(site: CommissioningSite, bus: string): ScanLine {
  const line = site.lines.get(bus);
  if (!line) {
    const known = [...site.lines.keys()].join(", ") || "none";
    throw new QhError("QH_BUS_UNKNOWN", `no bus ${bus} at this site (buses: ${known})`, { bus });
  }
  return line;
}

/**
 * Checks and starts a scan of `bus` from `from` to `to` (default: the protocol's whole range).
 * @throws QhError QH_BUS_UNKNOWN, QH_SCAN_UNSUPPORTED (409: the line has no addresses to probe),
 *   QH_SCAN_RANGE_INVALID (400), QH_JOB_BUSY (409: a job runs on that bus)
 */
export function startScan(
  jobs: Jobs,
  site: CommissioningSite,
  bus: string,
  range: { from?: number; to?: number } = {},
): JobView {
  const line = requireLine(site, bus);
  const probe = line.probe;
  if (!probe) {
    throw new QhError(
      "QH_SCAN_UNSUPPORTED",
      `bus ${bus} (${line.protocol}) cannot be scanned: ${line.unsupported ?? "no probe for this protocol"}`,
      { bus, protocol: line.protocol },
    );
  }
  const [lo, hi] = line.range;
  const [dlo, dhi] = line.defaultRange ?? line.range;
  const from = range.from ?? dlo;
  const to = range.to ?? dhi;
  if (from < lo || to > hi || from > to) {
    throw new QhError(
      "QH_SCAN_RANGE_INVALID",
      `${line.protocol} addresses run from ${lo} to ${hi}; from ${from} to ${to} is not a range inside it`,
      { bus, from, to, min: lo, max: hi },
    );
  }
  return jobs.start("scan", bus, to - from + 1, (h) => runScan(h, probe, from, to));
}

async function runScan(
  h: JobHandle,
  probe: NonNullable<ScanLine["probe"]>,
  from: number,
  to: number,
): Promise<void> {
  for (let a = from; a <= to; a++) {
    if (h.signal.aborted) return;
    try {
      h.result(await probe(a));
    } catch (err) {
      if (isQhError(err)) throw err; // the line went down: the scan cannot say anything more
      throw new QhError("QH_INTERNAL", `probe of address ${a} failed: ${(err as Error)?.message ?? err}`);
    }
  }
}
