import type { JsonObject, StateSink } from "../../core/envelope.js";
import type { Logger } from "../../core/logger.js";
import type { CompartmentState, CompartmentStore } from "./compartments.js";
import { COMPARTMENT_SIZES } from "./ports.js";

/**
 * One state document per locker device, for StateSink.state (retained upstream): counts per
 * compartment state and per size, the out-of-service list, unreachable boards and compartments,
 * open doors. Published when it differs from the last one published.
 */
export class StatePublisher {
  private readonly last = new Map<string, string>();

  constructor(
    private readonly compartments: CompartmentStore,
    private readonly sink: StateSink,
    private readonly log: Logger,
  ) {}

  document(device: string): JsonObject {
    const rows = this.compartments.list(device);
    const counts: Record<CompartmentState, number> = {
      free: 0,
      reserved: 0,
      occupied: 0,
      overdue: 0,
      out_of_service: 0,
    };
    const sizes: Record<string, { total: number; free: number }> = {};
    const outOfService: JsonObject[] = [];
    const unreachable: string[] = [];
    const doorsOpen: string[] = [];
    for (const r of rows) {
      counts[r.state] += 1;
      const sz = sizes[r.size] ?? { total: 0, free: 0 };
      sizes[r.size] = sz;
      sz.total += 1;
      if (r.state === "free") sz.free += 1;
      if (r.state === "out_of_service") {
        outOfService.push({
          compartment: r.compartment,
          reason: r.oos_reason,
          note: r.oos_note,
          since: r.oos_since === null ? null : new Date(r.oos_since).toISOString(),
        });
      }
      if (r.reachable === 0) unreachable.push(r.compartment);
      if (r.door_open === 1) doorsOpen.push(r.compartment);
    }
    const orderedSizes: JsonObject = {};
    for (const s of COMPARTMENT_SIZES) if (sizes[s]) orderedSizes[s] = sizes[s];
    return {
      kind: "locker",
      total: rows.length,
      compartments: counts,
      sizes: orderedSizes,
      outOfService,
      unreachableBoards: this.compartments.unreachableBoards(device),
      unreachableCompartments: unreachable,
      doorsOpen,
    };
  }

  /** Publish every device whose document changed (all of them with `force`). */
  publishChanged(force = false): void {
    for (const device of this.compartments.devices()) {
      const doc = this.document(device);
      const json = JSON.stringify(doc);
      if (!force && this.last.get(device) === json) continue;
      this.last.set(device, json);
      try {
        this.sink.state(device, doc);
      } catch (err) {
        this.log.warn({ err, device }, "locker: state sink refused a state document");
      }
    }
  }
}
