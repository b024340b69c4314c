/**
 * The cold chain vertical: its Modbus RTU lines (real ports, or the cold-controller simulator on
 * in-process links), one bus master per line, a ColdControllerDriver per controller, the cold
 * domain service (zones, record, alarms, breaches), its commands, its API and, for simulated
 * lines, the fault API the demo uses. It installs its compartment gate in the locker (seams.ts).
 *
 *   modbus-rtu bus ─► SerialLink (serialport | in-process pair ◄─ ModbusColdSim) ─► BusMaster
 *        ─► ColdControllerDriver (model: register map) ─► ColdService ─► EventSink, state, telemetry
 *   LockerService ◄─ coldGate (a zone in alarm refuses deposits; pickups carry breaches)
 */
import { coldApiPlugin } from "../api/cold.js";
import { coldSimPlugin, type SimulatedColdZone } from "../api/cold-sim.js";
import { coldZoneOf, zoneFinding } from "../config/compartments.js";
import type { ColdControllerModel, DeviceModel, LockerBankModel } from "../config/models.js";
import type { Config } from "../config/schema.js";
import type { JsonObject } from "../core/envelope.js";
import { QhError } from "../core/errors.js";
import { createColdCommands } from "../domain/cold/commands.js";
import { coldGate } from "../domain/cold/gate.js";
import { lockerParcelLocator } from "../domain/cold/parcels.js";
import type { ColdControllerPort } from "../domain/cold/ports.js";
import { ColdService } from "../domain/cold/service.js";
import { zoneLimits } from "../domain/cold/settings.js";
import type { ZoneConfig } from "../domain/cold/types.js";
import { masterHealth } from "../domain/commissioning/site.js";
import { ColdControllerDriver } from "../drivers/cold-controller.js";
import { createModbusBusMaster } from "../drivers/modbus-rtu-adapter.js";
import { modbusProbe } from "../drivers/scan-probes.js";
import type { Extension, ExtensionContext, ExtensionFactory } from "../gateway.js";
import type { ModbusMessage } from "../protocols/modbus-rtu/index.js";
import { createModbusColdSim, type ModbusColdSim } from "../sim/modbus-cold.js";
import type { BusMaster } from "../southbound/serial/bus-master.js";
import type { SerialLink } from "../southbound/serial/link.js";
import { linePresence } from "./presence.js";
import type { SiteSeams } from "./seams.js";
import { type SerialLineHooks, serialLine } from "./serial-line.js";

/** Bus protocols this vertical drives. */
export const COLD_BUS_PROTOCOLS: ReadonlySet<string> = new Set(["modbus-rtu"]);

interface Line {
  busId: string;
  link: SerialLink;
  master: BusMaster<ModbusMessage>;
  sim?: ModbusColdSim;
  /** the line's controllers: device id → Modbus unit (the bus master's target is the unit) */
  units?: Map<string, number>;
}

export function coldExtension(
  models: ReadonlyMap<string, DeviceModel>,
  hooks: SerialLineHooks = {},
  seams: SiteSeams = {},
): ExtensionFactory {
  return (ctx) => buildCold(ctx, models, hooks, seams);
}

