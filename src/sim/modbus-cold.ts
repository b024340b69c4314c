/**
 * Simulator of temperature controllers on a Modbus RTU line: one or more units, each with the
 * channels (zones) of a cold-controller device model, answering 03/04/06/16 by that model's
 * register map, over a thermal model per zone (cold-thermal.ts). Time is injected (`clock`, a
 * monotonic ms function): the model runs up to the clock before every answer, so tests move time
 * by hand and never wait.
 *
 * Faults, set by API (the cold chain's `quarterhour sim cold-fault` drives them): a door held
 * open, the compressor failed, the cooling's power cut, the probe failed (the model's sentinel is
 * read, 32767 by default); a unit killed is silent. Refusals as a controller gives them: an
 * address the map does not have → exception 02; a set-point outside the controller's range or an
 * unknown command value → exception 03. A bad CRC, another unit's request, a broadcast: no answer.
 * `loseReplies` makes a unit act on a request and its answer vanish (a write whose outcome is unknown).
 * See firmware-protocols/modbus-rtu/SPEC.md ("Simulator").
 */
import { performance } from "node:perf_hooks";
import type { ColdControllerModel, ColdRegisterMap } from "../config/models.js";
import {
  createModbusDecoder,
  decodeValue,
  encode,
  encodeValue,
  FN,
  isSentinel,
  type ModbusMessage,
  type ModbusRequest,
  type ModbusRtuDecoder,
  type RegisterSpec,
  wordCount,
} from "../protocols/modbus-rtu/index.js";
import { type ThermalParams, ThermalZone, type ZoneFault, type ZoneState } from "./cold-thermal.js";
import type { Outgoing, SimTimingOptions } from "./types.js";
import { SimBase } from "./wire.js";

export type { ZoneFault, ZoneState } from "./cold-thermal.js";
export { ZONE_FAULTS } from "./cold-thermal.js";

export interface ColdZoneInit {
  setpointC: number;
  /** default: the set-point */
  temperatureC?: number;
}

export interface ModbusColdSimOptions extends SimTimingOptions {
  /** the register map the controllers answer by (e.g. devices/generic-cold-controller.yaml) */
  model: ColdControllerModel;
  /** unit ids on the line; default [1] */
  units?: readonly number[];
  /** per channel, the same for every unit; default 4 °C (channel 0), -18 °C (the others) */
  zones?: readonly ColdZoneInit[];
  thermal?: Partial<ThermalParams>;
  /** monotonic ms; default performance.now */
  clock?: () => number;
  /** set-points the controller itself accepts, °C; default -40..30 (else exception 03) */
  setpointRange?: readonly [number, number];
  /** raw value the temperature register reads while the probe has failed; default 32767 */
  probeFaultRaw?: number;
}

interface Unit {
  alive: boolean;
  zones: ThermalZone[];
  /** replies still to be lost (the controller acts, its answer never arrives) */
  lose: number;
}

type Slot =
  | { kind: "value"; channel: number; name: keyof ColdRegisterMap; spec: RegisterSpec; word: number }
  | { kind: "defrostCommand"; channel: number };

const EXC = { ILLEGAL_ADDRESS: 2, ILLEGAL_VALUE: 3 } as const;

export class ModbusColdSim extends SimBase {
  readonly protocol = "modbus-rtu";
  private readonly decoder: ModbusRtuDecoder = createModbusDecoder({ role: "server" });
  private readonly units = new Map<number, Unit>();
  private readonly clock: () => number;
  private readonly model: ColdControllerModel;
  private readonly range: readonly [number, number];
  private readonly probeFaultRaw: number;
  /** "fn:address" → what that register holds */
  private readonly slots = new Map<string, Slot>();

