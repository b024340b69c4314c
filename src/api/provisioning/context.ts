/**
 * What the provisioning routes work on, and the rule for every config change they make
 * (docs/configuration.md "Changes from the console"):
 *
 *  - the change is written to the config file first (src/config/writer.ts: validated as at start,
 *    atomic, `<file>.prev` kept); refused → nothing changes, in the file or in the running gateway;
 *  - then, what applies live is applied at once (`{ applied: true }`): MQTT devices (declared,
 *    credential made or removed, a removed device's connections closed at once), a device's name
 *    and location;
 *  - anything else (serial devices: bus, model, address; a bus's lines) needs a restart
 *    (`{ restartRequired: true, why }`): the reason is kept until the gateway restarts and shown
 *    in /health `warnings` and GET /api/v1/site `pendingRestart`.
 */
import type { Document } from "yaml";
import type { DeviceModel } from "../../config/models.js";
import type { Config } from "../../config/schema.js";
import type { ConfigWriter } from "../../config/writer.js";
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Credentials } from "../../store/credentials.js";

export interface ProvisioningDeps {
  /** the running config; MQTT device changes are applied to it in place */
  config: Config;
  /** where changes are saved; absent: writes answer 409 QH_CONFIG_NO_FILE */
  writer?: ConfigWriter;
  models: ReadonlyMap<string, DeviceModel>;
  credentials: Credentials;
  broker: { isOnline(device: string): boolean; disconnectDevice(device: string): Promise<number> };
  /** the device broker's admission set of declared MQTT devices (the same Set object) */
  mqttDeclared: Set<string>;
  /** latest state document per device (device_state) */
  deviceStates: () => { device: string; ts: number; doc: JsonObject }[];
  /** resolves once committed writes are on the disk */
  durable: () => Promise<void>;
  log: Logger;
  /** for GET /api/v1/site */
  site: {
    gatewayId: string;
    version: string;
    bootId: string;
    startedAt: string;
    /** the /health body (uplink, outbox, problems, warnings, clock) */
    health: () => HealthBody;
    disk?: () => { level: string; usedBytes: number };
    terminals: () => { id: string; paired: boolean }[];
  };
}

/** The parts of /health GET /api/v1/site repeats. */
export interface HealthBody {
  status: "ok" | "degraded";
  uplink: unknown;
  outbox: unknown;
  problems: string[];
  warnings: string[];
  clock?: unknown;
  /** the site's service mode (issue 11) */
  mode?: { mode: string; since: string; until: string | null; reason: string | null };
}

export type ChangeResult = { applied: true } | { restartRequired: true; why: string };

export class Provisioning {
  /** reasons a restart is needed, in order, since this process started */
  readonly pending: string[] = [];

  constructor(readonly d: ProvisioningDeps) {}

  get config(): Config {
    return this.d.config;
  }

  /** /health warnings: one line when a change waits for a restart. */
  warnings(): string[] {
    return this.pending.length === 0
      ? []
      : [
          `restart pending: ${this.pending.length} config change(s) apply at the next start (${this.pending.join("; ")})`,
        ];
  }

  /**
   * Saves a change: `edit` on the YAML document, validated and written atomically. Then `live`
   * (when given) applies it to the running gateway, or `why` is recorded as a pending restart.
   * Returns the validated new config (for the caller's answer) and the result.
   */
  change(
    edit: (doc: Document) => void,
    then: { live: (next: Config) => void } | { why: string },
  ): { next: Config; result: ChangeResult } {
    const writer = this.d.writer;
    if (!writer) {
      throw new QhError("QH_CONFIG_NO_FILE", "this gateway runs on a config given in memory, not a file");
    }
    const next = writer.write(edit);
    if ("live" in then) {
      then.live(next);
      this.d.log.info({ file: writer.file }, "config changed and applied");
      return { next, result: { applied: true } };
    }
    if (!this.pending.includes(then.why)) this.pending.push(then.why);
    this.d.log.warn({ file: writer.file, why: then.why }, "config changed: applies at the next start");
    return { next, result: { restartRequired: true, why: then.why } };
  }
}
