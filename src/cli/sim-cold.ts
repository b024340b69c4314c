/**
 * `quarterhour sim cold-fault ZONE [door-open|compressor|power|probe]`: the cold chain's demo,
 * against a running simulated gateway, through its API. In about a minute with the demo config:
 *
 *   1. a courier deposits a parcel in a compartment of ZONE (the kiosk API, as a touch screen)
 *   2. the fault is made on the zone's simulated controller (door held open by default)
 *   3. the zone's alarm is raised (cold.alarm.raised)
 *   4. a second deposit into the zone is refused: 409 QH_COLD_ZONE_ALARM (what the kiosk shows)
 *   5. the fault is repaired; the zone recovers; the alarm clears and, for a temperature
 *      excursion, parcel.cold_chain_breach names the parcel (printed, also on the uplink stream)
 */
import type { Command } from "commander";
import { isQhError, QhError } from "../core/errors.js";
import { DEMO_COURIER } from "../extensions/locker.js";
import { type GatewayOpts, gatewayFlags, readConfig } from "./common.js";
import { courierDeposit, reach, say, terminalOf, until } from "./sim.js";

export const COLD_FAULTS = ["door-open", "compressor", "power", "probe"] as const;

interface ZoneView {
  temperatureC: number | null;
  quality: string | null;
  inAlarm: boolean;
  alarms: { kind: string; rule?: string; since: string; alarmId: string }[];
}

export async function coldFault(
  zone: string,
  fault: string | undefined,
  o: GatewayOpts & { terminal?: string; deposit?: boolean },
  cmd: Command,
): Promise<void> {
  const f = fault ?? "door-open";
  if (!(COLD_FAULTS as readonly string[]).includes(f)) {
    throw new QhError("QH_USAGE", `fault "${f}": one of ${COLD_FAULTS.join(", ")}`);
  }
  const config = readConfig(o);
  const zones = config.cold.zones.map((z) => z.id);
  if (!zones.includes(zone)) {
    throw new QhError(
      "QH_USAGE",
      `zone "${zone}": the config declares ${zones.join(", ") || "no cold zone"}`,
    );
  }
  const terminal = terminalOf(config, o.terminal);
  const { api } = await reach(config, false);
  const z = encodeURIComponent(zone);
  const view = () => api.call<ZoneView>("GET", `/cold/zones/${z}`);
  const temp = (v: ZoneView) =>
    v.temperatureC === null ? `no reading (${v.quality})` : `${v.temperatureC} °C`;

  const before = await view();
  if (before.inAlarm)
    throw new QhError("QH_SIM_FAILED", `zone ${zone} is already in alarm: wait until it clears`);
  say(`zone ${zone}: ${temp(before)}, no alarm`);
  const parcel = o.deposit === false ? undefined : await courierDeposit({ ...o, zone, terminal }, cmd);

  await api.call("POST", `/sim/cold/zones/${z}/fault`, { fault: f, on: true });
  say(`fault made on the simulated controller: ${f}`);
  // Ctrl-C, or a step that fails, before the repair must not leave the demo zone broken for good
  const repair = () => api.call("POST", `/sim/cold/zones/${z}/fault`, { fault: f, on: false });
  const onSignal = () => {
    say(`interrupted: repairing the fault (${f}) on the simulated controller`);
    repair()
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // a warming fault ends in a temperature excursion (the one that names parcels); a probe fault
    // in a sensor_fault alarm. Every alarm is told as it comes.
    const wanted = f === "probe" ? "sensor_fault" : "temperature";
    const told = new Set<string>();
    await until(
      async () => {
        const v = await view();
        for (const a of v.alarms) {
          if (told.has(a.alarmId)) continue;
          told.add(a.alarmId);
          say(
            `ALARM raised: zone ${zone} ${a.kind}${a.rule ? ` (${a.rule})` : ""} since ${a.since}; now ${temp(v)}`,
          );
        }
        return v.alarms.some((a) => a.kind === wanted) ? v : undefined;
      },
      `the zone's ${wanted} alarm`,
      240_000,
    );

    // a courier tries to put a chilled/frozen parcel into the zone in alarm
    const t = encodeURIComponent(terminal);
    try {
      await api.call("POST", `/kiosk/${t}/deposit`, { courierCode: DEMO_COURIER.code });
      await api.call("POST", `/kiosk/${t}/deposit/barcode`, { barcode: `QHCOLD${Date.now() % 1e8}` });
      await api.call("POST", `/kiosk/${t}/deposit/size`, { zone });
      throw new QhError("QH_SIM_FAILED", `a deposit into zone ${zone} in alarm was accepted`);
    } catch (err) {
      if (!isQhError(err, "QH_COLD_ZONE_ALARM")) throw err;
      say(`deposit refused, the kiosk shows: ${err.code}: ${err.message}`);
    } finally {
      await api.call("DELETE", `/kiosk/${t}/deposit`).catch(() => undefined);
    }
  } catch (err) {
    await repair().catch(() => undefined);
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  await repair();
  say(`fault repaired: ${f}; waiting for the zone to recover`);
  const cleared = await until(
    async () => {
      const v = await view();
      return v.inAlarm ? undefined : v;
    },
    "the zone's alarms to clear",
    240_000,
  );
  say(`alarm cleared: zone ${zone} ${temp(cleared)}`);
  if (!parcel) return;
  const { breaches } = await api.call<{ breaches: Record<string, unknown>[] }>(
    "GET",
    `/cold/parcels/${encodeURIComponent(parcel.parcelId)}/breaches`,
  );
  if (breaches.length === 0) {
    say(`parcel ${parcel.parcelId}: no breach (the temperature never left the zone's band)`);
    return;
  }
  for (const b of breaches)
    say(
      `BREACH parcel.cold_chain_breach: parcel ${parcel.parcelId} in ${parcel.compartment}, excursion ${b.excursionStart} to ${b.excursionEnd}, peak ${b.peakC} °C, ${b.minutesOutOfRange} min out of range`,
    );
  if (parcel.code) {
    const flags = gatewayFlags(cmd);
    say(
      `the resident's kiosk will say so at pickup: npx quarterhour sim pickup ${parcel.code}${flags.length ? ` ${flags.join(" ")}` : ""}`,
    );
  }
}
