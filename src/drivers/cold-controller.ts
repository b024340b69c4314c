/**
 * The cold-controller driver: a temperature controller on a Modbus RTU line, read and written by
 * its device model's register map, behind the cold chain's `ColdControllerPort`.
 *
 *   read(channel)        ─► one read per function (03 / 04) covering the channel's mapped registers
 *                           ─► values by type, word order, scale; sentinels → sensor_fault
 *                           no answer, line down, target backed off ─► quality "unreachable"
 *   writeSetpoint(ch, °C) ─► 06 (16 for 32-bit) written once (moves: never resent) ─► read back
 *   defrost(ch)           ─► 06 of the model's defrost command, once
 *
 * A dead controller is backed off by the bus master (one probe per growing interval); while it is,
 * read() answers "unreachable" at once without using the wire, so the other controllers on the
 * line keep their pace.
 */
import { performance } from "node:perf_hooks";
import type { ColdControllerModel, ColdRegisterMap } from "../config/models.js";
import { isQhError, QhError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ColdControllerPort, ControllerReading } from "../domain/cold/ports.js";
import {
  decodeValue,
  EXCEPTION_NAMES,
  encodeValue,
  FN,
  type ModbusMessage,
  type ModbusRequest,
  type RegisterSpec,
  wordCount,
} from "../protocols/modbus-rtu/index.js";
import type { BusMaster } from "../southbound/serial/bus-master.js";
import { modbusRtuAdapter } from "./modbus-rtu-adapter.js";

type ValueName = keyof ColdRegisterMap;

/** One read of a channel: a contiguous range of one function's registers. */
interface ReadPlan {
  fn: 3 | 4;
  start: number;
  count: number;
  values: { name: ValueName; spec: RegisterSpec }[];
}

export interface ColdControllerDriverOptions {
  /** device id (config `buses[].devices[].id`) */
  device: string;
  /** Modbus unit id (config `address`) */
  unit: number;
  model: ColdControllerModel;
  bus: BusMaster<ModbusMessage>;
  /** the line's baud rate: request timeouts add the frames' wire time */
  baudRate: number;
  /** the controller's time to answer, ms (config buses[].timeoutMs); default 200 */
  timeoutMs?: number;
  /** read retries (config buses[].retries); writes are never retried */
  retries?: number;
  log: Logger;
  /** monotonic ms (default performance.now) */
  now?: () => number;
}

/** Most registers one planned read spans before the plan splits it (gaps are read and ignored). */
const MAX_SPAN = 32;

/** The reads that cover a channel's mapped values: per function, ranges of at most MAX_SPAN registers. */
export function planReads(model: ColdControllerModel, channel: number): ReadPlan[] {
  const offset = channel * model.channelStride;
  const entries = (Object.entries(model.registers) as [ValueName, RegisterSpec][])
    .filter(([, s]) => s !== undefined)
    .map(([name, s]) => ({ name, spec: { ...s, register: s.register + offset } }))
    .sort((a, b) => a.spec.function - b.spec.function || a.spec.register - b.spec.register);
  const plans: ReadPlan[] = [];
  for (const e of entries) {
    const end = e.spec.register + wordCount(e.spec.type);
    const last = plans[plans.length - 1];
    if (last && last.fn === e.spec.function && end - last.start <= MAX_SPAN) {
      last.count = Math.max(last.count, end - last.start);
      last.values.push(e);
    } else {
      plans.push({ fn: e.spec.function, start: e.spec.register, count: end - e.spec.register, values: [e] });
    }
  }
  return plans;
}

export class ColdControllerDriver implements ColdControllerPort {
  readonly device: string;
  /** the model's set-point register step, °C (its scale; 1 when unscaled) */
  readonly setpointStepC: number | undefined;
  private readonly o: ColdControllerDriverOptions;
  private readonly target: string;
  private readonly now: () => number;
  private readonly plans = new Map<number, ReadPlan[]>();

  constructor(o: ColdControllerDriverOptions) {
    this.o = o;
    this.device = o.device;
    const sp = o.model.registers.setpoint;
    this.setpointStepC = sp ? Math.abs(sp.scale ?? 1) : undefined;
    this.target = String(o.unit);
    this.now = o.now ?? (() => performance.now());
  }

