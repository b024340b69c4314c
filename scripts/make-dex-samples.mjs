#!/usr/bin/env node
/**
 * Writes firmware-protocols/dex-ucs/samples/*.dex: DEX audit files of our own making, one per quirk
 * found in the field (PROTOCOLS.md §10), with right G85/SE unless the quirk is a wrong one.
 * Run after `npm run build` (it uses the writer in dist/protocols/dex-ucs/write.js):
 *
 *   node scripts/make-dex-samples.mjs
 *
 * What each file should parse to is in firmware-protocols/dex-ucs/vectors.json (checked by
 * tests/unit/dex/dex-ucs-samples.test.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { auditLines, sealDex } from "../dist/protocols/dex-ucs/write.js";

const dir = fileURLToPath(new URL("../firmware-protocols/dex-ucs/samples/", import.meta.url));

/** The demo machine's six slots (config/default.yaml's planogram uses the same numbers and prices). */
const products = [
  {
    number: "1",
    name: "Mineral water 550ml",
    price: 200,
    cash: { init: 40, reset: 4 },
    cashless: { init: 75, reset: 9 },
  },
  {
    number: "2",
    name: "Green tea 500ml",
    price: 350,
    cash: { init: 12, reset: 1 },
    cashless: { init: 64, reset: 6 },
  },
  {
    number: "3",
    name: "Cola 330ml",
    price: 300,
    cash: { init: 20, reset: 2 },
    cashless: { init: 90, reset: 7 },
  },
  {
    number: "4",
    name: "Soy milk 250ml",
    price: 250,
    cash: { init: 33, reset: 5 },
    cashless: { init: 18, reset: 2 },
  },
  {
    number: "5",
    name: "Crackers",
    price: 450,
    cash: { init: 5, reset: 0 },
    cashless: { init: 22, reset: 3 },
  },
  {
    number: "6",
    name: "Instant noodles",
    price: 600,
    cash: { init: 9, reset: 1 },
    cashless: { init: 30, reset: 2 },
  },
];
const base = { serial: "QHVM000001", model: "QH-SIM-6", date: "20261130", time: "081500", products };
const events = ["EA1*EGS*20261129*2215**0", "EA2*EGS*3*1", "EA3*12*20261130*0815*0*20261123*0810*0"];

const files = {
  // the reference file: CRLF, CCYYMMDD dates, G85 and SE right, PA7 per payment device
  "complete-crlf.dex": sealDex(auditLines({ ...base, events })),
  // a maker's proprietary line before DXS (field files start with `MC5*…`)
  "vendor-preamble.dex": sealDex(auditLines({ ...base, events }), {
    preamble: ["MC5*QHMAKER*EvaData*List10*Version_1.2.3"],
  }),
  // YYMMDD dates (ID5, EA1, EA3) and an HHMM time
  "yymmdd-dates.dex": sealDex(
    auditLines({
      ...base,
      date: "261130",
      time: "0815",
      events: ["EA1*EGS*261129*2215**0", "EA2*EGS*3*1", "EA3*12*261130*0815*0*261123*0810*0"],
    }),
  ),
  // product names padded with trailing spaces to a fixed width (part of the CRC)
  "padded-names.dex": sealDex(auditLines({ ...base, padNames: 22, events })),
  // LF-only line endings: the G85 is still the CRC over CRLF lines
  "lf-only.dex": sealDex(auditLines({ ...base, events }), { eol: "\n" }),
  // SE counts wrong, CRC right: never rejected for the count
  "wrong-se-count.dex": sealDex(auditLines({ ...base, events }), { seCount: 12 }),
  // a G85 that does not match the data (a VA1 digit changed after the CRC was written)
  "corrupt-g85.dex": corrupt(sealDex(auditLines({ ...base, events }))),
  // cut short in the middle of a PA7 line: no G85, SE or DXE
  "truncated.dex": truncate(sealDex(auditLines({ ...base, events }))),
  // a maker that writes a preamble and ends without G85/SE/DXE at a line end
  "maker-no-trailer.dex": sealDex(auditLines({ ...base, events }), {
    preamble: ["MC5*QHMAKER*EvaData*List10*Version_0.9"],
    g85: null,
    trailer: false,
  }),
  // segments this parser does not interpret (kept, not lost) among known ones
  "unknown-segments.dex": sealDex(
    auditLines({
      ...base,
      extra: [
        "CB1*QHCB0001*QH-VMC*1.0.4",
        "BA1*QHBILL0001*QH-BILL*0200",
        "TA2*0*0*0*0",
        "ZZ9*vendor*specific*42",
      ],
      events,
    }),
  ),
  // PA7 per payment device with cash, two cashless readers and tokens, two price lists
  "pa7-breakdown.dex": sealDex(pa7Lines()),
  // product 1 given in two PA1 blocks (its vends split across them: 30+10 cash, 70+5 cashless,
  // 115 in all as in the reference file); G85 right: a duplicate_product warning, counters summed
  "duplicate-product.dex": sealDex(
    auditLines({
      ...base,
      products: [
        { ...products[0], cash: { init: 30, reset: 3 }, cashless: { init: 70, reset: 8 } },
        ...products.slice(1),
        { ...products[0], cash: { init: 10, reset: 1 }, cashless: { init: 5, reset: 1 } },
      ],
      events,
    }),
  ),
  // a negative counter (PA2 of product 4: -4 vends, -1000): a field error (negative_value), G85 right
  "negative-counter.dex": sealDex(
    auditLines({ ...base, events }).map((l) => (l.startsWith("PA2*51*") ? "PA2*-4*-1000*7*1750" : l)),
  ),
  // 400 segments from DXS to DXE (the parse-time benchmark)
  "segments-400.dex": sealDex(big(400)),
};

