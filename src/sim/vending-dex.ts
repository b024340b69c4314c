/**
 * A minimal, valid DEX/UCS (EVA-DTS) audit file for the vending machine simulator: the lines a
 * machine hands over on C,DEX, built from the simulator's own tallies. Segments (PROTOCOLS.md §5,
 * §10): DXS, ST, ID1 (serial, model), ID4 (decimal places, currency), VA1 (paid vends since init),
 * CA2 (cash sales), DA2 (cashless sales), PA1 (product, price), PA2 (vends and value per product),
 * PA7 (per payment device: CA cash, DA cashless), G85 (CRC-16/ARC over ST.. the line before G85,
 * with CRLF line endings), SE (segment count), DXE.
 */

/** CRC-16/ARC (reflected polynomial 0xA001, initial 0): the G85 check (PROTOCOLS.md §10). */
export function crc16Arc(data: Buffer): number {
  let crc = 0;
  for (const b of data) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc & 0xffff;
}

export interface DexProduct {
  item: number;
  name: string;
  price: number;
  cash: { count: number; value: number };
  cashless: { count: number; value: number };
}

export interface DexInput {
  serial: string;
  model: string;
  /** ISO 4217 numeric currency, e.g. "156" */
  currency: string;
  decimalPlaces: number;
  products: DexProduct[];
}

/** The file's lines, without line endings (the bridge sends each as a `c,DEX,LINE,` line). */
export function dexLines(input: DexInput): string[] {
  const sum = (f: (p: DexProduct) => number) => input.products.reduce((n, p) => n + f(p), 0);
  const body: string[] = [
    "ST*001*0001",
    `ID1*${input.serial}*${input.model}*0001`,
    `ID4*${input.decimalPlaces}*${input.currency}`,
    `VA1*${sum((p) => p.cash.value + p.cashless.value)}*${sum((p) => p.cash.count + p.cashless.count)}*${sum((p) => p.cash.value + p.cashless.value)}*${sum((p) => p.cash.count + p.cashless.count)}`,
    `CA2*${sum((p) => p.cash.value)}*${sum((p) => p.cash.count)}*${sum((p) => p.cash.value)}*${sum((p) => p.cash.count)}`,
    `DA2*${sum((p) => p.cashless.value)}*${sum((p) => p.cashless.count)}*${sum((p) => p.cashless.value)}*${sum((p) => p.cashless.count)}`,
  ];
  for (const p of input.products) {
    const count = p.cash.count + p.cashless.count;
    const value = p.cash.value + p.cashless.value;
    body.push(`PA1*${p.item}*${p.price}*${p.name}`);
    body.push(`PA2*${count}*${value}*${count}*${value}`);
    body.push(`PA7*${p.item}*CA*0*${p.price}*${p.cash.count}*${p.cash.value}`);
    body.push(`PA7*${p.item}*DA*1*${p.price}*${p.cashless.count}*${p.cashless.value}`);
  }
  const crc = crc16Arc(Buffer.from(body.map((l) => `${l}\r\n`).join(""), "latin1"));
  body.push(`G85*${crc.toString(16).toUpperCase().padStart(4, "0")}`);
  body.push(`SE*${body.length + 1}*0001`);
  return ["DXS*QHSIM00001*VA*V0/6*1", ...body, "DXE*1*1"];
}
