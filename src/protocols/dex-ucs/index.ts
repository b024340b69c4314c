/**
 * dex-ucs: the EVA-DTS (DEX/UCS) vending audit file format. Pure: bytes in, an audit out.
 * Spec: firmware-protocols/dex-ucs/SPEC.md; samples and their expected results:
 * firmware-protocols/dex-ucs/samples/ and vectors.json.
 */
export { crc16Arc, crcHex } from "./crc.js";
export { parseDex } from "./parse.js";
export { type PaidSplit, type ProductSales, paymentClass, salesByProduct } from "./summary.js";
export type * from "./types.js";
export { type AuditProduct, type AuditSpec, auditLines, type SealOptions, sealDex } from "./write.js";
