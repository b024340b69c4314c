/**
 * Device models are data (DESIGN.md principle 7): every file under devices/ is checked against
 * devices/schema.json and the loader's semantic checks, whatever files are added later.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../../src/config/issues.js";
import {
  type ColdControllerModel,
  DEFAULT_MODELS_DIR,
  type DeviceModel,
  type LockerBankModel,
  loadModels,
  parseModel,
} from "../../../src/config/models.js";
import { isQhError, type QhError } from "../../../src/core/errors.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp models dir holding `files`; returns the QhError loadModels throws. */
function failure(files: Record<string, string>): QhError {
  const dir = mkdtempSync(join(tmpdir(), "qh-models-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  try {
    loadModels(dir);
  } catch (e) {
    if (isQhError(e)) return e;
    throw e;
  }
  throw new Error("expected the models to be rejected");
}

function issues(e: QhError): ConfigIssue[] {
  expect(e.code).toBe("QH_CONFIG_INVALID");
  return e.details as ConfigIssue[];
}

const BANK = `id: bank
name: Test bank
vendor: test
kind: locker-bank
protocol: lockboard-xor
boards:
  - { offset: 0, locks: 4 }
compartments:
  - { id: A1, board: 0, lock: 1, size: S }
  - { id: A2, board: 0, lock: 2, size: M }
`;

describe("device models", () => {
  it("every file under devices/ is a valid model (schema and semantic checks)", () => {
    const files = readdirSync(DEFAULT_MODELS_DIR).filter((f) => f !== "schema.json");
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      expect([".yaml", ".yml", ".json"], `${f}: model files are .yaml, .yml or .json`).toContain(extname(f));
      const file = join(DEFAULT_MODELS_DIR, f);
      const { model, issues } = parseModel(file, readFileSync(file, "utf8"));
      expect(issues, f).toEqual([]);
      expect(model?.id, f).toBe(f.slice(0, -extname(f).length));
    }
    // and together: unique ids
    expect(loadModels().size).toBe(files.length);
  });

  it("ships the models the demo and the example site use", () => {
    const models = loadModels();
    const bank = (id: string) => models.get(id) as LockerBankModel;
    const sizes = (m: LockerBankModel) =>
      m.compartments.reduce<Record<string, number>>((acc, c) => {
        acc[c.size] = (acc[c.size] ?? 0) + 1;
        return acc;
      }, {});

    const demo = bank("demo-bank-24");
    expect(demo).toMatchObject({
      kind: "locker-bank",
      protocol: "lockboard-xor",
      protocolOptions: { openReply: "echo" },
    });
    expect(demo.boards.map((b) => [b.offset, b.locks])).toEqual([
      [0, 12],
      [1, 12],
    ]);
    expect(sizes(demo)).toEqual({ S: 6, M: 10, L: 6, XL: 2 });
    expect(demo.compartments.every((c) => c.zone === "ambient")).toBe(true);

    const xor = bank("xor-board-24");
    expect(xor.boards).toEqual([{ offset: 0, locks: 24, sensors: { door: true, presence: false } }]);
    expect(sizes(xor)).toEqual({ M: 24 });

    const kerong = bank("kerong-cu16-bank");
    expect(kerong.protocol).toBe("kerong-cu16");
    expect(kerong.boards).toEqual([{ offset: 0, locks: 16, sensors: { door: true, presence: true } }]);
    expect(Object.keys(sizes(kerong)).length).toBeGreaterThan(1);
    // the shipped Kerong model names no reply form: the default accepts every public one (issue 7)
    expect(kerong.protocolOptions).toEqual({});

    expect(models.get("generic-serial-scanner")).toMatchObject({
      kind: "scanner",
      protocol: "scanner-line",
      protocolOptions: { terminator: "auto" },
    });
    // issue 9: a cold controller's register map is data, signed temperatures with sentinels
    const cold = models.get("generic-cold-controller") as ColdControllerModel;
    expect(cold).toMatchObject({
      kind: "cold-controller",
      protocol: "modbus-rtu",
      channels: 2,
      channelStride: 16,
    });
    expect(cold.registers.temperature).toEqual({
      register: 0,
      function: 4,
      type: "int16",
      scale: 0.1,
      unit: "°C",
      sentinels: { values: [32767], below: -32000 },
    });
    expect(cold.registers.setpoint).toMatchObject({ function: 3, type: "int16", scale: 0.1 });
    expect(Object.keys(cold.registers).sort()).toEqual([
      "compressor",
      "defrost",
      "door",
      "setpoint",
      "temperature",
    ]);
    expect(cold.defrostCommand).toEqual({ register: 1, value: 1 });
    // and a locker bank whose compartments carry zones
    const coldBank = bank("cold-locker-bank-12");
    const zones = coldBank.compartments.reduce<Record<string, number>>((acc, c) => {
      acc[c.zone] = (acc[c.zone] ?? 0) + 1;
      return acc;
    }, {});
    expect(zones).toEqual({ chilled: 6, frozen: 6 });

    expect(models.get("generic-mqtt")).toMatchObject({
      kind: "mqtt-device",
      events: ["*"],
      metrics: ["*"],
      commands: ["*"],
    } satisfies Partial<DeviceModel>);
  });

  it("fills in defaults: sensors off, zone ambient, empty protocolOptions, undeclared lists = *", () => {
    const bank = parseModel("/x/bank.yaml", BANK).model as LockerBankModel;
    expect(bank.boards[0]!.sensors).toEqual({ door: false, presence: false });
    expect(bank.compartments[0]!.zone).toBe("ambient");
    expect(bank.protocolOptions).toEqual({});
    expect(bank.file).toBe("/x/bank.yaml");
    const mqtt = parseModel(
      "/x/m.yaml",
      "id: m\nname: M\nvendor: v\nkind: mqtt-device\nevents: [door.opened]\n",
    );
    expect(mqtt.model).toMatchObject({ events: ["door.opened"], metrics: ["*"], commands: ["*"] });
  });

  it("rejects locks and boards that do not exist, and repeated ids and locks", () => {
    const e = failure({
      "bank.yaml": `${BANK}  - { id: A3, board: 0, lock: 5, size: L }
  - { id: A1, board: 0, lock: 3, size: L }
  - { id: A4, board: 1, lock: 1, size: L }
  - { id: A5, board: 0, lock: 2, size: XL }
`,
    });
    expect(issues(e).map((i) => [i.file?.endsWith("bank.yaml"), i.path, i.message])).toEqual([
      [true, "compartments[2].lock", "lock 5 does not exist: board 0 has 4 locks (1-4)"],
      [true, "compartments[3].id", 'duplicate compartment id "A1" (also at compartments[0].id)'],
      [
        true,
        "compartments[4].board",
        "board 1 does not exist: boards are numbered 0 to 0 in the order of the boards list",
      ],
      [
        true,
        "compartments[5].lock",
        'board 0 lock 2 is already compartment "A2" (compartments[1]); one lock opens one compartment',
      ],
    ]);
    expect(issues(e)[0]!.line).toBe(11);
    expect(e.message).toMatch(/bank\.yaml: compartments\[2\]\.lock: lock 5 does not exist/);
  });

  it("rejects schema errors with the file and key path", () => {
    const e = failure({
      "bad.yaml": `id: bad
name: Bad
vendor: test
kind: locker-bank
protocol: scanner-line
protocolOptions: { openReply: sometimes }
boards: [ { offset: 0, locks: 4, sensors: { door: yes } } ]
compartments: [ { id: A1, board: 0, lock: 0, size: XXL, colour: red } ]
events: [parcel.deposited]
`,
    });
    const byPath = Object.fromEntries(issues(e).map((i) => [i.path, i.message]));
    expect(byPath).toMatchObject({
      protocol: 'must be "lockboard-xor" or "kerong-cu16" for a locker-bank',
      "boards[0].sensors.door": 'must be true or false, got the text "yes"',
      "compartments[0].lock": "must be an integer from 1 to 255, got 0",
      "compartments[0].size": 'must be one of "XS", "S", "M", "L", "XL"; got the text "XXL"',
      "compartments[0].colour":
        'unknown key "colour"; allowed keys here: id, board, lock, size, zone, dimensionsCm',
      events: "is only for kind mqtt-device",
    });
    expect(issues(e).every((i) => i.file?.endsWith("bad.yaml"))).toBe(true);
  });

  it("checks protocolOptions against the model's protocol", () => {
    const e = failure({
      "bank.yaml": BANK.replace("boards:", "protocolOptions: { openReply: sometimes }\nboards:"),
    });
    expect(issues(e)).toEqual([
      expect.objectContaining({
        path: "protocolOptions.openReply",
        message: expect.stringContaining('"echo", "status"'),
      }),
    ]);
  });

  it("lets a Kerong model say how its board answers an unlock, and only in the known forms", () => {
    const kerong = BANK.replace("protocol: lockboard-xor", "protocol: kerong-cu16");
    for (const form of ["status", "status-board", "status-cmd", "echo"]) {
      const m = parseModel(
        "/x/bank.yaml",
        kerong.replace("boards:", `protocolOptions: { unlockReply: ${form} }\nboards:`),
      ).model as LockerBankModel;
      expect(m.protocolOptions).toEqual({ unlockReply: form });
    }
    const e = failure({
      "bank.yaml": kerong.replace("boards:", "protocolOptions: { unlockReply: nine-bytes }\nboards:"),
    });
    expect(issues(e)).toEqual([
      expect.objectContaining({
        path: "protocolOptions.unlockReply",
        message: expect.stringContaining('"status-cmd"'),
      }),
    ]);
    // an XOR model cannot borrow it
    const x = failure({
      "bank.yaml": BANK.replace("boards:", "protocolOptions: { unlockReply: echo }\nboards:"),
    });
    expect(issues(x)[0]?.path).toContain("protocolOptions");
  });

  it("caps locks per board where the protocol does", () => {
    const e = failure({
      "k.yaml": BANK.replace("id: bank", "id: k")
        .replace("lockboard-xor", "kerong-cu16")
        .replace("locks: 4", "locks: 24"),
    });
    expect(issues(e)).toEqual([
      expect.objectContaining({
        path: "boards[0].locks",
        message: "must be at most 16: a kerong-cu16 board drives 16 locks",
      }),
    ]);
  });

  it("requires the id to match the file name, and rejects duplicate ids", () => {
    const e = failure({ "other.yaml": BANK });
    expect(issues(e)[0]).toMatchObject({
      path: "id",
      message: expect.stringMatching(/^must match the file name/),
    });
    const json = {
      id: "bank",
      name: "Test bank (JSON)",
      vendor: "test",
      kind: "locker-bank",
      protocol: "lockboard-xor",
      boards: [{ offset: 0, locks: 4 }],
      compartments: [{ id: "A1", board: 0, lock: 1, size: "S" }],
    };
    // bank.json is read first (files load in name order), so bank.yaml is the duplicate
    const e2 = failure({ "bank.yaml": BANK, "bank.json": JSON.stringify(json) });
    expect(issues(e2)).toEqual([
      expect.objectContaining({
        path: "id",
        message: expect.stringMatching(/^duplicate model id "bank" \(also in .*bank\.json\)/),
      }),
    ]);
  });

  it("reports a YAML syntax error with the file, line and column; scanner and mqtt kinds keep to their keys", () => {
    const e = failure({
      "broken.yaml": "id: broken\nname: [unclosed\n",
      "scan.yaml": "id: scan\nname: S\nvendor: v\nkind: scanner\nprotocol: scanner-line\nboards: []\n",
      "m.yaml":
        "id: m\nname: M\nvendor: v\nkind: mqtt-device\nprotocol: scanner-line\nevents: ['Bad Type']\n",
    });
    const all = issues(e);
    expect(all.find((i) => i.file?.endsWith("broken.yaml"))).toMatchObject({
      path: "",
      line: 3,
      message: expect.stringMatching(/^YAML syntax error at line 3, column 1/),
    });
    expect(all.find((i) => i.file?.endsWith("scan.yaml"))).toMatchObject({
      path: "boards",
      message: "is only for kind locker-bank",
    });
    const m = all.filter((i) => i.file?.endsWith("m.yaml")).map((i) => [i.path, i.message]);
    expect(m).toEqual([
      ["protocol", "is only for serial kinds (locker-bank, scanner, cold-controller)"],
      ["events[0]", 'must be "*" or an event type like parcel.deposited ([a-z0-9_] words joined by dots)'],
    ]);
  });

  it("types a cold controller's registers: 32-bit values, word order, bits; channels must not overlap", () => {
    const COLD = `id: c
name: C
vendor: v
kind: cold-controller
protocol: modbus-rtu
registers:
  temperature: { register: 10, function: 4, type: float32, wordOrder: low-first, unit: "°C", sentinels: { below: -100 } }
  setpoint: { register: 0, function: 3, type: int32, wordOrder: high-first, scale: 0.01 }
  door: { register: 4, function: 4, type: uint16, bit: 3 }
`;
    const c = parseModel("/x/c.yaml", COLD).model as ColdControllerModel;
    expect(c).toMatchObject({ channels: 1, channelStride: 0, protocolOptions: {} });
    expect(c.registers.temperature).toMatchObject({ type: "float32", wordOrder: "low-first" });
    expect(c.registers.door?.bit).toBe(3);

    const e = failure({
      "c.yaml": COLD.replace(
        "registers:",
        "channels: 2\nchannelStride: 8\nsetpointLimits: { min: 5, max: -5 }\nregisters:",
      )
        .replace("function: 3, type: int32", "function: 4, type: int32")
        .replace("type: uint16, bit: 3", "type: int64"),
    });
    expect(Object.fromEntries(issues(e).map((i) => [i.path, i.message]))).toEqual({
      "registers.setpoint.function": "must be 3: a set-point is written, so it is a holding register",
      "registers.door.type": expect.stringContaining('"int16", "uint16", "int32", "uint32", "float32"'),
    });
    const overlap = failure({
      "c.yaml": COLD.replace(
        "registers:",
        "channels: 2\nchannelStride: 8\nsetpointLimits: { min: 5, max: -5 }\nregisters:",
      ),
    });
    expect(issues(overlap).map((i) => [i.path, i.message])).toEqual([
      ["channelStride", "must be at least 12 for 2 channels: channel 1 would read channel 0's registers"],
      ["setpointLimits", "min (5) must not be above max (-5)"],
    ]);
    // a cold controller speaks modbus-rtu and carries no lock boards
    const wrong = failure({
      "c.yaml": COLD.replace(
        "protocol: modbus-rtu",
        "protocol: lockboard-xor\nboards: [ { offset: 0, locks: 1 } ]",
      ),
    });
    expect(Object.fromEntries(issues(wrong).map((i) => [i.path, i.message]))).toMatchObject({
      protocol: 'must be "modbus-rtu" for a cold-controller',
      boards: "is only for kind locker-bank",
    });
    // compartments take the cold zones, nothing else
    const z = failure({ "bank.yaml": BANK.replace("size: S }", "size: S, zone: tepid }") });
    expect(issues(z)[0]).toMatchObject({
      path: "compartments[0].zone",
      message: expect.stringContaining('"frozen"'),
    });
  });

  it("says QH_CONFIG_UNREADABLE for a missing directory", () => {
    expect(() => loadModels("/nonexistent/devices")).toThrow(
      expect.objectContaining({ code: "QH_CONFIG_UNREADABLE" }),
    );
  });
});
