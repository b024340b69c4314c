import type Database from "better-sqlite3";
import { isQhError, QhError } from "../../core/errors.js";
import { isDiskWriteFailure, storeFaultOf } from "../../store/disk.js";

/**
 * A locker flow that a person starts (deposit, pickup, retrieval, reservation, remote open) while
 * the disk refuses the store's writes is refused before anything changes or moves: 503
 * QH_STORE_FULL (or QH_STORE_IO) with its hint. A write that fails inside the flow comes out as the
 * same coded error (recorded on the store's fault state, which the gateway clears once the disk
 * takes writes again). `where` names the flow in the message.
 */
export async function storeGate<T>(
  db: Database.Database,
  where: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  const fault = storeFaultOf(db);
  const active = fault.active;
  if (active) {
    throw new QhError(
      active.code,
      `${where} refused: the store cannot write (${active.message}); retry once it does`,
    );
  }
  try {
    return await fn();
  } catch (err) {
    throw fault.record(err, where);
  }
}

/** A store failure, coded or raw: the disk is full or failing. */
export function isStoreFailure(err: unknown): boolean {
  return isQhError(err, "QH_STORE_FULL") || isQhError(err, "QH_STORE_IO") || isDiskWriteFailure(err);
}
