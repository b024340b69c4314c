/**
 * The `vending:` section: defaults per machine, and key-path errors for a machine that is not on an
 * mdb-bridge-text bus, a machine listed twice, two machines on one bridge line, and an
 * authorisation window that does not fit inside the reader's maximum response time.
 */
import { describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../../src/config/issues.js";
import { validateConfig } from "../../../src/config/load.js";
import { machineSettings } from "../../../src/config/vending.js";
import { isQhError } from "../../../src/core/errors.js";

const base = {
  gateway: { id: "gw-x", site: "x" },
  uplink: { url: "embedded" },
  buses: [
    {
      id: "v1",
      path: "sim://v1",
      protocol: "mdb-bridge-text",
      devices: [{ id: "vm-1", model: "mdb-vending-machine" }],
    },
  ],
};

function problems(extra: Record<string, unknown>): ConfigIssue[] {
  try {
    validateConfig({ ...base, ...extra });
  } catch (e) {
    if (isQhError(e, "QH_CONFIG_INVALID")) return e.details as ConfigIssue[];
    throw e;
  }
  throw new Error("expected the config to be refused");
}

describe("vending config", () => {
  it("fills a machine's settings from the section, its own keys over them", () => {
    const c = validateConfig({
      ...base,
      vending: {
        offlineLimit: { vendsPerDay: 5 },
        machines: [{ device: "vm-1", maxResponseSeconds: 4, offlineLimit: { amountPerDay: 900 } }],
      },
    });
    expect(machineSettings(c, "vm-1")).toEqual({
      countryCode: "1156",
      scaleFactor: 1,
      decimalPlaces: 2,
      maxResponseSeconds: 4,
      authorizeWindowMs: 3000,
      sessionTimeoutSeconds: 60,
      offlineLimit: { vendsPerDay: 5, amountPerDay: 900 },
    });
  });

  it("refuses a window that does not fit inside the maximum response time, naming the key", () => {
    expect(problems({ vending: { maxResponseSeconds: 3, authorizeWindowMs: 2800 } })).toMatchObject([
      { path: "vending.authorizeWindowMs", message: expect.stringContaining("at most 2500") },
    ]);
    expect(problems({ vending: { machines: [{ device: "vm-1", maxResponseSeconds: 2 }] } })).toMatchObject([
      { path: "vending.machines[0].authorizeWindowMs" },
    ]);
  });

  it("refuses an unknown machine, a machine listed twice, and two machines on one bridge", () => {
    expect(problems({ vending: { machines: [{ device: "vm-9" }] } })).toMatchObject([
      {
        path: "vending.machines[0].device",
        message: expect.stringContaining("not a device on an mdb-bridge-text bus"),
      },
    ]);
    expect(problems({ vending: { machines: [{ device: "vm-1" }, { device: "vm-1" }] } })).toMatchObject([
      { path: "vending.machines[1].device" },
    ]);
    const two = {
      ...base.buses[0],
      devices: [
        { id: "a", model: "mdb-vending-machine" },
        { id: "b", model: "mdb-vending-machine" },
      ],
    };
    expect(problems({ buses: [two] })).toMatchObject([{ path: "buses[0].devices" }]);
  });

  it("refuses a bad country code and an unknown key by the schema", () => {
    const p = problems({ vending: { countryCode: "156", offline: 1 } });
    expect(p.map((i) => i.path).sort()).toEqual(["vending.countryCode", "vending.offline"]);
  });
});
