/**
 * The verticals a config's buses pick (src/extensions/index.ts): each bus protocol is driven by one
 * vertical, a protocol that no vertical drives is refused with its key path, and a site without
 * buses composes only the site-wide commissioning tools.
 */
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/config/load.js";
import { BUS_PROTOCOLS } from "../../../src/config/schema.js";
import { extensionsFor, VERTICALS } from "../../../src/extensions/index.js";

const base = { gateway: { id: "gw-x", site: "x" }, uplink: { url: "embedded" } };

function withBus(protocol: string) {
  return validateConfig({ ...base, buses: [{ id: "line-1", path: "sim://line-1", protocol, devices: [] }] });
}

describe("extensions for a config's buses", () => {
  it("composes no vertical for a site without buses, only the site-wide ones (site mode first; ops: live view, reports)", () => {
    const site = validateConfig(base);
    const always = VERTICALS.filter((v) => v.busProtocols.size === 0 && v.wanted?.(site));
    expect(always.map((v) => v.name)).toEqual(["site", "ops"]);
    expect(VERTICALS[0]?.name).toBe("site"); // built first: the others read seams.siteMode
    expect(extensionsFor(site)).toHaveLength(2);
  });

  it("traceability rides on the locker and vending lines, not on the cold chain's", () => {
    const trace = VERTICALS.find((v) => v.name === "trace")!;
    expect(trace.wanted?.(withBus("lockboard-xor"))).toBe(true);
    expect(trace.wanted?.(withBus("mdb-bridge-text"))).toBe(true);
    expect(trace.wanted?.(withBus("modbus-rtu"))).toBe(false);
  });

  it("no two verticals claim the same bus protocol", () => {
    const all = VERTICALS.flatMap((v) => [...v.busProtocols]);
    expect(new Set(all).size).toBe(all.length);
  });

  for (const protocol of BUS_PROTOCOLS) {
    const vertical = VERTICALS.find((v) => v.busProtocols.has(protocol));
    if (vertical) {
      it(`a ${protocol} line composes the ${vertical.name} vertical`, () => {
        // and the verticals that ride on it (traceability at a site with lockers or vending)
        const riders = VERTICALS.filter((v) => v.busProtocols.size === 0 && v.wanted?.(withBus(protocol)));
        expect(extensionsFor(withBus(protocol))).toHaveLength(1 + riders.length);
      });
    } else {
      it(`a ${protocol} line is refused with its key path until a vertical drives it`, () => {
        expect(() => extensionsFor(withBus(protocol))).toThrowError(
          expect.objectContaining({
            code: "QH_CONFIG_INVALID",
            message: expect.stringContaining(`buses[0].protocol: ${protocol} is not supported`),
          }),
        );
      });
    }
  }
});
