/** Loads firmware-protocols/<name>/vectors.json for codec and simulator tests. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromHex, toHex } from "../../../src/protocols/bytes.js";
import type { DecodeResult } from "../../../src/protocols/types.js";

export interface ExpectedResult {
  ok: boolean;
  raw: string;
  msg?: Record<string, unknown>;
  reason?: string;
  /** lockboard-xor query-all replies: locks reported closed. */
  closedLocks?: number[];
  /** kerong-cu16 status replies: the per-lock view. */
  locks?: { lock: number; closed: boolean; present: boolean }[];
}

export interface Vector {
  name: string;
  note: string;
  decoder?: Record<string, unknown>;
  expectRequest?: Record<string, unknown>;
  chunks: string[];
  expect: ExpectedResult[];
  encode?: boolean;
}

export interface SimOp {
  op: string;
  board?: number;
  lock?: number;
  locks?: number[];
  hex?: string;
  code?: string;
}

export type Step = { send: string; reply: string[] } | { do: SimOp; reply: string[] };

export interface Exchange {
  name: string;
  note?: string;
  sim: Record<string, unknown>;
  steps: Step[];
}

export interface VectorFile {
  protocol: string;
  format: number;
  vectors: Vector[];
  exchanges: Exchange[];
}

export function loadVectors(protocol: string): VectorFile {
  const url = new URL(`../../../firmware-protocols/${protocol}/vectors.json`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), "utf8")) as VectorFile;
}

export function vector(file: VectorFile, name: string): Vector {
  const v = file.vectors.find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${name} in ${file.protocol}`);
  return v;
}

/** All bytes of a vector as they go on the wire (its chunks joined); "@8A 01" is literal hex. */
export function wireBytes(file: VectorFile, nameOrHex: string): Buffer {
  if (nameOrHex.startsWith("@")) return fromHex(nameOrHex.slice(1));
  return Buffer.concat(vector(file, nameOrHex).chunks.map(fromHex));
}

/** Decode results in the vector file's JSON shape, for deep equality. */
export function asExpected<M>(results: DecodeResult<M>[]): ExpectedResult[] {
  return results.map((r) =>
    r.ok
      ? { ok: true, raw: toHex(r.raw), msg: r.msg as Record<string, unknown> }
      : { ok: false, reason: r.reason, raw: toHex(r.raw) },
  );
}

/** The expected results without helper-only fields. */
export function stripHelpers(expect: ExpectedResult[]): ExpectedResult[] {
  return expect.map(({ closedLocks: _c, locks: _l, ...rest }) => rest);
}
