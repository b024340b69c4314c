/**
 * Every business event the locker domain emits, with its `data` fields (for docs, JSON Schemas and
 * the contract test). The envelope's `device` is the locker device, except for the events about
 * a terminal (deposit.abandoned, kiosk.locked_out, kiosk.guessing_suspected) whose `device` is the
 * terminal id. Times are
 * ISO 8601 UTC strings. `?` marks a field present only when it applies.
 */
export const LOCKER_EVENTS = {
  "door.opened":
    "device, compartment, parcelId?, present?, expected (a pulse explains it), purpose (deposit|pickup|retrieve|remote|load|collect|null), initial? (first reading ever)",
  "door.closed": "device, compartment, parcelId?, present?, openSeconds",
  "door.forced":
    "device, compartment, parcelId?, present? — opened with no pulse in the last doorOpenTimeoutSeconds",
  "door.left_open": "device, compartment, parcelId?, openSince, openSeconds — once per opening",
  "door.jammed":
    "device, compartment, purpose, parcelId?, bundleId?, pulsedAt, timeoutSeconds — compartment out of service",
  "door.already_open": "device, compartment, purpose, parcelId? — a pulse was asked for a door already open",
  "door.remote_open_requested": "device, compartment, reason, commandId?, parcelId?",
  "parcel.deposited":
    "parcelId, barcode?, orderId?, device, compartment, size (the compartment's), courier, terminal, deadline, pickupCode? (courier deposits; reservations use the platform's code), codeReissued?",
  "parcel.deposit_failed":
    "parcelId, barcode?, orderId?, device, compartment, reason (closed_empty|jammed|no_compartment|interrupted|unreachable: the board went silent after the pulse), courier, terminal, reservationKept?",
  "deposit.abandoned":
    "terminal, courier, step (scan|size|open), barcode?, orderId?, parcelId?, device?, compartment?, doorOpen, deposits, idleSeconds",
  "parcel.picked_up": "parcelId, barcode?, orderId?, device, compartment, courier, terminal, overdue",
  "parcel.not_removed":
    "parcelId, barcode?, orderId?, device, compartment, by (resident|courier), terminal?, courier? — closed with the parcel still seen inside",
  "parcel.overdue": "parcelId, barcode?, orderId?, device, compartment, courier, deadline",
  "parcel.retrieved": "parcelId, barcode?, orderId?, device, compartment, courier, terminal, recalled",
  "parcel.cancelled": "parcelId, barcode?, orderId?, device, compartment, inCompartment, forced, courier?",
  "reservation.booked": "parcelId, orderId, device, compartment, size, compartmentSize, deadline",
  "reservation.expired": "parcelId, orderId, device, compartment, deadline",
  "kiosk.locked_out": "terminal, attempts, until, lockoutMinutes, lastCodeKind (pickup|courier)",
  "kiosk.guessing_suspected":
    "terminal, wrongCodes, windowHours, terminals, slowedSeconds, lastCodeKind (pickup|courier) — the site entered slowed mode",
  "compartment.disabled": "device, compartment, reason, previousReason, parcelId?",
  "compartment.enabled": "device, compartment, previousReason, reason, state",
  "compartment.sensor_fault": "device, compartment, note",
} as const;

export type LockerEventType = keyof typeof LOCKER_EVENTS;
