/**
 * `quarterhour locker compartments`: every compartment of the site's lockers with its size, state,
 * door and parcel. From the running gateway's API (checked to be this config's gateway); when no
 * gateway answers, from the database, opened read-only (what the gateway last recorded).
 */
import { existsSync } from "node:fs";
import type { Config } from "../config/schema.js";
import { isQhError, QhError } from "../core/errors.js";
import { ACTIVE_SQL } from "../domain/locker/schema.js";
import type { CompartmentView } from "../domain/locker/types.js";
import { dbFile, openDatabase } from "../store/db.js";
import { isSqliteError, signsOfPastRun, storeError } from "../store/integrity.js";
import { type GatewayOpts, readConfig } from "./common.js";
import { connectGateway } from "./gateway-client.js";

type Row = Pick<
  CompartmentView,
  "device" | "compartment" | "size" | "state" | "reason" | "reachable" | "doorOpen" | "parcelId"
> & { holder?: CompartmentView["holder"] };

function fromDatabase(config: Config, device?: string): Row[] {
  const db = openDatabase({ dataDir: config.dataDir, readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT c.device, c.compartment, c.size, c.state, c.oos_reason AS reason, c.reachable,
                c.door_open AS doorOpen,
                (SELECT p.id FROM locker_parcels p WHERE p.device = c.device
                   AND p.compartment = c.compartment AND p.state IN ${ACTIVE_SQL} LIMIT 1) AS parcelId,
                ${holdsSql(db)}
           FROM locker_compartments c
          WHERE c.retired = 0 AND (? IS NULL OR c.device = ?)
          ORDER BY c.device, c.position`,
      )
      .all(device ?? null, device ?? null) as (Omit<Row, "reachable" | "doorOpen" | "holder"> & {
      reachable: number;
      doorOpen: number | null;
      holdOwner: string | null;
      holdItem: string | null;
    })[];
    return rows.map(({ holdOwner, holdItem, ...r }) => ({
      ...r,
      holder: holdOwner !== null && holdItem !== null ? { owner: holdOwner, item: holdItem } : null,
      reachable: r.reachable === 1,
      doorOpen: r.doorOpen === null ? null : r.doorOpen === 1,
    }));
  } catch (err) {
    if (isQhError(err)) throw err;
    if (isSqliteError(err) && !/no such table/.test(err.message))
      throw storeError(err, dbFile(config.dataDir));
    throw new QhError(
      "QH_STORE_OPEN",
      `cannot read the locker's tables in ${dbFile(config.dataDir)}: ${(err as Error).message}`,
    );
  } finally {
    db.close();
  }
}

/** The hold's owner and item (a distribution bundle), when the database has the holds table. */
function holdsSql(db: ReturnType<typeof openDatabase>): string {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'locker_holds'").get();
  return has
    ? `(SELECT h.owner FROM locker_holds h WHERE h.device = c.device AND h.compartment = c.compartment) AS holdOwner,
       (SELECT h.item FROM locker_holds h WHERE h.device = c.device AND h.compartment = c.compartment) AS holdItem`
    : "NULL AS holdOwner, NULL AS holdItem";
}

/** The PARCEL column: the parcel, or what another vertical keeps there ("bundle B1" for a round's). */
function contents(r: Row): string {
  if (r.parcelId) return r.parcelId;
  if (r.holder)
    return r.holder.owner === "distribution"
      ? `bundle ${r.holder.item}`
      : `${r.holder.owner} ${r.holder.item}`;
  return "-";
}

function table(rows: Row[]): string {
  const head = ["DEVICE", "COMPARTMENT", "SIZE", "STATE", "DOOR", "PARCEL"];
  const cells = rows.map((r) => [
    r.device,
    r.compartment,
    r.size,
    r.state === "out_of_service" && r.reason ? `out_of_service (${r.reason})` : r.state,
    !r.reachable ? "unreachable" : r.doorOpen === null ? "-" : r.doorOpen ? "open" : "closed",
    contents(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells]
    .map((c) =>
      c
        .map((v, i) => v.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * Lists the compartments (optionally of one `device`). Throws QH_USAGE when the site has no
 * locker; QH_GATEWAY_MISMATCH when another program answers on api.port; QH_GATEWAY_UNREACHABLE
 * when no gateway runs and none ever ran on the data dir; QH_STORE_MISSING when no gateway runs and
 * the database of one that ran is gone.
 */
export async function lockerCompartments(
  opts: GatewayOpts & { device?: string; json?: boolean },
): Promise<void> {
  const config = readConfig(opts);
  if (config.buses.length === 0) {
    throw new QhError("QH_USAGE", `the site in ${opts.config} has no serial buses, so no locker`);
  }
  let rows: Row[];
  let source: string;
  try {
    const api = await connectGateway(config);
    const q = opts.device ? `?device=${encodeURIComponent(opts.device)}` : "";
    rows = (await api.call<{ compartments: Row[] }>("GET", `/locker/compartments${q}`)).compartments;
    source = `from the running gateway ${api.info.gateway} at ${api.base}`;
  } catch (err) {
    // no gateway answers: read the store; a store lost after a gateway ran here is
    // QH_STORE_MISSING (from openDatabase), only a site where none ran yet is "unreachable"
    if (!isQhError(err, "QH_GATEWAY_UNREACHABLE")) throw err;
    if (!existsSync(dbFile(config.dataDir)) && signsOfPastRun(config.dataDir).length === 0) throw err;
    rows = fromDatabase(config, opts.device);
    source = `from ${dbFile(config.dataDir)} (read-only: no gateway answers at api.port ${config.api.port})`;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  const free = rows.filter((r) => r.state === "free").length;
  process.stdout.write(`${table(rows)}\n${rows.length} compartments, ${free} free; ${source}\n`);
}
