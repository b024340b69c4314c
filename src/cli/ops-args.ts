/**
 * The flags of `quarterhour bus scan` and `quarterhour door-test` (src/cli/ops.ts), kept apart so
 * that registering the commands loads nothing heavy.
 */
import { InvalidArgumentError } from "commander";
import type { GatewayOpts } from "./common.js";

export interface ScanOpts extends GatewayOpts {
  from?: number;
  to?: number;
}

export interface DoorTestOpts extends GatewayOpts {
  locks?: number[];
  openTimeout?: number;
  closeTimeout?: number;
}

/** commander parser: a whole number from 0 to 600. */
export function parseWhole(value: string): number {
  if (!/^\d{1,3}$/.test(value.trim())) throw new InvalidArgumentError("must be a whole number (0-600).");
  const n = Number(value);
  if (n > 600) throw new InvalidArgumentError("must be a whole number (0-600).");
  return n;
}

/** commander parser: `1,2,5` → [1, 2, 5]. */
export function parseLocks(value: string): number[] {
  if (!/^\d{1,3}(,\d{1,3})*$/.test(value.trim()))
    throw new InvalidArgumentError("must be lock numbers separated by commas, e.g. 1,2,5.");
  return value.split(",").map(Number);
}
