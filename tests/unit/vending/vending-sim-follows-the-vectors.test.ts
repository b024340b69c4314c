/**
 * The vending machine simulator (VMC + bridge) answers each exchange of
 * firmware-protocols/mdb-bridge-text/vectors.json with exactly the lines the spec gives.
 */
import { describe, expect, it } from "vitest";
import { crc16Arc } from "../../../src/sim/vending-dex.js";
import { type FailureCause, VendingMachineSim } from "../../../src/sim/vending-machine.js";
import { loadVectors } from "../protocols/vectors.js";

const file = loadVectors("mdb-bridge-text");

/** A sim whose every line (from handle() or from an action) is collected as text. */
function harness(opts: Record<string, unknown>) {
  const sim = new VendingMachineSim({
    prices: opts.prices as Record<string, number>,
    fail: opts.fail as Record<string, FailureCause> | undefined,
    enabled: opts.enabled as boolean | undefined,
    setupRepeats: opts.setupRepeats as number | undefined,
  });
  const lines: string[] = [];
  let partial = "";
  const take = (b: Buffer) => {
    partial += b.toString("latin1");
    const parts = partial.split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  };
  sim.on("tx", take);
  return {
    sim,
    send(line: string) {
      for (const o of sim.handle(Buffer.from(`${line}\n`))) take(o.data);
    },
    drain: () => lines.splice(0),
    done: () => sim.idle(),
  };
}

describe("vending machine simulator against the vectors' exchanges", () => {
  for (const ex of file.exchanges) {
    it(`${ex.name}: ${ex.note}`, async () => {
      const h = harness(ex.sim);
      for (const step of ex.steps) {
        if ("send" in step) h.send(step.send);
        else {
          const op = step.do as { op: string; item?: number };
          if (op.op === "powerUp") h.sim.powerUp();
          else if (op.op === "select") expect(h.sim.select(op.item!)).toBe(true);
          else if (op.op === "cash") expect(h.sim.cash(op.item!)).toBe(true);
          else throw new Error(`unknown op ${op.op}`);
        }
        await h.done();
        expect(h.drain(), JSON.stringify(step)).toEqual(step.reply);
      }
      h.sim.stop();
    });
  }

  it("repeats SETUP and READER ENABLE when set up to (as real machines do)", async () => {
    const h = harness({ prices: { 1: 100 }, setupRepeats: 2 });
    h.sim.powerUp();
    h.send("C,CONFIG,1,1156,1,2,5,0");
    h.send("C,1");
    await h.done();
    expect(h.drain().filter((l) => l.startsWith("c,SETUP,CONFIG") || l === "c,STATUS,ENABLED")).toEqual([
      "c,SETUP,CONFIG,3,16,2,1",
      "c,SETUP,CONFIG,3,16,2,1",
      "c,STATUS,ENABLED",
      "c,STATUS,ENABLED",
    ]);
    h.sim.stop();
  });

  it("hands over a DEX file whose G85 is the CRC-16/ARC of ST..before G85 with CRLF endings", async () => {
    const h = harness({ prices: { 12: 150, 7: 120 }, enabled: true });
    h.sim.cash(7);
    await h.done();
    expect(h.drain()).toEqual(["c,VEND,CASH,120,7"]);
    h.send("C,DEX");
    await h.done();
    const lines = h.drain();
    expect(lines[0]).toBe("c,DEX,BEGIN");
    const dex = lines.filter((l) => l.startsWith("c,DEX,LINE,")).map((l) => l.slice(11));
    expect(lines.at(-1)).toBe(`c,DEX,END,${dex.length}`);
    const st = dex.findIndex((l) => l.startsWith("ST*"));
    const g85 = dex.findIndex((l) => l.startsWith("G85*"));
    const crc = crc16Arc(
      Buffer.from(
        dex
          .slice(st, g85)
          .map((l) => `${l}\r\n`)
          .join(""),
        "latin1",
      ),
    );
    expect(dex[g85]).toBe(`G85*${crc.toString(16).toUpperCase().padStart(4, "0")}`);
    expect(dex).toContain("PA1*7*120*Item 7");
    expect(dex).toContain("CA2*120*1*120*1");
    // the check value of CRC-16/ARC over "123456789" is BB3D (the catalogue's check value)
    expect(crc16Arc(Buffer.from("123456789"))).toBe(0xbb3d);
    h.sim.stop();
  });
});
