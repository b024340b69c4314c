// Load generator, forked by run.js: device clients (mqtt.js) publishing QoS 1 events of a fixed
// size, each with a window of publishes awaiting their PUBACK. Every payload carries `t`, the
// publish time (Date.now()), for the consumer to compute latency on the same host clock.
//
// Messages from run.js:
//   {cmd: "connect", url, devices: [{id, password?, topic}]}          → {cmd: "connected"}
//   {cmd: "run", devices: [ids], total, inflight, size}               → {cmd: "ran", first, last, acked, errors}
//   {cmd: "live", id, rate, size}  publish one live event every 1/rate s until "stopLive"
//   {cmd: "stopLive"}                                                  → {cmd: "liveStopped", sent, acked}
//   {cmd: "close"}                                                     → {cmd: "closed"}, then exits
import mqtt from "mqtt";
import { cpuSeconds, payload, runSpread } from "./device-peer.js";

const clients = new Map(); // id → {client, topic}
let live;

function connectOne(url, d) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: d.id,
      username: d.password ? d.id : undefined,
      password: d.password,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      keepalive: 60,
    });
    const fail = (err) => {
      client.off("close", onClose);
      reject(err);
    };
    const onClose = () => fail(new Error(`${d.id}: connection closed before CONNACK`));
    client.once("connect", () => {
      client.off("error", fail);
      client.off("close", onClose);
      resolve(client);
    });
    client.once("error", fail);
    client.once("close", onClose);
  });
}

/** Publish `n` events from one client with at most `inflight` unacknowledged; resolves when all are acked. */
function publishMany({ client, topic }, id, n, inflight, size, stats) {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let out = 0;
    const onAck = (err) => {
      out--;
      acked++;
      if (err) stats.errors++;
      else stats.acked++;
      if (acked === n) resolve();
      else next();
    };
    const next = () => {
      while (out < inflight && sent < n) {
        out++;
        client.publish(topic, payload(id, sent++, size, false), { qos: 1 }, onAck);
      }
    };
    if (n === 0) resolve();
    else next();
  });
}

function run({ devices, total, inflight, size }) {
  return runSpread(devices, total, (id, n, stats) =>
    publishMany(clients.get(id), id, n, inflight, size, stats),
  );
}

function startLive({ id, rate, size }) {
  const c = clients.get(id);
  live = { sent: 0, acked: 0 };
  const l = live;
  live.timer = setInterval(() => {
    c.client.publish(c.topic, payload(id, l.sent++, size, true), { qos: 1 }, (err) => {
      if (!err) l.acked++;
    });
  }, 1000 / rate);
}

process.on("message", async (m) => {
  try {
    switch (m.cmd) {
      case "connect": {
        const list = await Promise.all(m.devices.map((d) => connectOne(m.url, d)));
        m.devices.forEach((d, k) => {
          list[k].on("error", (err) => process.send({ cmd: "error", message: `${d.id}: ${err.message}` }));
          clients.set(d.id, { client: list[k], topic: d.topic });
        });
        process.send({ cmd: "connected" });
        break;
      }
      case "run": {
        const cpu0 = cpuSeconds();
        const r = await run(m);
        process.send({ cmd: "ran", ...r, cpuS: cpuSeconds() - cpu0 });
        break;
      }
      case "live":
        startLive(m);
        break;
      case "stopLive":
        clearInterval(live?.timer);
        process.send({ cmd: "liveStopped", sent: live?.sent ?? 0, acked: live?.acked ?? 0 });
        break;
      case "close":
        await Promise.all([...clients.values()].map(({ client }) => client.endAsync().catch(() => {})));
        process.send({ cmd: "closed" });
        process.exit(0);
    }
  } catch (err) {
    process.send({ cmd: "error", message: err?.stack ?? String(err) });
  }
});