function corrupt(text) {
  return text.replace(/^VA1\*(\d)/m, (_m, d) => `VA1*${(Number(d) + 1) % 10}`);
}

function truncate(text) {
  const at = text.indexOf("PA7*4*DA");
  return text.slice(0, at + 14);
}

function pa7Lines() {
  const lines = auditLines({ ...base, products: products.slice(0, 2), pa7: false, events });
  const at = lines.findIndex((l) => l.startsWith("LA1*"));
  // product 1: 115 since init = 40 cash + 60 DA + 10 DB + 5 TA; product 2: 76 = 12 CA + 64 DA
  const pa7 = {
    1: [
      "PA7*1*CA*0*200*40*8000*4*800",
      "PA7*1*DA*0*200*55*11000*8*1600",
      "PA7*1*DA*1*180*5*900*1*180",
      "PA7*1*DB*0*200*10*2000*0*0",
      "PA7*1*TA*0*200*5*1000*0*0",
    ],
    2: ["PA7*2*CA*0*350*12*4200*1*350", "PA7*2*DA*0*350*64*22400*6*2100", "PA7*2*DB*0*350*0*0*0*0"],
  };
  const out = [];
  for (const l of lines.slice(0, at)) {
    out.push(l);
    const m = /^PA2\*/.test(l) ? out.findLast((x) => x.startsWith("PA1*")) : undefined;
    if (m) out.push(...pa7[m.split("*")[1]]);
  }
  return out.concat(lines.slice(at));
}

function big(total) {
  const many = [];
  for (let i = 1; many.length < 1000; i++) {
    const price = 100 + (i % 9) * 50;
    many.push({
      number: String(i),
      name: `Product ${i}`,
      price,
      cash: { init: i, reset: i % 3 },
      cashless: { init: 2 * i, reset: i % 4 },
    });
  }
  // fixed segments (DXS … DA2, LA1 per product, MA5, G85, SE, DXE) + 4 per product (PA1, PA2, 2×PA7)
  let n = 0;
  let lines = [];
  while (true) {
    lines = auditLines({ ...base, products: many.slice(0, n + 1), events });
    if (lines.length + 3 > total) break;
    n++;
  }
  lines = auditLines({ ...base, products: many.slice(0, n), events });
  const missing = total - (lines.length + 3);
  for (let k = 0; k < missing; k++) lines.splice(lines.length - 1, 0, `MA5*FILL*${k}`);
  return lines;
}

for (const [name, text] of Object.entries(files)) {
  writeFileSync(join(dir, name), text, "latin1");
  process.stdout.write(`${name}: ${text.length} bytes\n`);
}