  /**
   * Every value the model maps for `channel`. Never rejects for a dead or unplugged controller
   * (quality "unreachable", no value); a refusal (Modbus exception) or a sentinel reads as
   * "sensor_fault". Rejects only for a channel the model does not have (QH_CONFIG_INVALID).
   */
  async read(channel: number): Promise<ControllerReading> {
    this.checkChannel(channel);
    const base = { device: this.device, channel };
    if (this.backedOff()) {
      return { ...base, temperatureC: null, quality: "unreachable", atMono: this.now() };
    }
    const values = new Map<ValueName, { value: number | null; fault: boolean }>();
    let refused = false;
    for (const plan of this.plansFor(channel)) {
      const req: ModbusRequest =
        plan.fn === FN.READ_HOLDING
          ? { kind: "readHolding", unit: this.o.unit, address: plan.start, quantity: plan.count }
          : { kind: "readInput", unit: this.o.unit, address: plan.start, quantity: plan.count };
      let reply: ModbusMessage;
      try {
        reply = await this.o.bus.request(this.request(req, "poll"));
      } catch (err) {
        if (isQhError(err, "QH_SERIAL_TIMEOUT") || isQhError(err, "QH_SERIAL_CLOSED")) {
          // a controller that stops answering mid-read answers nothing this time
          return { ...base, temperatureC: null, quality: "unreachable", atMono: this.now() };
        }
        throw err;
      }
      if (reply.kind === "exception") {
        refused = true;
        this.o.log.warn(
          { device: this.device, channel, fn: plan.fn, address: plan.start, code: reply.code },
          `controller refused a read: ${EXCEPTION_NAMES[reply.code] ?? "exception"}; check the model's register map`,
        );
        continue;
      }
      const words = "values" in reply ? reply.values : [];
      for (const v of plan.values) {
        const at = v.spec.register - plan.start;
        values.set(v.name, decodeValue(v.spec, words.slice(at, at + wordCount(v.spec.type))));
      }
    }
    const atMono = this.now();
    const t = values.get("temperature");
    const reading: ControllerReading = {
      ...base,
      temperatureC: t && !t.fault ? t.value : null,
      quality: t && !t.fault ? "ok" : "sensor_fault",
      atMono,
    };
    if (refused && !t) this.o.log.debug({ device: this.device, channel }, "no temperature: read refused");
    const num = (n: ValueName) => {
      const v = values.get(n);
      return v && !v.fault && v.value !== null ? v.value : undefined;
    };
    const sp = num("setpoint");
    if (sp !== undefined) reading.setpointC = sp;
    const flag = (n: ValueName) => {
      const v = num(n);
      return v === undefined ? undefined : v !== 0;
    };
    const door = flag("door");
    if (door !== undefined) reading.doorOpen = door;
    const comp = flag("compressor");
    if (comp !== undefined) reading.compressorOn = comp;
    const defrost = flag("defrost");
    if (defrost !== undefined) reading.defrosting = defrost;
    return reading;
  }

  /**
   * Writes the set-point (°C) once, then reads it back.
   * @returns the set-point read back, °C
   * @throws QhError QH_MODBUS_VALUE (outside the model's limits or the register's type; nothing
   *   written), QH_MODBUS_EXCEPTION (the controller refused), QH_SERIAL_TIMEOUT (no answer, and the
   *   read-back does not show the value either), QH_SERIAL_CLOSED (line down)
   */
  async writeSetpoint(channel: number, celsius: number): Promise<number> {
    this.checkChannel(channel);
    const spec = this.o.model.registers.setpoint;
    if (!spec) {
      throw new QhError("QH_MODBUS_VALUE", `model ${this.o.model.id} maps no set-point register`, {
        device: this.device,
      });
    }
    const lim = this.o.model.setpointLimits;
    if (lim && (celsius < lim.min || celsius > lim.max)) {
      throw new QhError(
        "QH_MODBUS_VALUE",
        `set-point ${celsius} °C is outside ${lim.min}..${lim.max} °C (model ${this.o.model.id})`,
        { device: this.device, channel, value: celsius, min: lim.min, max: lim.max },
      );
    }
    const register = spec.register + channel * this.o.model.channelStride;
    const words = encodeValue(spec, celsius);
    const req: ModbusRequest =
      words.length === 1
        ? { kind: "writeRegister", unit: this.o.unit, address: register, value: words[0]! }
        : { kind: "writeRegisters", unit: this.o.unit, address: register, values: words };
    const readBack = async (): Promise<number | null> => {
      const r = await this.o.bus.request(
        this.request(
          { kind: "readHolding", unit: this.o.unit, address: register, quantity: words.length },
          "command",
        ),
      );
      if (r.kind === "exception") throw this.refused(r, "read back the set-point");
      return decodeValue({ ...spec, register }, "values" in r ? r.values : []).value;
    };
    try {
      const reply = await this.o.bus.request(this.request(req, "command", true));
      if (reply.kind === "exception") throw this.refused(reply, `write the set-point ${celsius} °C`);
    } catch (err) {
      // No answer to a write: its outcome is unknown. Read, never resend blindly.
      if (!isQhError(err, "QH_SERIAL_TIMEOUT")) throw err;
      const now = await readBack().catch(() => null);
      if (now === null || Math.abs(now - celsius) > (spec.scale ?? 1) / 2) throw err;
      return now;
    }
    const back = await readBack();
    if (back === null) {
      throw new QhError("QH_MODBUS_VALUE", `the set-point reads back as the sensor-fault value`, {
        device: this.device,
        channel,
      });
    }
    return back;
  }

