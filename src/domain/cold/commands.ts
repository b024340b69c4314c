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
 * The keys a command does not take, each as a problem (`args.key: why`, the locker's wording), to be
 * reported with every other problem at once (QH_COMMAND_INVALID, which the router answers `rejected`).
 */
function unknownArgs(name: (typeof COLD_COMMANDS)[number], args: JsonObject): string[] {
  const allowed = ARGS[name];
  return Object.keys(args)
    .filter((k) => !allowed.includes(k))
    .map((k) => `args.${k}: unknown argument (${name} takes ${allowed.join(", ")})`);
}

export function createColdCommands(cold: ColdService): Record<string, CommandHandler> {
  /**
   * The zone named in args; a command addressed to a device (ctx.device) or naming one in
   * args.device/args.controller must name the zone's own controller (nothing runs elsewhere).
   * Problems go to `problems` (all reported at once); undefined when the zone is not usable.
   */
  const zoneArg = (args: JsonObject, ctx: CommandContext, problems: string[]): string | undefined => {
    const z = args.zone;
    if (typeof z !== "string" || !cold.zoneIds().includes(z)) {
      problems.push(`zone: must be one of ${cold.zoneIds().join(", ")}`);
      return undefined;
    }
    const own = cold.zoneConfig(z).controller.device;
    let ok = true;
    for (const [key, named] of [
      ["device", ctx.device],
      ["args.device", args.device],
      ["controller", args.controller],
    ] as const) {
      if (named !== undefined && named !== own) {
        problems.push(`${key}: zone ${z} is measured by controller ${own}, not ${String(named)}`);
        ok = false;
      }
    }
    return ok ? z : undefined;
  };
  /** Every problem at once, before anything is written: QH_COMMAND_INVALID (`rejected`). */
  const check = (problems: string[], details?: JsonObject): void => {
    if (problems.length > 0) throw new QhError("QH_COMMAND_INVALID", problems.join("; "), details);
  };
  const controllerError = (err: unknown, zone: string): QhError =>
    isQhError(err)
      ? err
      : new QhError("QH_COLD_CONTROLLER", `zone ${zone}: ${(err as Error).message ?? String(err)}`);
  return {
    "cold.setpoint": async (args, ctx) => {
      const problems = unknownArgs("cold.setpoint", args);
      const zone = zoneArg(args, ctx, problems);
      const c = args.celsius;
      const limits =
        typeof args.zone === "string" && cold.zoneIds().includes(args.zone)
          ? cold.zoneConfig(args.zone).limits
          : undefined;
      const lo = Math.max(-60, limits?.min ?? -60);
      const hi = Math.min(30, limits?.max ?? 30);
      if (typeof c !== "number" || !Number.isFinite(c) || c < lo || c > hi) {
        problems.push(
          limits
            ? `celsius: must be a number within zone ${String(args.zone)}'s range, from ${lo} to ${hi}`
            : `celsius: must be a number from ${lo} to ${hi}`,
        );
      }
      check(problems, limits ? { zone: args.zone as string, minC: lo, maxC: hi } : undefined);
      if (zone === undefined || typeof c !== "number") throw new Error("unreachable: checked above");
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
      const problems = unknownArgs("cold.defrost", args);
      const zone = zoneArg(args, ctx, problems);
      check(problems);
      if (zone === undefined) throw new Error("unreachable: checked above");
      const { port, channel } = cold.controllerOf(zone);
      let outcome: "started" | "already_running";
      try {
        outcome = await port.defrost(channel);
      } catch (err) {
        throw controllerError(err, zone);
      }
      // a defrost is an expected excursion: readings above the range are bypassed for a while,
      // within bounds (defrost.ts)
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
