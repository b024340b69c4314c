/**
 * The control operations on device credentials, run by the gateway for the CLI (src/control/socket.ts):
 *  - `device.add` `{ id, model?, secret }` → `{ id, model }`: the checks of `provisionDevice`;
 *  - `device.remove` `{ id }` → `{ id, disconnected }`: deletes the credential and ends the device's
 *    live connections at once (revocation).
 */
import { loadModels } from "../config/models.js";
import type { Config } from "../config/schema.js";
import { QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { DeviceBroker } from "../southbound/mqtt/device-broker.js";
import { provisionDevice } from "../southbound/mqtt/provisioning.js";
import type { Credentials } from "../store/credentials.js";
import type { ControlHandler } from "./socket.js";

const str = (req: Record<string, unknown>, key: string, optional = false): string | undefined => {
  const v = req[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== "string") throw new QhError("QH_USAGE", `control request: "${key}" must be a string`);
  return v;
};

export function deviceControlHandlers(o: {
  config: Config;
  credentials: Credentials;
  broker: Pick<DeviceBroker, "disconnectDevice">;
  log: Logger;
  /** on the disk before the answer (store.fsync background); default: at once */
  durable?: () => Promise<void>;
}): Record<string, ControlHandler> {
  return {
    "device.add": async (req) => {
      const out = await provisionDevice(o.credentials, o.config, loadModels(), {
        id: str(req, "id") as string,
        model: str(req, "model", true),
        secret: str(req, "secret") as string,
      });
      await o.durable?.();
      o.log.info(out, "device credential added");
      return out;
    },
    "device.remove": async (req) => {
      const id = str(req, "id") as string;
      o.credentials.remove(id);
      await o.durable?.();
      const disconnected = await o.broker.disconnectDevice(id);
      o.log.info({ id, disconnected }, "device credential removed");
      return { id, disconnected };
    },
  };
}
