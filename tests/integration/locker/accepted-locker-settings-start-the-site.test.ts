/**
 * A `locker:` setting the config schema accepts starts the site. The config is checked once, at
 * load (key-path errors, exit code 2); a value that passes there must not make the gateway fail
 * half-way through its start because the locker domain has limits of its own. Checked at the edges
 * of the schema's ranges (read from the schema, so the test follows whichever side is changed).
 */
import { afterEach, describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/config/load.js";
import { configSchema } from "../../../src/config/schema.js";
import { type LockerSite, startLockerSite } from "./support.js";

const lockerKeys = (
  configSchema.properties as { locker: { properties: Record<string, { minimum: number; maximum: number }> } }
).locker.properties;

function edge(which: "minimum" | "maximum"): Record<string, number> {
  // the numeric settings (locker.terminals is a list, not a setting with a range)
  return Object.fromEntries(
    Object.entries(lockerKeys)
      .filter(([, v]) => typeof v[which] === "number")
      .map(([k, v]) => [k, v[which]]),
  );
}

describe("locker settings the config accepts", () => {
  let site: LockerSite | undefined;
  afterEach(async () => {
    await site?.close();
    site = undefined;
  });

  it.each(["minimum", "maximum"] as const)("every key at the schema's %s starts the site", async (which) => {
    const locker = edge(which);
    expect(Object.keys(locker).length).toBeGreaterThan(5);
    // the config accepts it...
    expect(() =>
      validateConfig({ gateway: { id: "gw-test", site: "s" }, uplink: { url: "embedded" }, locker }),
    ).not.toThrow();
    // ...so the gateway starts with it
    site = await startLockerSite({ uplinkDown: true, locker });
    const r = await site.kiosk<{ available: Record<string, number> }>("availability");
    expect(r.body.available).toEqual({ S: 6, M: 10, L: 6, XL: 2 });
  });
});
