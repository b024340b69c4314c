// Vending benchmark (opt-in scenario "vend" of `npm run bench`: BENCH_SCENARIOS=vend; alone:
// `node bench/vend.js`, after `npm run build`).
//
// The gateway's share of a select-first authorisation, a whole gateway in this process (SQLite
// FULL in a temp dir, the embedded uplink broker, a simulated vending machine on an in-process
// line paced at 115200 baud) and a platform client on the uplink:
//
//   in   the vend request line's last byte reaches the gateway's end of the line
//        → vend.authorize received by the platform client (a request on R/dev/{d}/req/vend.authorize,
//          published at once, nothing stored on its path; one local broker hop)
//   out  vend.authorize.result reaches the gateway (its command router)
//        → the approve line (C,VEND) handed to the gateway's end of the line (the command router:
//          ledger write, expiry; the reader). The broker hop platform → gateway is printed apart.
//
// gateway share = in + out, p50/p99 over N vends (goal: p99 < 5 ms). Also the gateway's own
// histogram (qh_vend_authorize_gateway_seconds: line decoded → event committed, answer handled →
// line written), which leaves out the broker hops. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { pino } from "pino";

const DIST = new URL("../dist/", import.meta.url);
const imp = (p) => import(new URL(p, DIST).href);
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : Number.NaN;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function vendAuthorizeBench({
  vends = 200,
  warmup = 10,
  synchronous = "FULL",
  fsync = "background",
} = {}) {
  const { validateConfig } = await imp("config/load.js");
  const { startGateway } = await imp("gateway.js");
  const { vendingExtension } = await imp("extensions/vending.js");
  const { loadModels } = await imp("config/models.js");
  const dir = mkdtempSync(join(tmpdir(), "qh-bench-vend-"));
  const config = validateConfig({
    gateway: { id: "gw-bench", site: "bench" },
    dataDir: dir,
    simulate: true,
    deviceBroker: { host: "127.0.0.1", port: 0 },
    store: { synchronous, fsync },
    uplink: { url: "embedded", embeddedPort: 0, batch: { maxEvents: 1 } },
    api: { host: "127.0.0.1", port: 0 },
    buses: [
      {
        id: "vend-a",
        path: "sim://vend-a",
        protocol: "mdb-bridge-text",
        devices: [{ id: "vm-a", model: "mdb-vending-machine" }],
      },
    ],
    vending: {
      machines: [{ device: "vm-a", simulator: { prices: { 3: 150 }, setupRepeats: 1, dispenseMs: 0 } }],
    },
  });
  let sim;
  let line;
  const gw = await startGateway({
    config,
    log: pino({ level: "silent" }),
    extensions: [
      vendingExtension(loadModels(), {
        onSimulator: (_id, s, l) => {
          sim = s;
          line = l;
        },
      }),
    ],
  });
  // taps on the gateway's end of the line
  let requestInAt = 0;
  let approveOutAt = 0;
  let tail = "";
  line.on("data", (chunk) => {
    tail = (tail + chunk.toString("latin1")).slice(-64);
    if (/c,STATUS,VEND,\d+,\d+\n$/.test(tail)) requestInAt = performance.now();
  });
  const write = line.write.bind(line);
  line.write = (data) => {
    if (data.toString("latin1").startsWith("C,VEND,")) approveOutAt = performance.now();
    return write(data);
  };
  const until = async (f, what, ms = 10_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`bench vend: timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  const state = async () => {
    const r = await gw.api.inject({ method: "GET", url: "/api/v1/vending/machines" });
    return r.json().machines[0]?.readerState;
  };
  const R = `qh/v1/gw-bench`;
  const client = await mqtt.connectAsync(gw.uplinkUrl, { reconnectPeriod: 0 });
  client.stream.setNoDelay?.(true); // the platform's own socket: not the gateway's share
  // "platform answer in": the command message reaches the gateway's command router
  let answerInAt = 0;
  const hm = gw.router.handleMessage.bind(gw.router);
  gw.router.handleMessage = (name, payload) => {
    if (name === "vend.authorize.result") answerInAt = performance.now();
    return hm(name, payload);
  };
  let authorize;
  let authorizeAt = 0;
  let completed = 0;
  client.on("message", (topic, payload) => {
    if (topic.endsWith("/req/vend.authorize")) {
      authorizeAt = performance.now();
      authorize = JSON.parse(payload.toString());
    } else if (topic.endsWith("/evt/vend.completed")) completed++;
  });
  await client.subscribeAsync([`${R}/dev/+/evt/+`, `${R}/dev/+/req/+`], { qos: 1 });
  for (let i = 0; i < 200 && (await state()) !== "ENABLED"; i++) await sleep(25);

  const inMs = [];
  const outMs = [];
  const hopMs = [];
  const share = [];
  for (let i = 0; i < warmup + vends; i++) {
    authorize = undefined;
    approveOutAt = 0;
    const before = completed;
    if (!sim.select(3)) throw new Error("bench vend: the machine did not ask");
    const req = await until(() => authorize, "vend.authorize");
    const publishedAt = performance.now();
    await client.publishAsync(
      `${R}/cmd/vend.authorize.result`,
      JSON.stringify({
        id: `bench-${i}`,
        args: { device: "vm-a", requestId: req.data.requestId, approved: true, paymentRef: `b-${i}` },
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
      { qos: 1 },
    );
    await until(() => approveOutAt, "the approve line");
    if (i >= warmup) {
      inMs.push(authorizeAt - requestInAt);
      outMs.push(approveOutAt - answerInAt);
      hopMs.push(answerInAt - publishedAt);
      share.push(authorizeAt - requestInAt + (approveOutAt - answerInAt));
    }
    await until(() => completed > before, "vend.completed");
    for (let k = 0; k < 400 && (await state()) !== "ENABLED"; k++) await new Promise((r) => setImmediate(r));
  }
  const h = await gw.registry.getSingleMetric("qh_vend_authorize_gateway_seconds").get();
  const count = h.values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;
  const sum = h.values.find((v) => v.metricName?.endsWith("_sum"))?.value ?? 0;
  await client.endAsync(true);
  await gw.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    vends,
    inP50Ms: quantile(inMs, 0.5),
    inP99Ms: quantile(inMs, 0.99),
    outP50Ms: quantile(outMs, 0.5),
    outP99Ms: quantile(outMs, 0.99),
    hopP50Ms: quantile(hopMs, 0.5),
    hopP99Ms: quantile(hopMs, 0.99),
    shareP50Ms: quantile(share, 0.5),
    shareP99Ms: quantile(share, 0.99),
    ownMeanMs: count ? (sum / count) * 1000 : Number.NaN,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const synchronous = process.env.BENCH_SYNC ?? "FULL";
  const fsync = process.env.BENCH_FSYNC ?? "background";
  const r = await vendAuthorizeBench({ vends: Number(process.env.BENCH_VENDS ?? 200), synchronous, fsync });
  const f = (x) => x.toFixed(2);
  process.stdout.write(
    [
      `select-first authorisation, ${r.vends} vends (gateway in-process, SQLite ${synchronous}, store.fsync ${fsync}, embedded uplink):`,
      `  in  (request line in → vend.authorize at the platform): p50 ${f(r.inP50Ms)} ms, p99 ${f(r.inP99Ms)} ms`,
      `  out (answer in at the gateway → approve line out):     p50 ${f(r.outP50Ms)} ms, p99 ${f(r.outP99Ms)} ms`,
      `  (not the gateway's: platform publish → answer in, one local broker hop: p50 ${f(r.hopP50Ms)} ms, p99 ${f(r.hopP99Ms)} ms)`,
      `  gateway share (in + out):                              p50 ${f(r.shareP50Ms)} ms, p99 ${f(r.shareP99Ms)} ms`,
      `  gateway's own histogram (no broker hops), mean:        ${f(r.ownMeanMs)} ms`,
      "",
    ].join("\n"),
  );
  process.exit(0);
}
