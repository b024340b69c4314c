/**
 * One serial line of the site, shared by every vertical that drives serial devices: the real port
 * (serialport) or, for a simulated line, an in-process pair paced at the line's baud rate with the
 * simulator attached to the far end. Returns the link the vertical's bus master or driver reads.
 *
 *   bus (config) ─► SerialLink (serialport | in-process pair ◄─ simulator)
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { BusConfig, Config } from "../config/schema.js";
import type { Simulator } from "../sim/types.js";
import { createInProcessPair } from "../southbound/serial/in-process.js";
import { SerialLink } from "../southbound/serial/link.js";
import { SerialPortTransport } from "../southbound/serial/serialport-transport.js";
import type { SerialTransport } from "../southbound/serial/transport.js";

export interface SerialLineHooks {
  /** Called with each simulated line's simulator and the gateway's end of the line (benchmarks tap frames). */
  onSimulator?: (busId: string, sim: Simulator, line: SerialTransport) => void;
}

export interface SerialLine<S extends Simulator = Simulator> {
  link: SerialLink;
  /** whether this line runs against a simulator (config `simulate`, or a `sim://` path) */
  simulated: boolean;
  /** the simulator on the far end, when simulated */
  sim?: S;
}

/** Whether a bus runs against its simulator: the whole site is simulated, or its path is `sim://…`. */
export function isSimulated(config: Config, bus: BusConfig): boolean {
  return config.simulate || bus.path.startsWith("sim://");
}

/**
 * Opens nothing yet (the link opens on `start()`): builds the line's link.
 * @param makeSim called only for a simulated line, to build the simulator for the far end
 */
export function serialLine<S extends Simulator>(
  config: Config,
  bus: BusConfig,
  deps: { log: Logger; registry: Registry; hooks?: SerialLineHooks },
  makeSim: () => S,
): SerialLine<S> {
  const simulated = isSimulated(config, bus);
  let factory: () => SerialTransport;
  let sim: S | undefined;
  if (simulated) {
    // paced at the line's baud rate: a simulated line is as slow as the real wire
    const [mine, theirs] = createInProcessPair({
      paceBaud: bus.baudRate,
      paths: [`sim://${bus.id}`, `sim://${bus.id}/device`],
    });
    const s = makeSim();
    s.attach(theirs);
    sim = s;
    deps.hooks?.onSimulator?.(bus.id, s, mine);
    factory = () => mine;
  } else factory = () => new SerialPortTransport({ path: bus.path, baudRate: bus.baudRate });
  // SerialLink adds { bus } to the log itself
  const link = new SerialLink({
    id: bus.id,
    factory: () => factory(),
    log: deps.log,
    registry: deps.registry,
  });
  return { link, simulated, sim };
}
