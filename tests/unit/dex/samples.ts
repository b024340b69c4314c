/** The dex-ucs samples and their expectations (firmware-protocols/dex-ucs/vectors.json). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DEX_DIR = fileURLToPath(new URL("../../../firmware-protocols/dex-ucs/", import.meta.url));

export interface DexVector {
  file: string;
  quirk: string;
  expect: Record<string, unknown>;
}

export const DEX_VECTORS: { served: string; samples: DexVector[] } = JSON.parse(
  readFileSync(`${DEX_DIR}vectors.json`, "utf8"),
);

/** A sample's bytes by its name under samples/ (e.g. "complete-crlf.dex"). */
export function sample(name: string): Buffer {
  return readFileSync(`${DEX_DIR}samples/${name}`);
}