  constructor(options: ModbusColdSimOptions) {
    super(options);
    this.model = options.model;
    this.clock = options.clock ?? (() => performance.now());
    this.range = options.setpointRange ?? [-40, 30];
    this.probeFaultRaw = options.probeFaultRaw ?? 32767;
    const now = this.clock();
    for (const id of options.units ?? [1]) {
      const zones = Array.from({ length: this.model.channels }, (_, c) => {
        const init = options.zones?.[c] ?? { setpointC: c === 0 ? 4 : -18 };
        return new ThermalZone(init, now, options.thermal);
      });
      this.units.set(id, { alive: true, zones, lose: 0 });
    }
    this.mapSlots();
  }

  // ── controls (tests, the demo, `quarterhour sim cold-fault`) ──

  /** Unit ids on the line. */
  get unitIds(): number[] {
    return [...this.units.keys()];
  }

  /** A zone's state now (the model run up to the clock). */
  zone(unit: number, channel: number): ZoneState {
    const z = this.zoneOf(unit, channel);
    z.advance(this.clock());
    return z.state();
  }

  /** Set or clear a fault on a zone (from now on: the model first runs up to now). */
  setFault(unit: number, channel: number, fault: ZoneFault, on = true): void {
    const z = this.zoneOf(unit, channel);
    z.advance(this.clock());
    z.setFault(fault, on);
  }

  clearFaults(unit: number, channel: number): void {
    const z = this.zoneOf(unit, channel);
    z.advance(this.clock());
    z.clearFaults();
  }

  /** Someone opens or shuts the zone's door. */
  setDoor(unit: number, channel: number, open: boolean): void {
    const z = this.zoneOf(unit, channel);
    z.advance(this.clock());
    z.doorOpen = open;
  }

  /** The controller dies: silence until revive(). */
  kill(unit: number): void {
    this.unitOf(unit).alive = false;
  }

  revive(unit: number): void {
    this.unitOf(unit).alive = true;
  }

  /** The next `count` requests to `unit` are carried out, but their replies are lost on the wire. */
  loseReplies(unit: number, count = 1): void {
    this.unitOf(unit).lose += count;
  }

  // ── the byte machine ──

  handle(chunk: Buffer): Outgoing[] {
    const out: Outgoing[] = [];
    for (const r of this.decoder.push(chunk)) {
      this.emit("rx", r);
      if (!r.ok) continue;
      const unit = this.units.get(r.msg.unit);
      if (!unit?.alive) continue;
      const reply = encode(this.answer(r.msg as ModbusRequest, unit));
      if (unit.lose > 0) unit.lose--;
      else out.push({ data: reply });
    }
    return out;
  }

  private answer(req: ModbusRequest, unit: Unit): ModbusMessage {
    const now = this.clock();
    for (const z of unit.zones) z.advance(now);
    const fn = req.kind === "readHolding" ? FN.READ_HOLDING : req.kind === "readInput" ? FN.READ_INPUT : 0;
    const exception = (code: number): ModbusMessage => ({
      kind: "exception",
      unit: req.unit,
      function:
        req.kind === "writeRegister"
          ? FN.WRITE_REGISTER
          : req.kind === "writeRegisters"
            ? FN.WRITE_REGISTERS
            : fn,
      code,
    });
    if (req.kind === "readHolding" || req.kind === "readInput") {
      if (req.quantity < 1 || req.quantity > 125) return exception(EXC.ILLEGAL_VALUE);
      const values: number[] = [];
      for (let a = req.address; a < req.address + req.quantity; a++) {
        const slot = this.slots.get(`${fn}:${a}`);
        if (!slot) return exception(EXC.ILLEGAL_ADDRESS);
        values.push(this.read(slot, unit));
      }
      return req.kind === "readHolding"
        ? { kind: "readHoldingReply", unit: req.unit, values }
        : { kind: "readInputReply", unit: req.unit, values };
    }
    const words = req.kind === "writeRegister" ? [req.value] : req.values;
    const code = this.write(req.address, words, unit);
    if (code) return exception(code);
    return req.kind === "writeRegister"
      ? { kind: "writeRegisterReply", unit: req.unit, address: req.address, value: req.value }
      : { kind: "writeRegistersReply", unit: req.unit, address: req.address, quantity: req.values.length };
  }

