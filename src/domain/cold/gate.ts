/**
 * The cold chain's say over the locker's compartments (the locker's CompartmentGate seam,
 * src/domain/locker/ports.ts): a compartment whose zone has an alarm open takes no deposit (the
 * kiosk shows QH_COLD_ZONE_ALARM), and a pickup answer carries the parcel's breaches, or the
 * excursion still under way, as `coldChainBreach`.
 */
import type { JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { CompartmentGate, CompartmentRef } from "../locker/ports.js";
import type { ColdService } from "./service.js";

export function coldGate(cold: ColdService): CompartmentGate {
  return {
    zoneOf: (ref: CompartmentRef) => cold.zoneOfCompartment(ref.device, ref.compartment),
    zones: () => cold.zoneIds(),
    refusal(ref: CompartmentRef) {
      const zone = cold.zoneOfCompartment(ref.device, ref.compartment);
      if (zone === undefined) return undefined;
      const open = cold.openAlarms(zone);
      if (open.length === 0) return undefined;
      const kinds = open.map((a) => a.kind);
      return new QhError(
        "QH_COLD_ZONE_ALARM",
        `compartment ${ref.compartment} is in cold zone ${zone}, which is in alarm (${kinds.join(", ")}): no deposit`,
        {
          zone,
          alarms: kinds,
          device: ref.device,
          compartment: ref.compartment,
          since: iso(open[0]!.startAt),
        },
      );
    },
    pickupNotice(parcelId: string) {
      const breaches: JsonObject[] = cold.breachesOf(parcelId);
      for (const zone of cold.zoneIds()) {
        const temp = cold.openAlarms(zone).find((a) => a.kind === "temperature");
        if (temp && cold.exposedParcel(zone, parcelId)) {
          breaches.push({
            zone,
            alarmId: temp.id,
            excursionStart: iso(temp.startAt),
            excursionEnd: null,
            peakC: temp.peakC ?? null,
            minutesOutOfRange: Math.round((temp.outSeconds / 60) * 10) / 10,
            ongoing: true,
          });
        }
      }
      return breaches.length > 0 ? { coldChainBreach: breaches } : undefined;
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
