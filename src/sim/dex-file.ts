/**
 * The DEX audit file a simulated vending machine hands out when asked for it: a sample from
 * firmware-protocols/dex-ucs/samples/ (vectors.json names the default, `served`), or one built from
 * the simulator's own sales with `auditLines` + `sealDex` (src/protocols/dex-ucs/write.ts).
 *
 * For the mdb simulator (src/sim/, owned by the `mdb` helper): `dexSample()` gives the text to send
 * back on the bridge's DEX fetch; tests pick a quirk by file name (e.g. "corrupt-g85.dex").
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../firmware-protocols/dex-ucs/", import.meta.url));

/**
 * A sample file's text (latin1, line endings as in the file).
 * @param name a file under samples/ (default: vectors.json's `served`, the reference file)
 * @throws Error (ENOENT) when there is no such sample
 */
export function dexSample(name?: string): string {
  const file = name
    ? `samples/${name}`
    : (JSON.parse(readFileSync(`${DIR}vectors.json`, "utf8")) as { served: string }).served;
  return readFileSync(`${DIR}${file}`, "latin1");
}