  /**
   * Starts a defrost on `channel`: the model's defrost command, written once. When the model maps
   * the defrost state, it is read first: a defrost already running (a scheduled one) is reported
   * `already_running` and nothing is written; after a write whose answer timed out it is read
   * again, and only a defrost that was not running before and is now counts as `started`.
   * @returns "started" | "already_running"
   * @throws QhError QH_MODBUS_VALUE (the model has no defrost command), QH_MODBUS_EXCEPTION,
   *   QH_SERIAL_TIMEOUT with `details.defrost`: "not_started" (read back: no defrost) or "unknown"
   *   (no answer and the state cannot be read, or the model maps no defrost state)
   */
  async defrost(channel: number): Promise<"started" | "already_running"> {
    this.checkChannel(channel);
    const cmd = this.o.model.defrostCommand;
    if (!cmd) {
      throw new QhError("QH_MODBUS_VALUE", `model ${this.o.model.id} has no defrost command`, {
        device: this.device,
      });
    }
    const mapped = this.o.model.registers.defrost !== undefined;
    if (mapped) {
      const before = await this.read(channel);
      if (before.quality === "unreachable")
        throw new QhError("QH_SERIAL_TIMEOUT", `controller ${this.device} did not answer; nothing written`, {
          device: this.device,
          defrost: "not_started",
        });
      if (before.defrosting === true) return "already_running";
    }
    const address = cmd.register + channel * this.o.model.channelStride;
    try {
      const reply = await this.o.bus.request(
        this.request(
          { kind: "writeRegister", unit: this.o.unit, address, value: cmd.value },
          "command",
          true,
        ),
      );
      if (reply.kind === "exception") throw this.refused(reply, "start a defrost");
      return "started";
    } catch (err) {
      if (!isQhError(err, "QH_SERIAL_TIMEOUT")) throw err;
      const after = mapped ? await this.read(channel).catch(() => undefined) : undefined;
      if (after?.defrosting === true) return "started";
      const known = after !== undefined && after.quality !== "unreachable" && after.defrosting === false;
      throw new QhError(
        "QH_SERIAL_TIMEOUT",
        known
          ? `controller ${this.device} did not answer the defrost command, and reads no defrost`
          : `controller ${this.device} did not answer the defrost command; whether it started is unknown`,
        { ...(err.details ?? {}), device: this.device, defrost: known ? "not_started" : "unknown" },
      );
    }
  }

  private request(req: ModbusRequest, priority: "command" | "poll", moves = false) {
    return modbusRtuAdapter.request(req, {
      baud: this.o.baudRate,
      timeoutMs: this.o.timeoutMs ?? 200,
      priority,
      ...(moves ? { moves: true } : this.o.retries !== undefined ? { retries: this.o.retries } : {}),
    });
  }

  private refused(reply: Extract<ModbusMessage, { kind: "exception" }>, what: string): QhError {
    return new QhError(
      "QH_MODBUS_EXCEPTION",
      `controller ${this.device} (unit ${this.o.unit}) refused to ${what}: exception ${reply.code} (${EXCEPTION_NAMES[reply.code] ?? "unknown"})`,
      { device: this.device, unit: this.o.unit, function: reply.function, exception: reply.code },
    );
  }

  /** Unreachable and its next probe not yet due: answer without the wire. */
  private backedOff(): boolean {
    const t = this.o.bus.targets().find((x) => x.target === this.target);
    return (
      t !== undefined && !t.reachable && t.nextProbeAt !== undefined && performance.now() < t.nextProbeAt
    );
  }

  private checkChannel(channel: number): void {
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.o.model.channels) {
      throw new QhError(
        "QH_CONFIG_INVALID",
        `controller ${this.device} (model ${this.o.model.id}) has channels 0-${this.o.model.channels - 1}, not ${channel}`,
        { device: this.device, channel },
      );
    }
  }

  private plansFor(channel: number): ReadPlan[] {
    let p = this.plans.get(channel);
    if (!p) {
      p = planReads(this.o.model, channel);
      this.plans.set(channel, p);
    }
    return p;
  }
}
