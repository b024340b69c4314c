/**
 * The platform's cold chain commands. Expiry, the ledger (never twice), signatures are the command
 * router's; these validate their args (QH_COMMAND_INVALID), act, emit the outcome as an event and
 * answer with a result object.
 *
 * - cold.setpoint { zone, celsius }  writes the set-point, reads it back; the result carries the
 *   value read back; a read-back that differs fails with QH_COLD_SETPOINT_MISMATCH (status failed,
 *   details.readBackC)
 * - cold.defrost  { zone }           starts a defrost cycle
 */
import type { CommandHandler } from "../../core/command.js";
import type { JsonObject } from "../../core/envelope.js";
import { isQhError, QhError } from "../../core/errors.js";
import type { ColdService } from "./service.js";

/** A read-back within this of the value asked counts as the same (the register's 0.1 °C step). */
const SAME_C = 0.05;

export const COLD_COMMANDS = ["cold.setpoint", "cold.defrost"] as const;

export function createColdCommands(cold: ColdService): Record<string, CommandHandler> {
  const zoneArg = (args: JsonObject): string => {
    const z = args.zone;
    if (typeof z !== "string" || !cold.zoneIds().includes(z)) {
      throw new QhError("QH_COMMAND_INVALID", `zone: must be one of ${cold.zoneIds().join(", ")}`);
    }
    return z;
  };
  const controllerError = (err: unknown, zone: string): QhError =>
    isQhError(err)
      ? err
      : new QhError("QH_COLD_CONTROLLER", `zone ${zone}: ${(err as Error).message ?? String(err)}`);
  return {
    "cold.setpoint": async (args, ctx) => {
      const zone = zoneArg(args);
      const c = args.celsius;
      if (typeof c !== "number" || !Number.isFinite(c) || c < -60 || c > 30) {
        throw new QhError("QH_COMMAND_INVALID", "celsius: must be a number from -60 to 30");
      }
      const { port, channel } = cold.controllerOf(zone);
      let readBack: number;
      try {
        readBack = await port.writeSetpoint(channel, c);
      } catch (err) {
        throw controllerError(err, zone);
      }
      const ok = Math.abs(readBack - c) < SAME_C;
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
      const zone = zoneArg(args);
      const { port, channel } = cold.controllerOf(zone);
      try {
        await port.defrost(channel);
      } catch (err) {
        throw controllerError(err, zone);
      }
      await cold.emit(cold.zoneConfig(zone).controller.device, "cold.defrost.started", {
        zone,
        commandId: ctx.id,
      });
      return { zone, defrost: "started" };
    },
  };
}
