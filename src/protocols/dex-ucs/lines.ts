/**
 * Splitting a DEX file into lines and checking its envelope: vendor lines before `DXS`, the
 * segments from `DXS` to `DXE`, the `G85` CRC (computed over CRLF line endings whatever the file
 * uses), the `SE` segment count and truncation. Pure: text in, values out, never throws.
 */
import { crcHex } from "./crc.js";
import type { DexIntegrity, DexSegment, G85Status } from "./types.js";

export interface SplitFile {
  preamble: string[];
  /** every non-empty line from `DXS` to `DXE` inclusive, as written (no line terminator) */
  lines: { text: string; line: number }[];
  segments: DexSegment[];
  lineEndings: DexIntegrity["lineEndings"];
  reachedDxe: boolean;
  /** the last line had no terminator (a file cut mid-line usually looks like this) */
  unterminated: boolean;
  /** that last line when the file is cut short: not interpreted (its last field may be cut) */
  partialLine: string | null;
  warnings: string[];
}

/** Split text (latin1 of the file's bytes) into the preamble and the segments. */
export function splitFile(text: string): SplitFile {
  const warnings: string[] = [];
  // a byte-order mark (UTF-8's EF BB BF, read as latin1; or U+FEFF) is not part of the file
  const bom = /^(\u00EF\u00BB\u00BF|\uFEFF)/.exec(text);
  const src = bom ? text.slice(bom[0].length) : text;
  if (bom) warnings.push("a byte-order mark before the file's text ignored");
  const raw: string[] = [];
  const endings = new Set<string>();
  const re = /\r\n|\r|\n/g;
  let from = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    raw.push(src.slice(from, m.index));
    endings.add(m[0]);
    from = m.index + m[0].length;
  }
  const tail = src.slice(from);
  const unterminated = !isFiller(tail);
  if (unterminated) raw.push(tail);
  const lineEndings: DexIntegrity["lineEndings"] =
    endings.size === 0
      ? "none"
      : endings.size > 1
        ? "mixed"
        : endings.has("\r\n")
          ? "crlf"
          : endings.has("\n")
            ? "lf"
            : "cr";

  const tagOf = (l: string) => l.split("*", 1)[0]!.trim();
  let start = raw.findIndex((l) => tagOf(l) === "DXS");
  if (start < 0) {
    // junk on the DXS line itself (a NUL, an XON, a terminal's noise): DXS starts where it says
    start = raw.findIndex((l) => /DXS$/.test(tagOf(l)) && /^[^A-Za-z0-9]*DXS$/.test(tagOf(l)));
    if (start >= 0) {
      const l = raw[start]!;
      const at = l.indexOf("DXS");
      warnings.push(`line ${start + 1}: ${at} byte(s) of junk before DXS ignored`);
      raw[start] = l.slice(at);
    }
  }
  const preamble = start < 0 ? raw.filter((l) => l.trim() !== "") : raw.slice(0, start);
  if (start < 0) warnings.push("no DXS line: not a DEX file, or cut before its start");
  else if (preamble.length > 0)
    warnings.push(`${preamble.length} line(s) before DXS kept as the vendor preamble`);

  const lines: SplitFile["lines"] = [];
  const segments: DexSegment[] = [];
  let reachedDxe = false;
  let partialLine: string | null = null;
  if (start >= 0) {
    for (let i = start; i < raw.length; i++) {
      const t = raw[i]!;
      if (reachedDxe) {
        if (!isFiller(t)) warnings.push(`line ${i + 1}: text after DXE ignored`);
        continue;
      }
      if (t.trim() === "") {
        warnings.push(`line ${i + 1}: empty line skipped`);
        continue;
      }
      if (unterminated && i === raw.length - 1 && !t.startsWith("DXE")) {
        partialLine = t;
        warnings.push(`line ${i + 1}: cut mid-line ("${t}"): not interpreted`);
        continue;
      }
      const parts = t.split("*");
      const seg: DexSegment = { tag: parts[0]!.trim(), fields: parts.slice(1), line: i + 1 };
      lines.push({ text: t, line: i + 1 });
      segments.push(seg);
      if (seg.tag === "DXE") reachedDxe = true;
    }
  }
  return { preamble, lines, segments, lineEndings, reachedDxe, unterminated, partialLine, warnings };
}