function buildCold(
  ctx: ExtensionContext,
  models: ReadonlyMap<string, DeviceModel>,
  hooks: SerialLineHooks,
  seams: SiteSeams,
): Extension {
  const { config, log, registry } = ctx;
  const lines: Line[] = [];
  const controllers = new Map<string, ColdControllerPort>();
  /** controller device → its simulator and unit id (simulated lines) */
  const simulated = new Map<string, { sim: ModbusColdSim; unit: number }>();
  const controllerModels = new Map<string, ColdControllerModel>();

  config.buses.forEach((bus, i) => {
    if (!COLD_BUS_PROTOCOLS.has(bus.protocol)) return;
    const devs = bus.devices.map((d, j) => {
      const m = models.get(d.model);
      if (m?.kind !== "cold-controller") {
        throw new QhError(
          "QH_CONFIG_INVALID",
          `buses[${i}].devices[${j}].model: ${d.id}'s model ${d.model} is not a cold controller`,
        );
      }
      return { d, m: m as ColdControllerModel };
    });
    if (devs.length === 0) return;
    const blog = log.child({ bus: bus.id });
    const line = serialLine(config, bus, { log, registry, hooks }, () =>
      // one simulator plays every controller of the line (the first one's register map)
      createModbusColdSim({ model: devs[0]!.m, units: devs.map(({ d }) => d.address ?? 1) }),
    );
    const master = createModbusBusMaster({
      link: line.link,
      baudRate: bus.baudRate,
      log,
      registry,
      timeoutMs: bus.timeoutMs,
      retries: bus.retries,
    });
    for (const { d, m } of devs) {
      controllers.set(
        d.id,
        new ColdControllerDriver({
          device: d.id,
          unit: d.address ?? 1,
          model: m,
          bus: master,
          baudRate: bus.baudRate,
          timeoutMs: bus.timeoutMs,
          retries: bus.retries,
          log: blog.child({ device: d.id }),
        }),
      );
      controllerModels.set(d.id, m);
      if (line.sim) simulated.set(d.id, { sim: line.sim, unit: d.address ?? 1 });
    }
    lines.push({
      busId: bus.id,
      link: line.link,
      master,
      sim: line.sim,
      units: new Map(devs.map(({ d }) => [d.id, d.address ?? 1])),
    });
    seams.commissioning?.addLine({
      bus: bus.id,
      protocol: bus.protocol,
      range: [1, 247],
      probe: modbusProbe({
        master,
        baudRate: bus.baudRate,
        timeoutMs: bus.timeoutMs,
        configured: new Map(
          devs.map(({ d, m }) => [d.address ?? 1, { device: d.id, model: m.id, controller: m }] as const),
        ),
      }),
      ...masterHealth(bus.id, master),
    });
  });

  const zones = coldZones(config, models, controllerModels);
  const service = new ColdService({
    db: ctx.db,
    events: ctx.events,
    state: ctx.state,
    telemetry: ctx.telemetry,
    clock: ctx.clock,
    log: log.child({ component: "cold" }),
    zones,
    controllers,
    parcels: lockerParcelLocator(ctx.db),
    retentionDays: config.cold.retentionDays,
    telemetrySeconds: config.cold.telemetrySeconds,
  });
  if (zones.some((z) => z.compartments.length > 0)) seams.locker?.setGate(coldGate(service));

  const simZones = new Map<string, SimulatedColdZone>();
  for (const z of zones) {
    const s = simulated.get(z.controller.device);
    if (!s) continue;
    simZones.set(z.id, {
      setFault: (fault, on) => s.sim.setFault(s.unit, z.controller.channel, fault, on),
      state: () => s.sim.zone(s.unit, z.controller.channel) as unknown as JsonObject,
    });
  }

  return {
    name: "cold",
    commands: zones.length > 0 ? createColdCommands(service) : undefined,
    apiPlugins: [coldApiPlugin(service), ...(simZones.size > 0 ? [coldSimPlugin(simZones)] : [])],
    warnings: () => service.warnings(),
    presence: () => {
      const out: Record<string, boolean | null> = {};
      for (const l of lines) {
        const units = l.units ?? new Map<string, number>();
        Object.assign(
          out,
          linePresence(
            l.link.connected,
            l.master.targets(),
            [...units.keys()],
            (d, t) => t === String(units.get(d)),
          ),
        );
      }
      return out;
    },
    problems: () => {
      const out: string[] = [...service.problems()];
      for (const l of lines) {
        if (!l.link.connected) out.push(`bus ${l.busId} down`);
        for (const t of l.master.targets())
          if (!t.reachable) out.push(`bus ${l.busId}: cold controller ${t.target} unreachable`);
      }
      return out;
    },
    start: async () => {
      for (const l of lines) l.master.start();
      await service.start();
      if (zones.length > 0)
        log.info(
          { zones: zones.map((z) => ({ id: z.id, kind: z.kind, pollSeconds: z.pollSeconds })) },
          "cold chain: zones polled",
        );
    },
    stop: async () => {
      await service.stop();
      for (const l of lines) {
        await l.master.stop();
        l.sim?.stop();
      }
    },
  };
}

/**
 * What `quarterhour config check` runs for the cold chain without opening a line: every controller's
 * model and every zone's cross-checks (the same code the start runs).
 * @throws QhError QH_CONFIG_INVALID with the key path
 */
export function checkColdConfig(config: Config, models: ReadonlyMap<string, DeviceModel>): void {
  const controllerModels = new Map<string, ColdControllerModel>();
  config.buses.forEach((bus, i) => {
    if (!COLD_BUS_PROTOCOLS.has(bus.protocol)) return;
    bus.devices.forEach((d, j) => {
      const m = models.get(d.model);
      if (m?.kind !== "cold-controller") {
        throw new QhError(
          "QH_CONFIG_INVALID",
          `buses[${i}].devices[${j}].model: ${d.id}'s model ${d.model} is not a cold controller`,
        );
      }
      controllerModels.set(d.id, m as ColdControllerModel);
    });
  });
  coldZones(config, models, controllerModels);
}

/**
 * What `config check` warns about (the config still starts): a compartment its model builds for
 * ambient temperature inside a cold zone (it cannot hold the zone's band), a chilled or frozen one
 * in no zone (nothing watches its temperature), or one in a zone of another kind.
 * @returns one line per finding, with the key path
 */
