/**
 * Bad config files: every problem comes back as QH_CONFIG_INVALID with the key path and a reason
 * an installer can act on (CONTRACT.md, Configuration; DESIGN.md principle 8).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../../src/config/issues.js";
import { loadConfig, validateConfig, validateModels } from "../../../src/config/load.js";
import { type DeviceModel, loadModels } from "../../../src/config/models.js";
import { isQhError, type QhError } from "../../../src/core/errors.js";

let dir: string;
let models: Map<string, DeviceModel>;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "qh-config-errors-"));
  models = loadModels();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `
gateway: { id: gw-test, site: test }
uplink: { url: embedded }
`;

function write(text: string): string {
  const file = join(dir, `c${++n}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** Loads `text` as a config file and returns the QhError it must throw. */
function failure(text: string, withModels = false): QhError {
  const file = write(text);
  try {
    loadConfig(file, withModels ? { models } : {});
  } catch (e) {
    if (isQhError(e)) return e;
    throw e;
  }
  throw new Error(`expected ${file} to be rejected`);
}

function issues(e: QhError): ConfigIssue[] {
  expect(e.code).toBe("QH_CONFIG_INVALID");
  return e.details as ConfigIssue[];
}

/** The one issue at `path`; also checks the message lists it as `path: reason`. */
function issueAt(e: QhError, path: string): ConfigIssue {
  const found = issues(e).filter((i) => i.path === path);
  expect(found, `issues: ${JSON.stringify(e.details)}`).toHaveLength(1);
  const issue = found[0]!;
  expect(e.message.split("\n")).toContain(path === "" ? issue.message : `${path}: ${issue.message}`);
  return issue;
}

