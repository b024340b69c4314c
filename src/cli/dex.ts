/**
 * `quarterhour dex parse FILE [--json]`: reads a DEX/EVA-DTS audit file an operator already has
 * and prints the audit and its integrity verdict. Needs no config and no gateway.
 *
 * Exit codes: 0 the file verifies (G85 right; a wrong SE count is only a warning); 1 the audit was
 * printed but cannot be trusted (`QH_DEX_INTEGRITY`: G85 wrong, the file cut short, or no G85 to
 * check): a verdict, not a crash; 2 the file cannot be read (`QH_PATH_INVALID`) or is not a DEX
 * file at all (`QH_DEX_INVALID`: no DXS line).
 */
import { readFileSync } from "node:fs";
import { QhError } from "../core/errors.js";
import { parseDex, salesByProduct } from "../protocols/dex-ucs/index.js";
import { formatAudit } from "./dex-format.js";

/** Parse `file`, print the report (or JSON) and throw QH_DEX_INTEGRITY when it does not verify. */
export function dexParse(file: string, opts: { json?: boolean }): void {
  const bytes = readFileSync(file); // ENOENT/EISDIR/EACCES → QH_PATH_INVALID naming the path
  const audit = parseDex(bytes);
  if (audit.dxs === null)
    throw new QhError(
      "QH_DEX_INVALID",
      `${file}: no DXS line in ${bytes.length} bytes: not a DEX audit file`,
    );
  if (opts.json) {
    const { segments: _s, ...rest } = audit;
    process.stdout.write(
      `${JSON.stringify({ file, verdict: audit.integrity.verdict, audit: rest, sales: salesByProduct(audit) })}\n`,
    );
  } else process.stdout.write(formatAudit(file, audit));
  const i = audit.integrity;
  if (i.verdict !== "verified") {
    const why =
      i.verdict === "corrupt"
        ? `G85 is ${i.g85.declared || "empty"} but the data gives ${i.g85.computed}`
        : i.verdict === "truncated"
          ? "the file ends before its G85 and DXE (cut short)"
          : "the file has no G85 to check it against";
    throw new QhError("QH_DEX_INTEGRITY", `${file}: ${i.verdict}: ${why}`, { verdict: i.verdict });
  }
}
