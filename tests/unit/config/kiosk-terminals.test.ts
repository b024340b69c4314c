/**
 * `locker.terminals`: only declared terminals exist; each is bound to locker banks and a scanner of
 * this config. And the guessing figure of the two shipped configs, computed from their own
 * settings and compartments (docs/locker.md quotes them).
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig, validateConfig } from "../../../src/config/load.js";
import { type LockerBankModel, loadModels } from "../../../src/config/models.js";
import { siteTerminals } from "../../../src/config/terminals.js";
import { expectedYearsToGuess, resolveSettings } from "../../../src/domain/locker/settings.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

const base = (terminals?: unknown) => ({
  gateway: { id: "gw-t", site: "t" },
  uplink: { url: "embedded" },
  buses: [
    {
      id: "bus-a",
      path: "sim://a",
      protocol: "lockboard-xor",
      devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
    },
    {
      id: "scan-a",
      path: "sim://s",
      protocol: "scanner-line",
      devices: [{ id: "scanner-a", model: "generic-serial-scanner" }],
    },
    {
      id: "scan-b",
      path: "sim://s2",
      protocol: "scanner-line",
      devices: [{ id: "scanner-b", model: "generic-serial-scanner" }],
    },
  ],
  devices: [{ id: "meter-1", model: "generic-mqtt" }],
  ...(terminals === undefined ? {} : { locker: { terminals } }),
});

function problems(terminals: unknown): string[] {
  try {
    validateConfig(base(terminals));
    return [];
  } catch (err) {
    return ((err as { details: { path: string; message: string }[] }).details ?? []).map(
      (d) => `${d.path}: ${d.message}`,
    );
  }
}

describe("locker.terminals", () => {
  it("accepts terminals bound to locker banks and scanners of the config", () => {
    const c = validateConfig(
      base([
        { id: "kiosk-a", banks: ["locker-a"], scanner: "scanner-a" },
        { id: "scanner-b", banks: ["locker-a"], scanner: "scanner-b" },
      ]),
    );
    expect(siteTerminals(c).map((t) => t.id)).toEqual(["kiosk-a", "scanner-b"]);
  });

  it("refuses a bank that is not a locker bank, a scanner that is not a scanner, a scanner twice, a duplicate id, another device's id", () => {
    const got = problems([
      { id: "kiosk-a", banks: ["meter-1", "nope"], scanner: "locker-a" },
      { id: "kiosk-a", banks: ["locker-a"], scanner: "scanner-a" },
      { id: "kiosk-c", banks: ["locker-a"], scanner: "scanner-a" },
      { id: "meter-1", banks: ["locker-a"] },
    ]);
    expect(got).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^locker\.terminals\[0\]\.banks\[0\]: "meter-1" is not a locker bank/),
        expect.stringMatching(/^locker\.terminals\[0\]\.banks\[1\]: "nope" is not a locker bank/),
        expect.stringMatching(
          /^locker\.terminals\[0\]\.scanner: "locker-a" is not a device on a scanner-line bus/,
        ),
        expect.stringMatching(/^locker\.terminals\[1\]\.id: duplicate terminal id "kiosk-a"/),
        expect.stringMatching(
          /^locker\.terminals\[2\]\.scanner: scanner "scanner-a" is already terminal "kiosk-a"'s/,
        ),
        expect.stringMatching(/^locker\.terminals\[3\]\.id: "meter-1" is already a device id/),
      ]),
    );
    expect(problems([{ id: "kiosk-a", banks: [] }])).toEqual([expect.stringMatching(/banks/)]);
  });

  it("left out: one terminal per scanner, serving every bank", () => {
    expect(siteTerminals(validateConfig(base()))).toEqual([
      { id: "scanner-a", banks: ["locker-a"], scanner: "scanner-a" },
      { id: "scanner-b", banks: ["locker-a"], scanner: "scanner-b" },
    ]);
  });
});

describe("the guessing figure of the shipped configs", () => {
  const models = loadModels();
  const compartments = (file: string) => {
    const c = loadConfig(resolve(repo, file), { models });
    const n = c.buses
      .flatMap((b) => b.devices)
      .map((d) => models.get(d.model))
      .filter((m): m is LockerBankModel => m?.kind === "locker-bank")
      .reduce((sum, m) => sum + m.compartments.length, 0);
    return { c, n };
  };

  it("demo site: 36 compartments (24 ambient, 12 cold), 6 digits, 30 wrong codes a day: about 1.2 years", () => {
    const { c, n } = compartments("config/default.yaml");
    expect(n).toBe(36);
    const years = expectedYearsToGuess(resolveSettings(c.locker), n);
    expect(years).toBeGreaterThan(1.2);
    expect(years).toBeLessThan(1.3);
  });

  it("example site: 104 compartments, 8 digits: about 43 years (6 digits would be under half a year)", () => {
    const { c, n } = compartments("config/example-site.yaml");
    expect(n).toBe(104);
    const years = expectedYearsToGuess(resolveSettings(c.locker), n);
    expect(years).toBeGreaterThan(43);
    expect(years).toBeLessThan(44);
    expect(expectedYearsToGuess(resolveSettings({ ...c.locker, codeLength: 6 }), n)).toBeLessThan(0.5);
  });
});
