import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { parseGs1 } from "../../../src/domain/trace/gs1.js";
import { fromHex } from "../../../src/protocols/bytes.js";
import { createScannerDecoder } from "../../../src/protocols/scanner-line/index.js";
import { ScannerSim, type ScannerSimOptions } from "../../../src/sim/scanner-line.js";
import type { SimOp } from "../protocols/vectors.js";
import { loadVectors } from "../protocols/vectors.js";
import { captureTx, playExchange } from "./exchange.js";

const file = loadVectors("scanner-line");
const sims: ScannerSim[] = [];
function sim(options: ScannerSimOptions = {}): ScannerSim {
  const s = new ScannerSim(options);
  sims.push(s);
  return s;
}
afterEach(() => {
  for (const s of sims.splice(0)) s.stop();
});

function applyScannerOp(s: ScannerSim, op: SimOp): void {
  if (op.op === "scan") s.scan(op.code ?? "");
  else if (op.op === "injectGarbage") s.injectGarbage(fromHex(op.hex ?? ""));
  else throw new Error(`unknown op ${op.op}`);
}

describe("scanner-line simulator writes the vector lines", () => {
  for (const ex of file.exchanges) {
    it(ex.name, async () => {
      await playExchange(file, ex, sim(ex.sim as ScannerSimOptions), applyScannerOp);
    });
  }
});

describe("scanner-line simulator", () => {
  it("produces lines its decoder reads back, paced at 9600 baud", async () => {
    const s = sim({ terminator: "CRLF", prefix: [0x01], paceBaud: 9600 });
    const tx = await captureTx(s, () => {
      s.scan("PARCEL-1");
      s.scan("PARCEL-2");
    });
    const results = createScannerDecoder({ terminator: "CRLF", prefix: [0x01] }).push(tx);
    expect(results.map((r) => r.ok && r.msg.code)).toEqual(["PARCEL-1", "PARCEL-2"]);
  });

  it("ignores bytes from the host", async () => {
    const s = sim();
    expect(await captureTx(s, () => s.receive(Buffer.from("TRIGGER\r")))).toHaveLength(0);
  });

  it("refuses a code it could not send", () => {
    const s = sim({ maxLength: 4 });
    let caught: unknown;
    try {
      s.scan("12345");
    } catch (e) {
      caught = e;
    }
    expect(isQhError(caught, "QH_COMMAND_INVALID")).toBe(true);
  });
});

describe("scanner-line simulator emits GS1 element strings", () => {
  const gs1 = JSON.parse(
    readFileSync(
      join(import.meta.dirname, "../../../firmware-protocols/gs1-element-strings/vectors.json"),
      "utf8",
    ),
  ) as { year: number; vectors: { name: string; text: string; options?: { separator?: string } }[] };
  const lot = [
    { ai: "01", value: "04012345678901" },
    { ai: "10", value: "LOT-42" },
    { ai: "17", value: "260615" },
  ];

  it("sends the vector's bytes, GS kept, and the decoder hands the string to the GS1 reader", async () => {
    const s = sim({ terminator: "CR" });
    const tx = await captureTx(s, () => s.scanGs1(lot));
    const [r] = createScannerDecoder({ terminator: "CR" }).push(tx);
    expect(r?.ok && r.msg.code).toBe(vector(gs1, "gs1-128-lot-then-gs").text);
    const read = parseGs1((r?.ok && r.msg.code) || "", { year: gs1.year });
    expect([read.gtin, read.lot, read.expiry]).toEqual(["04012345678901", "LOT-42", "2026-06-15"]);
  });

  it("rewrites or drops the separator as such scanners do", async () => {
    const s = sim({ terminator: "CR" });
    const tx = await captureTx(s, () => {
      s.scanGs1(lot, { separator: "|" });
      s.scanGs1(lot, { symbology: "", separator: "" });
    });
    const codes = createScannerDecoder({ terminator: "CR" })
      .push(tx)
      .map((r) => r.ok && r.msg.code);
    expect(codes).toEqual(["]C1010401234567890110LOT-42|17260615", "010401234567890110LOT-4217260615"]);
    expect(parseGs1(codes[0] as string, { separator: "|", year: gs1.year }).lot).toBe("LOT-42");
    expect(parseGs1(codes[1] as string, { year: gs1.year }).warnings).toHaveLength(1);
  });
});

function vector<T extends { name: string }>(f: { vectors: T[] }, name: string): T {
  const v = f.vectors.find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${name}`);
  return v;
}
