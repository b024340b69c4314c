import type Database from "better-sqlite3";
import { isQhError, QhError } from "../../core/errors.js";
import { freeBytes, isDiskWriteFailure, storeFaultOf } from "../../store/disk.js";

/**
 * Free bytes the data disk must have before a deposit moves a door: what the door's reports
 * (opened, closed, the deposit and its events) need in the WAL, with room to spare. A store that
 * takes a one-row probe write on a disk with nothing free would otherwise move a door whose
 * reports it then cannot record.
 */
export const DOOR_RESERVE_BYTES = 1024 * 1024;

/**
 * A locker flow that a person starts (deposit, pickup, retrieval, reservation, remote open) while
 * the disk refuses the store's writes is refused before anything changes or moves: 503
 * QH_STORE_FULL (or QH_STORE_IO) with its hint. A write that fails inside the flow comes out as the
 * same coded error (recorded on the store's fault state, which the gateway clears once the disk
 * takes writes again). `where` names the flow in the message. With `opts.deposit` the flow is also
 * refused while the store refuses business events by its space (the `store.lowDiskMb` watermark,
 * the quota) or the disk has less than DOOR_RESERVE_BYTES free (see depositRefusal).
 */
export async function storeGate<T>(
  db: Database.Database,
  where: string,
  fn: () => Promise<T> | T,
  opts: { deposit?: boolean } = {},
): Promise<T> {
  const fault = storeFaultOf(db);
  const active = opts.deposit ? depositRefusal(db, where) : refused(fault.active, where);
  if (active) throw active;
  try {
    return await fn();
  } catch (err) {
    throw fault.record(err, where);
  }
}

/**
 * Why a deposit must not move a door now, or undefined: the store failing writes, the store
 * refusing business events by its space (watermark, quota: the deposit's events would only wait
 * in the locker's outbox), or under DOOR_RESERVE_BYTES free on the data disk. Pickups and
 * retrievals are not asked: they free space, and residents need them while the store can write.
 */
export function depositRefusal(db: Database.Database, where = "deposit"): QhError | undefined {
  const fault = storeFaultOf(db);
  const coded = refused(fault.active ?? fault.spaceRefusal?.(), where);
  if (coded) return coded;
  if (fault.dir === undefined) return undefined;
  const free = freeBytes(fault.dir);
  if (free >= DOOR_RESERVE_BYTES) return undefined;
  return new QhError(
    "QH_STORE_FULL",
    `${where} refused before any door moves: ${Math.floor(free / 1024)} KiB free on the data disk, under the ${DOOR_RESERVE_BYTES / 1024} KiB a door's reports need; retry once there is room`,
    { freeBytes: free },
  );
}

function refused(active: QhError | undefined, where: string): QhError | undefined {
  if (!active) return undefined;
  return new QhError(
    active.code,
    `${where} refused: the store cannot write (${active.message}); retry once it does`,
  );
}

/** A store failure, coded or raw: the disk is full or failing. */
export function isStoreFailure(err: unknown): boolean {
  return isQhError(err, "QH_STORE_FULL") || isQhError(err, "QH_STORE_IO") || isDiskWriteFailure(err);
}