  /** One register word as the controller reports it. */
  private read(slot: Slot, unit: Unit): number {
    const z = unit.zones[slot.channel]!;
    if (slot.kind === "defrostCommand") return z.defrosting ? this.model.defrostCommand!.value : 0;
    const { spec, name } = slot;
    let value: number;
    switch (name) {
      case "temperature":
        if (z.probeFailed) return this.rawWords(spec, this.probeFaultRaw)[slot.word]!;
        value = Math.round(z.temperatureC / (spec.scale ?? 1)) * (spec.scale ?? 1);
        break;
      case "setpoint":
        value = z.setpointC;
        break;
      case "door":
        value = z.doorReadsOpen ? 1 : 0;
        break;
      case "compressor":
        value = z.compressorOn ? 1 : 0;
        break;
      case "defrost":
        value = z.defrosting ? 1 : 0;
        break;
    }
    if (spec.bit !== undefined) return value ? 1 << spec.bit : 0;
    const words = encodeValue({ ...spec, sentinels: {} }, value);
    return words[slot.word] ?? 0;
  }

  /** Words of a raw (unscaled) value by the spec's type. */
  private rawWords(spec: RegisterSpec, raw: number): number[] {
    return encodeValue({ ...spec, scale: 1, sentinels: {} }, raw);
  }

  /** A write of `words` from `address`: 0 when taken, else the exception code. */
  private write(address: number, words: readonly number[], unit: Unit): number {
    const slot = this.slots.get(`${FN.READ_HOLDING}:${address}`);
    if (!slot) return EXC.ILLEGAL_ADDRESS;
    const z = unit.zones[slot.channel]!;
    if (slot.kind === "defrostCommand") {
      if (words.length !== 1) return EXC.ILLEGAL_ADDRESS;
      if (words[0] === this.model.defrostCommand!.value) z.startDefrost();
      else if (words[0] === 0) z.stopDefrost();
      else return EXC.ILLEGAL_VALUE;
      return 0;
    }
    if (slot.name !== "setpoint" || slot.word !== 0 || words.length !== wordCount(slot.spec.type)) {
      return EXC.ILLEGAL_ADDRESS;
    }
    const v = decodeValue({ ...slot.spec, sentinels: {} }, words);
    if (
      v.value === null ||
      isSentinel(slot.spec, v.raw) ||
      v.value < this.range[0] ||
      v.value > this.range[1]
    ) {
      return EXC.ILLEGAL_VALUE;
    }
    z.setpointC = v.value;
    return 0;
  }

  private mapSlots(): void {
    const m = this.model;
    for (let channel = 0; channel < m.channels; channel++) {
      const offset = channel * m.channelStride;
      for (const [name, spec] of Object.entries(m.registers) as [keyof ColdRegisterMap, RegisterSpec][]) {
        for (let word = 0; word < wordCount(spec.type); word++) {
          this.slots.set(`${spec.function}:${spec.register + offset + word}`, {
            kind: "value",
            channel,
            name,
            spec,
            word,
          });
        }
      }
      if (m.defrostCommand) {
        this.slots.set(`${FN.READ_HOLDING}:${m.defrostCommand.register + offset}`, {
          kind: "defrostCommand",
          channel,
        });
      }
    }
  }

  private unitOf(unit: number): Unit {
    const u = this.units.get(unit);
    if (!u)
      throw new RangeError(`no unit ${unit} on this simulated line (units: ${this.unitIds.join(", ")})`);
    return u;
  }

  private zoneOf(unit: number, channel: number): ThermalZone {
    const z = this.unitOf(unit).zones[channel];
    if (!z) throw new RangeError(`unit ${unit} has channels 0-${this.model.channels - 1}, not ${channel}`);
    return z;
  }
}

export function createModbusColdSim(options: ModbusColdSimOptions): ModbusColdSim {
  return new ModbusColdSim(options);
}
