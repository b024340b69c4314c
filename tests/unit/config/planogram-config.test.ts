/**
 * The `planogram:` block: defaults, key-path errors from the schema (nothing coerced), and the
 * checks across keys (machine on an mdb-bridge-text bus, unique slots and DEX products, count ≤
 * capacity).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { isQhError } from "../../../src/core/errors.js";

const dir = mkdtempSync(join(tmpdir(), "qh-planogram-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const BASE = `
gateway: { id: gw-test, site: test }
uplink: { url: embedded }
buses:
  - { id: vend-bus, path: "sim://vend", protocol: mdb-bridge-text, devices: [{ id: vm-1, model: mdb-vending-machine }] }
  - { id: lock-bus, path: "sim://lock", protocol: lockboard-xor, devices: [{ id: locker-a, model: lockboard-xor-24, address: 1 }] }
`;

function load(text: string) {
  const file = join(dir, `c${++n}.yaml`);
  writeFileSync(file, text);
  return loadConfig(file);
}

function problems(text: string): { path: string; message: string }[] {
  try {
    load(text);
  } catch (e) {
    if (isQhError(e, "QH_CONFIG_INVALID"))
      return (e.details as ConfigIssue[]).map((i) => ({ path: i.path, message: i.message }));
    throw e;
  }
  throw new Error("expected the config to be refused");
}

describe("planogram config", () => {
  it("defaults to no machines and a low mark of 2", () => {
    expect(load(BASE).planogram).toEqual({ lowStockAt: 2, machines: [] });
  });

  it("takes a machine's slots as declared", () => {
    const c = load(`${BASE}
planogram:
  lowStockAt: 3
  machines:
    - device: vm-1
      slots:
        - { slot: 1, product: water-550, name: Water, price: 200, capacity: 10, count: 4, lowAt: 1, dexProduct: A1 }
`);
    expect(c.planogram.machines[0]?.slots[0]).toEqual({
      slot: 1,
      product: "water-550",
      name: "Water",
      price: 200,
      capacity: 10,
      count: 4,
      lowAt: 1,
      dexProduct: "A1",
    });
  });

  it("names the key of each schema error; a price as a string is not coerced", () => {
    const p = problems(`${BASE}
planogram:
  machines:
    - device: vm-1
      slots:
        - { slot: 1, product: water, price: "200", capacity: 10 }
        - { slot: 70000, product: tea, price: 100, capacity: -1, colour: red }
`);
    const paths = p.map((x) => x.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "planogram.machines[0].slots[0].price",
        "planogram.machines[0].slots[1].slot",
        "planogram.machines[0].slots[1].capacity",
      ]),
    );
    expect(
      p.some((x) => x.path.startsWith("planogram.machines[0].slots[1]") && /colour/.test(x.message)),
    ).toBe(true);
  });

  it("checks across keys: the machine's bus, unique slots and DEX products, count within capacity", () => {
    const p = problems(`${BASE}
planogram:
  machines:
    - device: locker-a
      slots: []
    - device: vm-1
      slots:
        - { slot: 1, product: a, price: 100, capacity: 5, count: 6 }
        - { slot: 1, product: b, price: 100, capacity: 5 }
        - { slot: 2, product: c, price: 100, capacity: 5, dexProduct: "1" }
    - device: vm-1
      slots: []
`);
    expect(p).toEqual(
      expect.arrayContaining([
        {
          path: "planogram.machines[0].device",
          message: expect.stringContaining("not a device on an mdb-bridge-text bus"),
        },
        {
          path: "planogram.machines[1].slots[0].count",
          message: expect.stringContaining("more than the capacity"),
        },
        { path: "planogram.machines[1].slots[1].slot", message: expect.stringContaining("declared twice") },
        {
          path: "planogram.machines[1].slots[2].dexProduct",
          message: expect.stringContaining("used by two slots"),
        },
        { path: "planogram.machines[2].device", message: expect.stringContaining("has a planogram already") },
      ]),
    );
  });
});