export function coldConfigWarnings(config: Config, models: ReadonlyMap<string, DeviceModel>): string[] {
  const inZone = coldZoneOf(config);
  const out: string[] = [];
  config.buses.forEach((bus, i) => {
    bus.devices.forEach((d, j) => {
      const m = models.get(d.model);
      if (m?.kind !== "locker-bank") return;
      for (const c of (m as LockerBankModel).compartments) {
        // a zone the site config sets is an error when it breaks the rule (src/config/compartments.ts)
        if (d.compartments?.[c.id]?.zone !== undefined) continue;
        const ref = `${d.id}/${c.id}`;
        const z = inZone.get(ref);
        const finding = zoneFinding(ref, c.zone ?? "ambient", z, `model ${m.id}`);
        if (finding) out.push(`${z ? z.at : `buses[${i}].devices[${j}]`}: ${finding}`);
      }
    });
  });
  return out;
}

/**
 * The config's cold zones as they apply: each zone's own keys with the defaults filled in (its
 * kind's range, the alarm delays, hysteresis, poll interval); what `config show` prints.
 */
export function effectiveColdZones(config: Config): Record<string, unknown>[] {
  return config.cold.zones.map((z) => {
    const l = zoneLimits(z.kind, { ...z, min: z.minC, max: z.maxC });
    const { min, max, ...rest } = l;
    return {
      ...z,
      minC: Number.isFinite(min) ? min : null,
      maxC: Number.isFinite(max) ? max : null,
      ...rest,
      pollSeconds: z.pollSeconds ?? config.cold.pollSeconds,
    };
  });
}

/**
 * The config's cold zones, checked against the site (key-path errors, QH_CONFIG_INVALID): each
 * controller a cold-controller device on a modbus-rtu bus with that channel; each compartment a
 * compartment of a locker bank of the site, in one zone only; a custom zone with its range.
 */
export function coldZones(
  config: Config,
  models: ReadonlyMap<string, DeviceModel>,
  controllers: ReadonlyMap<string, ColdControllerModel>,
): ZoneConfig[] {
  const banks = new Map<string, LockerBankModel>();
  for (const bus of config.buses)
    for (const d of bus.devices) {
      const m = models.get(d.model);
      if (m?.kind === "locker-bank") banks.set(d.id, m as LockerBankModel);
    }
  const seenZones = new Set<string>();
  const seenCompartments = new Map<string, string>();
  const seenChannels = new Map<string, string>();
  return config.cold.zones.map((z, i) => {
    const at = `cold.zones[${i}]`;
    const bad = (key: string, msg: string) => new QhError("QH_CONFIG_INVALID", `${at}.${key}: ${msg}`);
    if (seenZones.has(z.id)) throw bad("id", `zone ${z.id} is declared twice`);
    seenZones.add(z.id);
    const model = controllers.get(z.controller);
    if (!model) throw bad("controller", `no cold-controller device ${z.controller} on a modbus-rtu bus`);
    if (z.channel >= model.channels)
      throw bad("channel", `${z.controller} (${model.id}) has channels 0-${model.channels - 1}`);
    const channelKey = `${z.controller}#${z.channel}`;
    const sharing = seenChannels.get(channelKey);
    if (sharing !== undefined)
      throw bad("channel", `${z.controller} channel ${z.channel} already measures zone ${sharing}`);
    seenChannels.set(channelKey, z.id);
    if (z.kind === "custom" && (z.minC === undefined || z.maxC === undefined))
      throw bad(z.minC === undefined ? "minC" : "maxC", "a custom zone needs both minC and maxC");
    const limits = zoneLimits(z.kind, {
      min: z.minC,
      max: z.maxC,
      hysteresisC: z.hysteresisC,
      alarmDelaySeconds: z.alarmDelaySeconds,
      cumulativeLimitSeconds: z.cumulativeLimitSeconds,
      cumulativeWindowSeconds: z.cumulativeWindowSeconds,
      doorOpenSeconds: z.doorOpenSeconds,
      sensorFaultSeconds: z.sensorFaultSeconds,
      unreachableSeconds: z.unreachableSeconds,
      maxJumpC: z.maxJumpC,
      defrostAlarmDelaySeconds: z.defrostAlarmDelaySeconds,
      defrostMaxRiseC: z.defrostMaxRiseC,
    });
    if (limits.min >= limits.max) throw bad("maxC", `must be above minC (${limits.min} °C)`);
    if (limits.hysteresisC * 2 >= limits.max - limits.min)
      throw bad("hysteresisC", "must be less than half the zone's range");
    const compartments = z.compartments.map((c, j) => {
      const [device, compartment] = c.split("/") as [string, string];
      const bank = banks.get(device);
      if (!bank?.compartments.some((x) => x.id === compartment))
        throw bad(
          `compartments[${j}]`,
          `no compartment ${compartment} in a locker bank ${device} of this site`,
        );
      const other = seenCompartments.get(c);
      if (other !== undefined) throw bad(`compartments[${j}]`, `${c} is already in zone ${other}`);
      seenCompartments.set(c, z.id);
      return { device, compartment };
    });
    return {
      id: z.id,
      kind: z.kind,
      controller: { device: z.controller, channel: z.channel },
      compartments,
      limits,
      pollSeconds: z.pollSeconds ?? config.cold.pollSeconds,
    };
  });
}
