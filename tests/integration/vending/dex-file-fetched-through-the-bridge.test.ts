/**
 * C,DEX over the pty: the driver collects the machine's DEX block (the lines the dex-ucs parser
 * reads, cash sales included), and a machine that does not hand its file over is a clear answer,
 * not a hang.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Rig, vendingRig } from "./support.js";

describe("the DEX file through the bridge", () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it("arrives as the file's lines, from DXS to DXE", async () => {
    rig = await vendingRig();
    await rig.waitState("ENABLED");
    rig.sim.cash(7);
    await rig.waitFor("vend.cash_sale");
    const r = await rig.driver.send({ kind: "dex" });
    expect(r.kind).toBe("dex");
    const lines = r.kind === "dex" ? r.lines : [];
    expect(lines[0]).toMatch(/^DXS\*/);
    expect(lines.at(-1)).toMatch(/^DXE\*/);
    expect(lines).toContain("CA2*120*1*120*1");
    expect(lines.some((l) => l.startsWith("G85*"))).toBe(true);
  });

  it("a machine that does not hand it over answers c,DEX,ERR", async () => {
    rig = await vendingRig({ sim: { dexFails: true } });
    await rig.waitState("ENABLED");
    expect(await rig.driver.send({ kind: "dex" })).toEqual({ kind: "dexError", reason: "TIMEOUT" });
  });
});
