import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";

export const CONTRACT_DIR = join(import.meta.dirname, "../../docs/contract/v1");

/** Validators for every contract payload, by schema file name (without .schema.json). */
export function contractValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const files = readdirSync(CONTRACT_DIR).filter((f) => f.endsWith(".schema.json"));
  for (const f of files) ajv.addSchema(JSON.parse(readFileSync(join(CONTRACT_DIR, f), "utf8")), f);
  const out = new Map<string, ValidateFunction>();
  for (const f of files) out.set(f.replace(".schema.json", ""), ajv.getSchema(f)!);
  return out;
}

/** Which schema a message on an uplink topic must satisfy. */
export function schemaForUplinkTopic(root: string, topic: string): string | undefined {
  if (!topic.startsWith(`${root}/`)) return undefined;
  const rest = topic.slice(root.length + 1);
  if (rest === "status") return "status";
  if (rest === "events") return "events";
  if (/^dev\/[^/]+\/evt\/[^/]+$/.test(rest)) return "envelope";
  if (/^dev\/[^/]+\/req\/[^/]+$/.test(rest)) return "request";
  if (/^dev\/[^/]+\/tele$/.test(rest)) return "tele";
  if (/^dev\/[^/]+\/state$/.test(rest)) return "state";
  if (/^cmd-result\/[^/]+$/.test(rest)) return "cmd-result";
  if (/^cmd\/[^/]+$/.test(rest)) return "command";
  return undefined;
}
