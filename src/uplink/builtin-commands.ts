import type { CommandHandler } from "../core/command.js";
import type { JsonObject } from "../core/envelope.js";
import { QhError } from "../core/errors.js";

export interface BuiltinDeps {
  version: string;
  bootId: string;
  gatewayId: string;
  clock: { now(): number };
  replay: (from: number, to: number, limit: number) => Promise<{ events: number; messages: number }>;
  lastSeq: () => number;
  deviceCommands: DeviceCommandRelay;
}

const REPLAY_MAX = 100_000;

/** The longest a device command may wait for the device's answer: 10 minutes. */
export const MAX_DEVICE_TIMEOUT_MS = 600_000;

function intArg(args: JsonObject, key: string, dflt?: number): number {
  const v = args[key] ?? dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new QhError("QH_COMMAND_INVALID", `args.${key} must be a non-negative integer`);
  }
  return v;
}

export function builtinCommands(d: BuiltinDeps): Record<string, CommandHandler> {
  return {
    ping: async () => ({
      pong: true,
      gw: d.gatewayId,
      version: d.version,
      bootId: d.bootId,
      ts: new Date(d.clock.now()).toISOString(),
    }),
    replay: async (args) => {
      const from = intArg(args, "fromSeq");
      const to = intArg(args, "toSeq", d.lastSeq());
      if (to < from) throw new QhError("QH_COMMAND_INVALID", "args.toSeq must be >= args.fromSeq");
      if (to - from + 1 > REPLAY_MAX) {
        throw new QhError(
          "QH_COMMAND_INVALID",
          `replay at most ${REPLAY_MAX} events per command; split the range`,
        );
      }
      const r = await d.replay(from, to, REPLAY_MAX);
      return { fromSeq: from, toSeq: to, ...r };
    },
    "device.command": async (args, ctx) => {
      if (!ctx.device) throw new QhError("QH_COMMAND_INVALID", "device.command needs a top-level device");
      const name = args.name;
      if (typeof name !== "string" || !/^[a-z0-9_.-]{1,64}$/.test(name)) {
        throw new QhError("QH_COMMAND_INVALID", "args.name must be a command name ([a-z0-9_.-]{1,64})");
      }
      const inner = args.args ?? {};
      if (typeof inner !== "object" || inner === null || Array.isArray(inner)) {
        throw new QhError("QH_COMMAND_INVALID", "args.args must be a JSON object");
      }
      const timeoutMs = args.timeoutMs === undefined ? 10_000 : intArg(args, "timeoutMs");
      if (timeoutMs < 100 || timeoutMs > MAX_DEVICE_TIMEOUT_MS) {
        throw new QhError(
          "QH_COMMAND_INVALID",
          `args.timeoutMs must be 100 to ${MAX_DEVICE_TIMEOUT_MS} ms (got ${timeoutMs})`,
        );
      }
      return d.deviceCommands.send(ctx.device, name, ctx.id, inner as JsonObject, timeoutMs);
    },
  };
}

/**
 * Relays a command to an MQTT device (`dev/{id}/cmd/{name}`) and waits for its answer on
 * `dev/{id}/cmd-result/{commandId}`, with a timeout.
 */
export class DeviceCommandRelay {
  private readonly waiting = new Map<
    string,
    { device: string; resolve: (v: JsonObject) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    private readonly sendToDevice: (device: string, name: string, body: JsonObject) => Promise<void>,
    private readonly isOnline: (device: string) => boolean,
  ) {}

  send(device: string, name: string, id: string, args: JsonObject, timeoutMs: number): Promise<JsonObject> {
    if (!this.isOnline(device))
      return Promise.reject(new QhError("QH_DEVICE_OFFLINE", `device "${device}" is not connected`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new QhError("QH_COMMAND_TIMEOUT", `device "${device}" did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { device, resolve, reject, timer });
      const expiresAt = new Date(Date.now() + timeoutMs).toISOString();
      this.sendToDevice(device, name, { id, args, expiresAt }).catch((err: Error) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(err);
      });
    });
  }

  /**
   * From the device broker: the device's answer to `commandId` was dropped (not JSON, nested too
   * deep, …). The command ends now, `failed` with QH_DEVICE_COMMAND_FAILED, rather than at its
   * timeout. Returns false when no command of that device waits under that id.
   */
  onRefusedResult(device: string, commandId: string, why: string): boolean {
    const w = this.waiting.get(commandId);
    if (!w || w.device !== device) return false;
    clearTimeout(w.timer);
    this.waiting.delete(commandId);
    w.reject(
      new QhError("QH_DEVICE_COMMAND_FAILED", `device "${device}": the device's answer was refused: ${why}`),
    );
    return true;
  }

  /** From the device broker: `dev/{device}/cmd-result/{commandId}`. */
  onResult(device: string, commandId: string, payload: JsonObject): boolean {
    const w = this.waiting.get(commandId);
    if (!w || w.device !== device) return false;
    clearTimeout(w.timer);
    this.waiting.delete(commandId);
    const status = payload.status;
    if (status === "ok") w.resolve({ deviceStatus: "ok", result: (payload.result as JsonObject) ?? {} });
    else {
      const e = payload.error;
      const msg =
        typeof e === "string"
          ? e
          : isObj(e) && typeof e.message === "string"
            ? e.message
            : "device reported failure";
      w.reject(
        new QhError("QH_DEVICE_COMMAND_FAILED", `device "${device}" answered ${String(status)}: ${msg}`),
      );
    }
    return true;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}