describe("config errors", () => {
  it("reports a YAML syntax error with its line and column", () => {
    const e = failure("gateway:\n  id: gw-test\n site: oops\nuplink: { url: embedded }\n");
    const [issue] = issues(e);
    expect(issue).toMatchObject({ path: "", line: 3, column: 1 });
    expect(issue!.message).toBe(
      "YAML syntax error at line 3, column 1: All mapping items must start at the same column",
    );
    expect(e.message).toContain("YAML syntax error at line 3, column 1");
    expect(e.message).toContain(".yaml");
  });

  it("reports an unclosed flow sequence with the line where it went wrong", () => {
    const e = failure(`${BASE}buses: [ { id: a, path: /dev/x, protocol: lockboard-xor }\nsimulate: true\n`);
    expect(issues(e)[0]!.line).toBe(5);
  });

  it("rejects a duplicate key instead of letting the second one win", () => {
    const e = failure(`${BASE}simulate: true\nsimulate: false\n`);
    expect(issues(e)[0]!.message).toContain("Map keys must be unique");
  });

  it("rejects a wrong uplink url scheme with the contract's exact message", () => {
    const e = failure("gateway: { id: gw-test, site: test }\nuplink:\n  url: http://broker:1883\n");
    const issue = issueAt(e, "uplink.url");
    expect(issue.message).toBe('must be mqtt://, mqtts://, ws://, wss:// or "embedded"');
    expect(e.message).toContain('uplink.url: must be mqtt://, mqtts://, ws://, wss:// or "embedded"');
    expect(issue.line).toBe(3);
  });

  it("rejects an url without a host", () => {
    const e = failure("gateway: { id: gw-test, site: test }\nuplink: { url: 'mqtt://:1883' }\n");
    expect(issueAt(e, "uplink.url").message).toContain("cannot read a broker host");
  });

  it("names an unknown key with its parent's path and suggests the likely one", () => {
    const e = failure(`${BASE}deviceBroker: { host: 127.0.0.1, prot: 1883 }\nsimulat: true\n`);
    expect(issueAt(e, "deviceBroker.prot").message).toBe('unknown key "prot" (did you mean "port"?)');
    expect(issueAt(e, "simulat").message).toBe('unknown key "simulat" (did you mean "simulate"?)');
  });

  it("lists the allowed keys when an unknown key is not a near miss", () => {
    const e = failure(`${BASE}store: { compression: zstd }\n`);
    const { message } = issueAt(e, "store.compression");
    expect(message).toMatch(/^unknown key "compression"; allowed keys here: synchronous, retentionDays/);
  });

  it("names an unknown key deep in a list", () => {
    const e = failure(
      `${BASE}buses:\n  - id: bus-a\n    path: /dev/ttyUSB0\n    protocol: lockboard-xor\n    devices:\n      - { id: l1, model: xor-board-24, address: 1, adress: 2 }\n`,
    );
    const issue = issueAt(e, "buses[0].devices[0].adress");
    expect(issue.message).toBe('unknown key "adress" (did you mean "address"?)');
    expect(issue.line).toBe(9);
  });

  it("says which type a value must have", () => {
    const e = failure(`${BASE}api: { port: "8080" }\nsimulate: sometimes\ngateway2: 1\n`);
    expect(issueAt(e, "api.port").message).toBe(
      'must be an integer (whole number), got the text "8080"; remove the quotes',
    );
    expect(issueAt(e, "simulate").message).toBe('must be true or false, got the text "sometimes"');
  });

  it("tells the installer to quote an id YAML read as a number", () => {
    const e = failure(`${BASE}devices:\n  - { id: 0042, model: generic-mqtt }\n`);
    expect(issueAt(e, "devices[0].id").message).toBe(
      'must be a string (text), got 42; put it in quotes to make it text, e.g. "01"',
    );
  });

  it("does not suggest quotes where the quoted text would be refused too (a choice of words)", () => {
    const e = failure(`${BASE}store: { fsync: true }\n`);
    const fsync = issues(e)
      .filter((i) => i.path === "store.fsync")
      .map((i) => i.message);
    expect(fsync.length).toBeGreaterThan(0);
    expect(fsync.join(" | ")).toContain('"background", "inline"');
    expect(fsync.join(" | ")).not.toContain("quotes");
  });

  it("says an empty value is empty", () => {
    const e = failure(`${BASE}api:\n  token:\n`);
    expect(issueAt(e, "api.token").message).toBe(
      "must be a string (text), got an empty value (nothing after the colon)",
    );
  });

  it("names a missing required key in the path", () => {
    const e = failure("gateway: { id: gw-test }\n");
    expect(issueAt(e, "gateway.site").message).toBe("is required");
    expect(issueAt(e, "uplink").message).toBe("is required");
    const e2 = failure(`${BASE}buses:\n  - { id: bus-a, protocol: lockboard-xor }\n`);
    expect(issueAt(e2, "buses[0].path").message).toBe("is required");
  });

  it("lists the allowed values of an enum", () => {
    const e = failure(`${BASE}store: { synchronous: full }\nlog: { level: verbose }\n`);
    expect(issueAt(e, "store.synchronous").message).toBe(
      'must be one of "FULL", "NORMAL"; got the text "full"',
    );
    expect(issueAt(e, "log.level").message).toContain('"fatal", "error", "warn", "info", "debug", "trace"');
  });

  it("rejects a device id used twice across buses, naming both places", () => {
    const e = failure(`${BASE}buses:
  - id: bus-a
    path: /dev/ttyUSB0
    protocol: lockboard-xor
    devices: [ { id: locker-a1, model: xor-board-24, address: 1 } ]
  - id: bus-b
    path: /dev/ttyUSB1
    protocol: kerong-cu16
    devices: [ { id: locker-a1, model: kerong-cu16-bank, address: 0 } ]
`);
    const issue = issueAt(e, "buses[1].devices[0].id");
    expect(issue.message).toBe('duplicate device id "locker-a1" (also at buses[0].devices[0].id)');
    expect(e.message).toContain(
      'buses[1].devices[0].id: duplicate device id "locker-a1" (also at buses[0].devices[0].id)',
    );
    expect(issue.line).toBe(12);
  });

  it("rejects a device id shared by a bus device and an MQTT device, and duplicate bus ids and paths", () => {
    const e = failure(`${BASE}buses:
  - { id: bus-a, path: /dev/ttyUSB0, protocol: lockboard-xor, devices: [ { id: x1, model: xor-board-24, address: 1 } ] }
  - { id: bus-a, path: /dev/ttyUSB0, protocol: lockboard-xor }
devices:
  - { id: x1, model: generic-mqtt }
`);
    expect(issueAt(e, "devices[0].id").message).toBe(
      'duplicate device id "x1" (also at buses[0].devices[0].id)',
    );
    expect(issueAt(e, "buses[1].id").message).toBe('duplicate bus id "bus-a" (also at buses[0].id)');
    expect(issueAt(e, "buses[1].path").message).toMatch(/^\/dev\/ttyUSB0 is already bus "bus-a"/);
  });

  it("refuses two buses on one serial device spelt two ways (a symlink, a `..`), with the key path", () => {
    // a stand-in for a device node, a /dev/serial/by-id style symlink to it, and a `..` spelling
    const real = join(dir, "ttyUSB-real");
    writeFileSync(real, "");
    mkdirSync(join(dir, "by-id"), { recursive: true });
    const link = join(dir, "by-id", "usb-FTDI_RS485-if00");
    symlinkSync(real, link);
    const bus = (id: string, path: string, address: number) =>
      `  - { id: ${id}, path: "${path}", protocol: lockboard-xor, devices: [ { id: x${address}, model: xor-board-24, address: ${address} } ] }\n`;
    const e = failure(
      `${BASE}buses:\n${bus("bus-a", real, 1)}${bus("bus-b", link, 2)}${bus("bus-c", `${dir}/by-id/../ttyUSB-real`, 3)}`,
    );
    expect(issueAt(e, "buses[1].path").message).toBe(
      `${link} is the same serial device as bus "bus-a" (${real}): both are ${real} (buses[0].path); one bus entry per serial line, list all its devices there`,
    );
    expect(issueAt(e, "buses[2].path").message).toContain(`is the same serial device as bus "bus-a"`);
    // a path that does not exist (yet) is compared made absolute and normalised
    const missing = failure(
      `${BASE}buses:\n${bus("bus-a", "/dev/ttyNOPE9", 1)}${bus("bus-b", "/dev/../dev/ttyNOPE9", 2)}`,
    );
    expect(issueAt(missing, "buses[1].path").message).toContain('is the same serial device as bus "bus-a"');
    // sim:// paths are names: the same name twice is refused, two names are two lines
    const sims = failure(`${BASE}buses:\n${bus("bus-a", "sim://one", 1)}${bus("bus-b", "sim://one", 2)}`);
    expect(issueAt(sims, "buses[1].path").message).toMatch(/^sim:\/\/one is already bus "bus-a"/);
    expect(() =>
      loadConfig(write(`${BASE}buses:\n${bus("bus-a", "sim://one", 1)}${bus("bus-b", "sim://two", 2)}`)),
    ).not.toThrow();
  });

  it("rejects a bad gateway id", () => {
    const e = failure("gateway: { id: GW_Demo, site: test }\nuplink: { url: embedded }\n");
    expect(issueAt(e, "gateway.id").message).toBe(
      'must be 1-64 characters of a-z, 0-9 and "-" (lower case), e.g. gw-oak-street',
    );
    const long = failure(`gateway: { id: ${"a".repeat(65)}, site: test }\nuplink: { url: embedded }\n`);
    expect(issueAt(long, "gateway.id").message).toContain("1-64 characters");
  });

  it("rejects an unknown model, suggesting the near miss and listing those that fit", () => {
    const e = failure(
      `${BASE}buses:\n  - { id: bus-a, path: sim://a, protocol: lockboard-xor, devices: [ { id: l1, model: demo-bank-42, address: 1 } ] }\ndevices:\n  - { id: m1, model: fridge-9000 }\n`,
      true,
    );
    const bus = issueAt(e, "buses[0].devices[0].model").message;
    expect(bus).toContain('unknown model "demo-bank-42" (did you mean "demo-bank-24"?)');
    expect(bus).toContain("models that fit here: cold-locker-bank-12, demo-bank-24, xor-board-24");
    expect(issueAt(e, "devices[0].model").message).toMatch(/^unknown model "fridge-9000".*generic-mqtt/);
  });

  it("rejects a model on a bus of another protocol, and a serial model as an MQTT device", () => {
    const e = failure(
      `${BASE}buses:\n  - { id: bus-a, path: sim://a, protocol: lockboard-xor, devices: [ { id: k1, model: kerong-cu16-bank, address: 1 }, { id: g1, model: generic-mqtt, address: 2 } ] }\ndevices:\n  - { id: m1, model: demo-bank-24 }\n`,
      true,
    );
    expect(issueAt(e, "buses[0].devices[0].model").message).toMatch(
      /^model "kerong-cu16-bank" speaks kerong-cu16, but bus "bus-a" is lockboard-xor/,
    );
    expect(issueAt(e, "buses[0].devices[1].model").message).toContain("is an MQTT device, not a serial one");
    expect(issueAt(e, "devices[0].model").message).toContain("not an MQTT device");
  });

  it("validateModels on its own throws the same kind of error", () => {
    const config = validateConfig({
      gateway: { id: "gw", site: "s" },
      uplink: { url: "embedded" },
      devices: [{ id: "m1", model: "nope" }],
    });
    expect(() => validateModels(config, models)).toThrow(/devices\[0\]\.model: unknown model "nope"/);
  });

  it("rejects out-of-range numbers with the range", () => {
    const e = failure(`gateway: { id: gw-test, site: test }
uplink: { url: embedded, batch: { maxEvents: 5000 }, telemetry: { maxRatePerDevice: 0 } }
api: { port: 70000 }
deviceBroker: { port: -1 }
`);
    expect(issueAt(e, "api.port").message).toBe("must be an integer from 0 to 65535, got 70000");
    expect(issueAt(e, "deviceBroker.port").message).toBe("must be an integer from 0 to 65535, got -1");
    expect(issueAt(e, "uplink.batch.maxEvents").message).toBe("must be an integer from 1 to 1000, got 5000");
    expect(issueAt(e, "uplink.telemetry.maxRatePerDevice").message).toBe(
      "must be a number greater than 0, got 0",
    );
  });

  it("rejects a device address out of the protocol's range and boards that overlap", () => {
    const e = failure(
      `${BASE}buses:
  - id: bus-k
    path: /dev/ttyUSB1
    protocol: kerong-cu16
    devices: [ { id: k1, model: kerong-cu16-bank, address: 16 } ]
  - id: bus-x
    path: /dev/ttyUSB0
    protocol: lockboard-xor
    devices:
      - { id: a, model: demo-bank-24, address: 1 }
      - { id: b, model: xor-board-24, address: 2 }
      - { id: c, model: xor-board-24, address: 1 }
`,
    );
    expect(issueAt(e, "buses[0].devices[0].address").message).toMatch(
      /^must be from 0 to 15 on a kerong-cu16 bus/,
    );
    expect(issueAt(e, "buses[1].devices[2].address").message).toMatch(/^address 1 is already used by "a"/);
    // board overlap needs the models: demo-bank-24 at 1 also takes 2
    const e2 = failure(
      `${BASE}buses:\n  - id: bus-x\n    path: /dev/ttyUSB0\n    protocol: lockboard-xor\n    devices:\n      - { id: a, model: demo-bank-24, address: 1 }\n      - { id: b, model: xor-board-24, address: 2 }\n`,
      true,
    );
    expect(issueAt(e2, "buses[0].devices[1].address").message).toMatch(
      /^board address 2 is also used by "a" \(buses\[0\]\.devices\[0\]\)/,
    );
    const e3 = failure(
      `${BASE}buses:\n  - { id: bus-x, path: /dev/x, protocol: lockboard-xor, devices: [ { id: a, model: demo-bank-24, address: 255 } ] }\n`,
      true,
    );
    expect(issueAt(e3, "buses[0].devices[0].address").message).toContain("set address to at most 254");
  });

  it("requires an address on addressed buses but not for scanners", () => {
    const e = failure(
      `${BASE}buses:\n  - { id: bus-x, path: /dev/x, protocol: lockboard-xor, devices: [ { id: a, model: xor-board-24 } ] }\n`,
    );
    expect(issueAt(e, "buses[0].devices[0].address").message).toMatch(/^is required on a lockboard-xor bus/);
    const e2 = failure(
      `${BASE}buses:\n  - { id: s, path: /dev/ttyACM0, protocol: scanner-line, devices: [ { id: s1, model: generic-serial-scanner }, { id: s2, model: generic-serial-scanner } ] }\n`,
    );
    expect(issueAt(e2, "buses[0].devices").message).toContain("a scanner-line bus carries one scanner");
  });

  it("checks protocolOptions against the bus's protocol", () => {
    const e = failure(
      `${BASE}buses:\n  - { id: bus-x, path: /dev/x, protocol: lockboard-xor, protocolOptions: { openReply: maybe, terminator: CR } }\n`,
    );
    expect(issueAt(e, "buses[0].protocolOptions.openReply").message).toBe(
      'must be one of "echo", "status"; got the text "maybe"',
    );
    expect(issueAt(e, "buses[0].protocolOptions.terminator").message).toContain('unknown key "terminator"');
    expect(issues(e)).toHaveLength(2);
  });

  it("checks settings that depend on each other", () => {
    const e = failure(`gateway: { id: gw-test, site: test }
uplink:
  url: mqtts://broker.example.com:8883
  password: secret
  tls: { cert: /etc/c.pem }
  reconnect: { minMs: 5000, maxMs: 1000 }
  commandKey: not-a-key
api: { port: 1883 }
`);
    expect(issueAt(e, "uplink.username").message).toBe("is required when uplink.password is set");
    expect(issueAt(e, "uplink.tls.key").message).toMatch(/^is required when uplink.tls.cert is set/);
    expect(issueAt(e, "uplink.reconnect.minMs").message).toBe(
      "must not exceed uplink.reconnect.maxMs (1000), got 5000",
    );
    expect(issueAt(e, "uplink.commandKey").message).toMatch(/^must be an Ed25519 public key/);
    expect(issueAt(e, "api.port").message).toBe(
      "port 1883 is also deviceBroker.port; give each listener its own port",
    );
  });

  it("reports every problem at once, one `path: reason` per line after a header", () => {
    const e = failure("gateway: { id: Bad, site: '' }\nuplink: { url: ftp://x }\napi: { token: short }\n");
    const lines = e.message.split("\n");
    expect(lines[0]).toMatch(/^Invalid config file .*\.yaml \(4 problems\):$/);
    expect(lines.slice(1)).toEqual([
      'gateway.id: must be 1-64 characters of a-z, 0-9 and "-" (lower case), e.g. gw-oak-street',
      "gateway.site: must not be empty",
      'uplink.url: must be mqtt://, mqtts://, ws://, wss:// or "embedded"',
      "api.token: must be at least 16 characters long",
    ]);
    expect(e.hint).toMatch(/Fix the named key/);
  });

  it("rejects an empty file and a file that is not a mapping", () => {
    expect(issueAt(failure("# nothing\n"), "").message).toContain("the file is empty");
    expect(issueAt(failure("- a\n- b\n"), "").message).toBe("must be a mapping (key: value), got a list");
  });

  it("says QH_CONFIG_UNREADABLE for a missing file, a directory or an unreadable file", () => {
    const missing = join(dir, "nope.yaml");
    expect(() => loadConfig(missing)).toThrow(expect.objectContaining({ code: "QH_CONFIG_UNREADABLE" }));
    expect(() => loadConfig(missing)).toThrow(`Cannot read config file ${missing}: no such file`);
    const sub = join(dir, "sub.yaml");
    mkdirSync(sub);
    expect(() => loadConfig(sub)).toThrow(expect.objectContaining({ code: "QH_CONFIG_UNREADABLE" }));
    if (process.getuid?.() !== 0) {
      const locked = write(BASE);
      chmodSync(locked, 0o000);
      expect(() => loadConfig(locked)).toThrow(/permission denied/);
    }
  });
});