/**
 * The integrity of a split file: `G85` against CRC-16/ARC over every line from `ST` (or the first
 * line after `DXS` when there is no `ST`) up to the line before `G85`, each followed by CRLF; the
 * declared hex is compared case-insensitively, with or without leading zeros. `SE`'s count is
 * compared with the segments from `ST` to `SE` inclusive and only warned about. A segment after
 * `G85` other than `SE` / `DXE` is not covered by the CRC: the verdict is then at best
 * `unverified` (a `G85` placed early must not vouch for figures written after it).
 */
export function checkIntegrity(f: SplitFile): DexIntegrity {
  const warnings = [...f.warnings];
  const segs = f.segments;
  const st = segs.findIndex((s) => s.tag === "ST");
  const from = st >= 0 ? st : 1;
  const g85 = segs.findIndex((s, i) => i >= from && s.tag === "G85");
  let status: G85Status = "absent";
  let declared: string | null = null;
  let computed: string | null = null;
  if (g85 >= 0) {
    const body = f.lines
      .slice(from, g85)
      .map((l) => `${l.text}\r\n`)
      .join("");
    computed = crcHex(body);
    declared = (segs[g85]!.fields[0] ?? "").trim();
    if (!/^[0-9A-Fa-f]{1,4}$/.test(declared)) {
      status = "malformed";
      warnings.push(`line ${segs[g85]!.line}: G85 "${declared}" is not a 16-bit hex CRC`);
    } else if (Number.parseInt(declared, 16) === Number.parseInt(computed, 16)) status = "ok";
    else {
      status = "mismatch";
      warnings.push(`line ${segs[g85]!.line}: G85 says ${declared}, the data gives ${computed}`);
    }
    if (st < 0) warnings.push("no ST segment: the CRC was computed from the line after DXS");
  }
  const se = segs.findIndex((s, i) => i > from && s.tag === "SE");
  let segmentCount: DexIntegrity["segmentCount"] = { declared: null, actual: 0, ok: null };
  if (se >= 0) {
    const v = (segs[se]!.fields[0] ?? "").trim();
    const n = /^\d+$/.test(v) ? Number(v) : null;
    const actual = se - (st >= 0 ? st : from) + 1;
    segmentCount = { declared: n, actual, ok: n === null ? null : n === actual };
    if (n !== actual)
      warnings.push(`line ${segs[se]!.line}: SE declares ${v || "no"} segments, the file has ${actual}`);
  }
  const truncated = !f.reachedDxe;
  if (truncated && f.segments.length > 0) warnings.push("the file ends before DXE (cut short?)");
  // G85 covers only what precedes it: data after it (anything but SE / DXE) is not proven
  const uncovered = g85 >= 0 ? segs.slice(g85 + 1).filter((s) => s.tag !== "SE" && s.tag !== "DXE") : [];
  if (uncovered.length > 0)
    warnings.push(
      `line ${uncovered[0]!.line}: ${uncovered.length} segment(s) after G85 (from ${uncovered[0]!.tag}) are not covered by its CRC`,
    );
  const verdict =
    status === "mismatch" || status === "malformed"
      ? "corrupt"
      : status === "ok" && uncovered.length === 0
        ? "verified"
        : truncated
          ? "truncated"
          : "unverified";
  return {
    verdict,
    g85: { status, declared, computed, line: g85 >= 0 ? segs[g85]!.line : null },
    segmentCount,
    truncated,
    partialLine: f.partialLine,
    lineEndings: f.lineEndings,
    warnings,
  };
}

/** Only NULs, SUB (0x1A, an old end-of-file mark) and white space: what some tools pad files with. */
function isFiller(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c !== 0 && c !== 0x1a && c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}
