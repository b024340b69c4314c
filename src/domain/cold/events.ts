/**
 * Every business event the cold chain emits, with its `data` fields (docs/contract.md). The
 * envelope's `device` is the zone's controller, except parcel.cold_chain_breach and
 * bundle.cold_chain_breach (the locker bank).
 * Times are ISO 8601 UTC; temperatures °C.
 */
export const COLD_EVENTS = {
  "cold.alarm.raised":
    "alarmId, zone, kind (temperature|door_open|sensor_fault|unreachable), rule? (single|cumulative), minC, maxC, since, raisedAt, compartments, peakC?, minutesOutOfRange?, readings [{ts, temperatureC, quality}]",
  "cold.alarm.cleared":
    "alarmId, zone, kind, rule?, minC, maxC, since, raisedAt, clearedAt, compartments, peakC?, minutesOutOfRange?, parcelsBreached?, readings",
  "parcel.cold_chain_breach":
    "parcelId, device, compartment, zone, alarmId, rule, excursionStart, excursionEnd, peakC, minutesOutOfRange",
  "bundle.cold_chain_breach":
    "bundleId, roundId, device, compartment, zone, alarmId, rule, excursionStart, excursionEnd, peakC, minutesOutOfRange",
  "cold.setpoint.changed": "zone, requestedC, readBackC, ok, commandId",
  "cold.defrost.started": "zone, commandId",
} as const;
