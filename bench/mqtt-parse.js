// What mqtt-packet's `debug` loggers cost per PUBLISH parsed while DEBUG is unset, and what the
// gateway saves by silencing them (src/core/quiet-debug.ts). `node bench/mqtt-parse.js [rounds]`
// after `npm run build`; standalone; prints figures and their ratio, asserts nothing. Method and
// figures: docs/performance.md (issue 13, sixth pass).
//
// Each round starts two fresh Node processes, one after the other, alternating which goes first:
//   real    mqtt-packet as installed (its debug loggers off, as they are with DEBUG unset)
//   quiet   the same, after quietDebug() as bin/quarterhour.js calls it
// Each parses the same PUBLISH (QoS 1, a bench device's topic, a 220-byte JSON payload) in chunks
// of 20 packets, 200,000 chunks after a warm-up, and prints nanoseconds per packet, the median of
// 7 timings. A module cache is per process: the two cannot share one.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const ROUNDS = Number(process.argv[2] ?? 6);

const PARSE = `
import { createRequire } from "node:module";
const require = createRequire(${JSON.stringify(join(ROOT, "package.json"))});
const mp = require("mqtt-packet");
const payload = Buffer.from(JSON.stringify({ n: 1, pad: "x".repeat(200) }));
const one = mp.generate({ cmd: "publish", topic: "dev/bench-0/evt/vend.completed", payload, qos: 1, messageId: 7 });
const chunk = Buffer.concat(Array.from({ length: 20 }, () => one));
const parser = mp.parser({ protocolVersion: 4 });
let packets = 0;
parser.on("packet", () => packets++);
const time = (k) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < k; i++) parser.parse(chunk);
  return Number(process.hrtime.bigint() - t) / (k * 20);
};
time(5000);
const ns = Array.from({ length: 7 }, () => time(200000 / 7)).sort((a, b) => a - b)[3];
if (packets === 0) throw new Error("nothing parsed");
process.stdout.write(String(ns));
`;

function run(quiet) {
  const script = quiet
    ? `import { quietDebug } from ${JSON.stringify(join(ROOT, "dist/core/quiet-debug.js"))}; quietDebug();\n${PARSE}`
    : PARSE;
  const { DEBUG: _unset, ...env } = process.env;
  return Number(
    execFileSync(process.execPath, ["--input-type=module", "-e", script], { env, encoding: "utf8" }),
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const real = [];
const quiet = [];
const ratios = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? [false, true] : [true, false];
  const got = {};
  for (const q of order) got[q] = run(q);
  real.push(got[false]);
  quiet.push(got[true]);
  ratios.push(got[true] / got[false]);
  process.stderr.write(
    `  round ${r + 1}/${ROUNDS}: real ${got[false].toFixed(0)} ns, quiet ${got[true].toFixed(0)} ns\n`,
  );
}
console.log("mqtt-packet PUBLISH parse, ns per packet (median of rounds [min–max])");
for (const [name, xs] of [
  ["debug loggers as installed (off)", real],
  ["quietDebug() first", quiet],
]) {
  console.log(
    `${name.padEnd(36)}${median(xs).toFixed(0)} [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`,
  );
}
console.log(`${"quiet ÷ real, median per round".padEnd(36)}${median(ratios).toFixed(2)}`);
