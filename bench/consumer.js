// Consumer, forked by run.js: an mqtt.js client on the upstream broker B that counts events as they
// arrive. A message is either a gateway batch (a JSON array of envelopes, the device payload in
// `data`) or a bridged device payload (the object itself). Latency = arrival − `t` (publish time).
// Events marked `L` are the live events of the backlog scenario, kept apart from the bulk ones.
//
// Messages from run.js:
//   {cmd: "start", url, topics, expect, stallMs}  → {cmd: "ready"}
//   {cmd: "report"}                               → {cmd: "report", ...stats()}
// and on its own, once `expect` distinct bulk events have arrived (or none for `stallMs`):
//                                                 → {cmd: "done", complete, ...stats()}
import mqtt from "mqtt";

let expect = 0;
let bulk = 0;
let dups = 0;
let messages = 0;
let firstAt = 0;
let lastAt = 0;
let onlineAt = 0;
let finished = false;
const lat = [];
const liveT = []; // publish times of live events
const liveLat = [];
const seen = new Map(); // device → Uint8Array indexed by the event's `i`

function take(d, now) {
  if (!d || typeof d.t !== "number") return;
  if (d.L) {
    liveT.push(d.t);
    liveLat.push(now - d.t);
    return;
  }
  let s = seen.get(d.d);
  if (!s) {
    s = new Uint8Array(expect + 1);
    seen.set(d.d, s);
  }
  if (s[d.i]) {
    dups++;
    return;
  }
  s[d.i] = 1;
  bulk++;
  lat.push(now - d.t);
  if (!firstAt) firstAt = now;
  lastAt = now;
}

function onMessage(topic, payload) {
  const now = Date.now();
  if (topic.endsWith("/status") || topic.endsWith("/state")) {
    // the gateway's `R/status` {online: true}, or the Mosquitto bridge's notification "1"
    const text = payload.toString();
    if (!onlineAt && (text === "1" || text.includes('"online":true'))) onlineAt = now;
    return;
  }
  messages++;
  const v = JSON.parse(payload.toString());
  if (Array.isArray(v)) for (const e of v) take(e.data, now);
  else take(v, now);
  if (bulk >= expect) finish(true);
}

function pct(values, p) {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function stats() {
  // live events published while the bulk was still arriving (the backlog scenario's "while draining")
  const during = liveLat.filter((_, k) => !lastAt || liveT[k] <= lastAt);
  const u = process.cpuUsage();
  return {
    cpuS: (u.user + u.system) / 1e6,
    bulk,
    dups,
    messages,
    firstAt,
    lastAt,
    onlineAt,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: pct(lat, 100),
    live: {
      n: during.length,
      total: liveLat.length,
      p50: pct(during, 50),
      p99: pct(during, 99),
      max: pct(during, 100),
    },
  };
}

function finish(complete) {
  if (finished) return;
  finished = true;
  process.send({ cmd: "done", complete, ...stats() });
}

process.on("message", (m) => {
  if (m.cmd === "report") {
    process.send({ cmd: "report", ...stats() });
    return;
  }
  if (m.cmd !== "start") return;
  expect = m.expect;
  const client = mqtt.connect(m.url, {
    clientId: `bench-consumer-${process.pid}`,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  client.on("error", (err) => process.send({ cmd: "error", message: err.message }));
  client.on("message", onMessage);
  client.once("connect", async () => {
    await client.subscribeAsync(Object.fromEntries(m.topics.map((topic) => [topic, { qos: 1 }])));
    let progress = -1;
    let since = Date.now();
    setInterval(() => {
      if (bulk !== progress) {
        progress = bulk;
        since = Date.now();
      } else if (Date.now() - since > m.stallMs) finish(false);
    }, 500).unref();
    process.send({ cmd: "ready" });
  });
});
