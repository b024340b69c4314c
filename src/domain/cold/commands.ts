/**
 * The platform's cold chain commands. Expiry, the ledger (never twice), signatures are the command
 * router's; these validate their args (QH_COMMAND_INVALID; an unknown key is refused by name), act, emit the outcome as an event and
 * answer with a result object.
 *
 * - cold.setpoint { zone, celsius }  (celsius within the zone's own [minC, maxC] and −60..30)
 *   writes the set-point, reads it back; the result carries the
 *   value read back; a read-back that differs fails with QH_COLD_SETPOINT_MISMATCH (status failed,
 *   details.readBackC)
 * - cold.defrost  { zone }           starts a defrost cycle: { defrost: "started" } or
 *   "already_running" (nothing written); a timeout fails with details.defrost "not_started" or
 *   "unknown"
 */
import type { CommandContext, CommandHandler } from "../../core/command.js";
import type { JsonObject } from "../../core/envelope.js";
import { isQhError, QhError } from "../../core/errors.js";
import type { ColdService } from "./service.js";

/** The set-point register's step when the port does not say, °C (tenths of a degree). */
const DEFAULT_STEP_C = 0.1;

/**
 * Whether a read-back is the value asked: within half the set-point register's step (the model's
 * scale; ±0.05 °C for tenths), so a value the register cannot hold exactly is not a mismatch.
 */
export function sameSetpoint(asked: number, readBack: number, stepC = DEFAULT_STEP_C): boolean {
  return Math.abs(readBack - asked) < stepC / 2 + 1e-9;
}

export const COLD_COMMANDS = ["cold.setpoint", "cold.defrost"] as const;

/** The args each command takes; any other key is refused (a typo must not pass unnoticed). */
const ARGS: Readonly<Record<(typeof COLD_COMMANDS)[number], readonly string[]>> = {
  "cold.setpoint": ["zone", "celsius", "device", "controller"],
  "cold.defrost": ["zone", "device", "controller"],
};

/**
 * Refuses keys a command does not take, naming every one (QH_COMMAND_INVALID, which the router
 * answers `rejected`; the same `args.key: why` wording as the locker's commands).
 */
function knownArgs(name: (typeof COLD_COMMANDS)[number], args: JsonObject): void {
  const allowed = ARGS[name];
  const unknown = Object.keys(args).filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return;
  const problems = unknown.map((k) => `args.${k}: unknown argument (${name} takes ${allowed.join(", ")})`);
  throw new QhError("QH_COMMAND_INVALID", problems.join("; "), { problems });
}

export function createColdCommands(cold: ColdService): Record<string, CommandHandler> {
  /**
   * The zone named in args; a command addressed to a device (ctx.device) or naming one in
   * args.device/args.controller must name the zone's own controller (nothing runs elsewhere).
   */
  const zoneArg = (args: JsonObject, ctx: CommandContext): string => {
    const z = args.zone;
    if (typeof z !== "string" || !cold.zoneIds().includes(z)) {
      throw new QhError("QH_COMMAND_INVALID", `zone: must be one of ${cold.zoneIds().join(", ")}`);
    }
    const own = cold.zoneConfig(z).controller.device;
    for (const [key, named] of [
      ["device", ctx.device ?? args.device],
      ["controller", args.controller],
    ] as const) {
      if (named !== undefined && named !== own)
        throw new QhError(
          "QH_COMMAND_INVALID",
          `${key}: zone ${z} is measured by controller ${own}, not ${String(named)}`,
          { zone: z, controller: own },
        );
    }
    return z;
  };
  const controllerError = (err: unknown, zone: string): QhError =>
    isQhError(err)
      ? err
      : new QhError("QH_COLD_CONTROLLER", `zone ${zone}: ${(err as Error).message ?? String(err)}`);
  return {
    "cold.setpoint": async (args, ctx) => {
      knownArgs("cold.setpoint", args);
      const zone = zoneArg(args, ctx);
      const c = args.celsius;
      const { min, max } = cold.zoneConfig(zone).limits;
      const lo = Math.max(-60, min);
      const hi = Math.min(30, max);
      if (typeof c !== "number" || !Number.isFinite(c) || c < lo || c > hi) {
        throw new QhError(
          "QH_COMMAND_INVALID",
          `celsius: must be a number within zone ${zone}'s range, from ${lo} to ${hi}`,
          { zone, minC: lo, maxC: hi },
        );
      }
      const { port, channel } = cold.controllerOf(zone);
      let readBack: number;
      try {
        readBack = await port.writeSetpoint(channel, c);
      } catch (err) {
        throw controllerError(err, zone);
      }
      const ok = sameSetpoint(c, readBack, port.setpointStepC);
      const device = cold.zoneConfig(zone).controller.device;
      await cold.emit(device, "cold.setpoint.changed", {
        zone,
        requestedC: c,
        readBackC: readBack,
        ok,
        commandId: ctx.id,
      });
      if (!ok) {
        throw new QhError(
          "QH_COLD_SETPOINT_MISMATCH",
          `zone ${zone}: asked ${c} °C, the controller reads back ${readBack} °C`,
          { zone, requestedC: c, readBackC: readBack },
        );
      }
      return { zone, requestedC: c, readBackC: readBack };
    },
    "cold.defrost": async (args, ctx) => {
      knownArgs("cold.defrost", args);
      const zone = zoneArg(args, ctx);
      const { port, channel } = cold.controllerOf(zone);
      let outcome: "started" | "already_running";
      try {
        outcome = await port.defrost(channel);
      } catch (err) {
        throw controllerError(err, zone);
      }
      // a defrost is an expected excursion: readings above the range are bypassed for a while
      if (outcome === "started" || outcome === "already_running") cold.defrostCommanded(zone);
      if (outcome === "started")
        await cold.emit(cold.zoneConfig(zone).controller.device, "cold.defrost.started", {
          zone,
          commandId: ctx.id,
        });
      return { zone, defrost: outcome };
    },
  };
}
