/**
 * DEX through the bridge: the bridge announces how many lines it sent (`c,DEX,END,n`). A line
 * that did not arrive, or that the line decoder rejected (here an 8-bit byte in a product name),
 * fails the fetch instead of handing over a file with a product's figures missing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { useTempDb } from "../../helpers/temp-db.js";
import { type ScriptedRig, scriptedRig } from "./scripted-bridge.js";

const FILE = [
  "DXS*QH*VA*V1/1*1",
  "ST*001*0001",
  "ID1*SN1*M1",
  "PA1*1*100*Water",
  "PA2*1*100*1*100",
  "PA1*2*1000*Caf\u00e9 latte",
  "PA2*1*1000*1*1000",
  "SE*7*0001",
  "DXE*1*1",
];

describe("DEX lines lost on the way", () => {
  const t = useTempDb();
  let r: ScriptedRig;
  afterEach(() => r.close());

  const rig = (lines: string[], announced: number) =>
    scriptedRig({
      dir: t.dir,
      db: t.db,
      onWrite: (cmd, feed) => {
        if (cmd !== "C,DEX") return;
        feed(`c,DEX,BEGIN\n${lines.map((l) => `c,DEX,LINE,${l}\n`).join("")}c,DEX,END,${announced}\n`);
      },
    });

  it("a line the decoder rejected fails the fetch", async () => {
    r = await rig(FILE, FILE.length);
    const a = await r.driver.send({ kind: "dex" });
    expect(a).toMatchObject({ kind: "dexError", reason: expect.stringContaining("LINES_LOST") });
  });

  it("a line that never arrived fails the fetch; a complete transfer passes", async () => {
    const clean = FILE.map((l) => l.replace("\u00e9", "e"));
    r = await rig(
      clean.filter((_, i) => i !== 4),
      clean.length,
    );
    expect(await r.driver.send({ kind: "dex" })).toMatchObject({ kind: "dexError" });
    r.close();
    r = await rig(clean, clean.length);
    expect(await r.driver.send({ kind: "dex" })).toEqual({ kind: "dex", lines: clean });
  });
});
