/**
 * The `debug` loggers of the MQTT libraries, silent at no cost while DEBUG is unset.
 *
 * mqtt-packet (the parser of aedes, our device broker, and of MQTT.js, our uplink) calls a
 * `debug` logger 15 to 25 times for every packet it parses, and MQTT.js a few times per packet
 * it sends or receives. A `debug` logger that is off still costs a rest-parameter array and a
 * getter per call: measured, a quarter of a PUBLISH's parse in mqtt-packet (1.11 against 1.53 µs
 * per PUBLISH, `node bench/mqtt-parse.js`; docs/performance.md, issue 13, sixth pass).
 *
 * With DEBUG unset when the gateway starts, every `debug` logger is off (`debug` reads DEBUG
 * once, at load), and the gateway never turns one on (it logs with pino). So before anything
 * loads these libraries, the `debug` module they resolve to is entered in Node's CommonJS cache as
 * a factory of functions that do nothing ("Adding or replacing entries is also possible":
 * https://nodejs.org/api/modules.html#requirecache). That module is the one copy npm hoists for
 * every dependency that shares its version (modbus-serial and the OpenAPI plugin's resolver too:
 * their loggers are just as off); a dependency with a copy of its own keeps it. With DEBUG set
 * (someone tracing the parser: `DEBUG=mqtt-packet:* quarterhour start`), nothing is replaced.
 */
import { createRequire, Module } from "node:module";

/**
 * The libraries whose `debug` is silenced, by the name the gateway's own code resolves them (aedes
 * logs nothing through `debug`: it parses with mqtt-packet).
 */
const LIBRARIES = ["mqtt-packet", "mqtt"];

type Logger = ((...args: unknown[]) => void) & {
  namespace: string;
  enabled: boolean;
  log: (...args: unknown[]) => void;
  destroy: () => void;
  extend: (sub: string, delimiter?: string) => Logger;
};

const noop = (): void => {};

/** `debug`'s factory, every logger off: the API its callers use (call, enabled, extend, log). */
function quietFactory(): (namespace: string) => Logger {
  const create = (namespace: string): Logger =>
    Object.assign((..._args: unknown[]) => {}, {
      namespace,
      enabled: false,
      log: noop,
      destroy: noop,
      extend: (sub: string, delimiter = ":") => create(`${namespace}${delimiter}${sub}`),
    });
  const factory = Object.assign(create, {
    enable: noop,
    disable: () => "",
    enabled: () => false,
    coerce: (value: unknown) => value,
    log: noop,
    names: [],
    skips: [],
    formatters: {},
  });
  // as `debug` itself: `require("debug").default` and `.debug` are the factory (interop forms)
  return Object.assign(factory, { default: factory, debug: factory });
}

/**
 * Enter the quiet `debug` for the libraries above, unless `env.DEBUG` is set, or their `debug`
 * is loaded already (then it is left as it is), or cannot be resolved.
 * @returns the module files replaced (absolute paths; empty when nothing was)
 */
export function quietDebug(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.DEBUG) return [];
  const ours = createRequire(import.meta.url);
  const files = new Set<string>();
  for (const lib of LIBRARIES) {
    try {
      files.add(createRequire(ours.resolve(lib)).resolve("debug"));
    } catch {
      // not installed, or without its own debug: nothing to quiet
    }
  }
  const replaced: string[] = [];
  for (const file of files) {
    if (ours.cache[file]) continue;
    const m = new Module(file);
    m.filename = file;
    m.loaded = true;
    m.exports = quietFactory();
    ours.cache[file] = m;
    replaced.push(file);
  }
  return replaced;
}
