/**
 * `buses[].devices[].compartments` (the site's compartment layout, issue 12) is checked at start
 * with key paths: the shape (size, zone, enabled, compartment ids), an id the model has not, a
 * device that is not a locker bank, and the cold chain's zone rule for a zone set here; a good one
 * passes and comes back as written. The demo config (config/default.yaml) with the devices/ models.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../../../src/config/load.js";
import { loadModels } from "../../../src/config/models.js";
import { QhError } from "../../../src/core/errors.js";
import { coldConfigWarnings } from "../../../src/extensions/cold.js";

const models = loadModels();
type Raw = { buses: { devices: Record<string, unknown>[] }[]; cold: { zones: { compartments: string[] }[] } };
const demo = (): Raw =>
  parse(readFileSync(join(import.meta.dirname, "../../../config/default.yaml"), "utf8"));

/** The demo with `compartments` on bus 0's device `d` (0 locker-a, 1 cold-a). */
function withLayout(d: number, compartments: unknown, edit?: (raw: Raw) => void) {
  const raw = demo();
  raw.buses[0]!.devices[d]!.compartments = compartments;
  edit?.(raw);
  return raw;
}

function problems(raw: unknown): { path: string; message: string }[] {
  try {
    validateConfig(raw, { models });
  } catch (err) {
    expect(err).toBeInstanceOf(QhError);
    expect((err as QhError).code).toBe("QH_CONFIG_INVALID");
    return (err as QhError).details as { path: string; message: string }[];
  }
  return [];
}
const paths = (raw: unknown) => problems(raw).map((p) => p.path);

describe("buses[].devices[].compartments", () => {
  it("accepts a size, a zone and enabled, and keeps them", () => {
    const c = validateConfig(withLayout(0, { A07: { size: "XL" }, A01: { enabled: false } }), { models });
    expect(c.buses[0]!.devices[0]!.compartments).toEqual({ A07: { size: "XL" }, A01: { enabled: false } });
    // a chilled compartment of cold-a set to chilled (its zone is chilled): nothing to say
    expect(paths(withLayout(1, { C01: { zone: "chilled", size: "M" } }))).toEqual([]);
  });

  it("names a bad size, zone, enabled, empty entry and a malformed id by key path", () => {
    expect(paths(withLayout(0, { A01: { size: "XXL" } }))).toContain(
      "buses[0].devices[0].compartments.A01.size",
    );
    expect(paths(withLayout(0, { A01: { zone: "warm" } }))).toContain(
      "buses[0].devices[0].compartments.A01.zone",
    );
    expect(paths(withLayout(0, { A01: { enabled: "no" } }))).toContain(
      "buses[0].devices[0].compartments.A01.enabled",
    );
    expect(paths(withLayout(0, { A01: { colour: "red" } })).join()).toMatch(/compartments\.A01/);
    expect(paths(withLayout(0, { A01: {} })).join()).toMatch(/compartments\.A01/);
    expect(paths(withLayout(0, { "A 1": { size: "M" } })).join()).toMatch(
      /buses\[0\]\.devices\[0\]\.compartments/,
    );
  });

  it("refuses a compartment the model has not, and a device that is not a locker bank", () => {
    const unknown = problems(withLayout(0, { Z99: { size: "M" } }));
    expect(unknown).toContainEqual({
      path: "buses[0].devices[0].compartments.Z99",
      message: expect.stringMatching(/no compartment Z99 in model demo-bank-24/),
    });
    const raw = demo();
    const coldBus = raw.buses.findIndex((b) => b.devices.some((d) => d.id === "cold-ctrl"));
    raw.buses[coldBus]!.devices[0]!.compartments = { C01: { size: "M" } };
    expect(paths(raw)).toContain(`buses[${coldBus}].devices[0].compartments`);
  });

  it("holds a zone set here to the cold zones' lists, both ways, with the key path", () => {
    // ambient-built A01 set chilled: in no cold zone
    expect(problems(withLayout(0, { A01: { zone: "chilled" } }))).toContainEqual({
      path: "buses[0].devices[0].compartments.A01.zone",
      message: expect.stringMatching(/chilled compartment .* in no cold zone/),
    });
    // C01 is in the chilled zone: ambient or frozen are refused
    expect(paths(withLayout(1, { C01: { zone: "ambient" } }))).toContain(
      "buses[0].devices[1].compartments.C01.zone",
    );
    expect(paths(withLayout(1, { C01: { zone: "frozen" } }))).toContain(
      "buses[0].devices[1].compartments.C01.zone",
    );
    // A01 listed in the chilled zone and set chilled here: valid, and no warning left about it
    const raw = withLayout(0, { A01: { zone: "chilled" } }, (r) => {
      r.cold.zones[0]!.compartments.push("locker-a/A01");
    });
    const c = validateConfig(raw, { models });
    expect(coldConfigWarnings(c, models).join("\n")).not.toMatch(/locker-a\/A01/);
    // …while without the override the model's ambient A01 in a cold zone is a warning, as before
    const plain = demo();
    plain.cold.zones[0]!.compartments.push("locker-a/A01");
    expect(coldConfigWarnings(validateConfig(plain, { models }), models).join("\n")).toMatch(
      /locker-a\/A01 is an ambient compartment/,
    );
  });
});
