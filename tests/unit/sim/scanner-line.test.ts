import { afterEach, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
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
