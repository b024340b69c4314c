// A lean MQTT device peer for the benches (issue 13): the same `connect`/`run` messages as load.js,
// but each device is a bare TCP socket speaking MQTT 3.1.1 through mqtt-packet's generator, the way
// a device's own small stack (or many devices on their own CPUs) would: every read of PUBACKs is
// answered with the next PUBLISHes in one socket write. It spends a few µs per event where MQTT.js
// (load.js) spends tens, so that on a 2-core bench machine the devices' CPU does not stand in for the
// disk the bench is about. Asserts nothing; prints nothing; answers its parent over IPC.
//
// Packets it expects from the gateway (MQTT 3.1.1 §3.2 CONNACK, §3.4 PUBACK): both are four bytes,
// fixed header 0x20 or 0x40, remaining length 2. Anything else is reported as an error.
import { connect as tcp } from "node:net";
import mqttPacket from "mqtt-packet";
import { cpuSeconds, payload, runSpread } from "./device-peer.js";

const devices = new Map(); // id → { socket, topic, onAcks }

function connectOne(url, d) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tcp({ host: hostname, port: Number(port), noDelay: true });
    const dev = { socket, topic: d.topic, onAcks: undefined, pending: Buffer.alloc(0) };
    const fail = (err) => reject(new Error(`${d.id}: ${err.message}`));
    socket.once("error", fail);
    socket.once("connect", () => {
      socket.write(
        mqttPacket.generate({
          cmd: "connect",
          protocolId: "MQTT",
          protocolVersion: 4,
          clean: true,
          clientId: d.id,
          keepalive: 60,
          username: d.password ? d.id : undefined,
          password: d.password ? Buffer.from(d.password) : undefined,
        }),
      );
    });
    let connected = false;
    socket.on("data", (chunk) => {
      let buf = dev.pending.length ? Buffer.concat([dev.pending, chunk]) : chunk;
      let acks = 0;
      while (buf.length >= 4) {
        const type = buf[0];
        if (buf[1] !== 2 || (type !== 0x20 && type !== 0x40)) {
          socket.destroy();
          process.send({
            cmd: "error",
            message: `${d.id}: unexpected packet 0x${buf.subarray(0, 4).toString("hex")}`,
          });
          return;
        }
        if (type === 0x20) {
          if (buf[3] !== 0) return fail(new Error(`CONNACK return code ${buf[3]}`));
          connected = true;
          socket.off("error", fail);
          socket.on("error", (err) => process.send({ cmd: "error", message: `${d.id}: ${err.message}` }));
          resolve(dev);
        } else acks++;
        buf = buf.subarray(4);
      }
      dev.pending = buf;
      if (acks > 0) dev.onAcks?.(acks);
    });
    socket.once("close", () => {
      if (!connected) fail(new Error("connection closed before CONNACK"));
    });
  });
}

/** `n` events from one device, at most `inflight` unacknowledged; resolves when all are acked. */
function publishMany(dev, id, n, inflight, size, stats) {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    let messageId = 0;
    const send = (k) => {
      const out = [];
      for (let j = 0; j < k && sent < n; j++) {
        messageId = (messageId % 65535) + 1;
        out.push(
          mqttPacket.generate({
            cmd: "publish",
            topic: dev.topic,
            payload: payload(id, sent++, size),
            qos: 1,
            messageId,
            retain: false,
            dup: false,
          }),
        );
      }
      if (out.length) dev.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
    };
    dev.onAcks = (k) => {
      acked += k;
      stats.acked += k;
      if (acked >= n) {
        dev.onAcks = undefined;
        resolve();
      } else send(k);
    };
    if (n === 0) resolve();
    else send(inflight);
  });
}

function run({ devices: ids, total, inflight, size }) {
  return runSpread(ids, total, (id, n, stats) => publishMany(devices.get(id), id, n, inflight, size, stats));
}

process.on("message", async (m) => {
  try {
    switch (m.cmd) {
      case "connect": {
        const list = await Promise.all(m.devices.map((d) => connectOne(m.url, d)));
        for (const [k, d] of m.devices.entries()) devices.set(d.id, list[k]);
        process.send({ cmd: "connected" });
        break;
      }
      case "run": {
        const cpu0 = cpuSeconds();
        const r = await run(m);
        process.send({ cmd: "ran", ...r, cpuS: cpuSeconds() - cpu0 });
        break;
      }
      case "close":
        for (const d of devices.values()) d.socket.end();
        process.send({ cmd: "closed" });
        process.exit(0);
    }
  } catch (err) {
    process.send({ cmd: "error", message: err?.stack ?? String(err) });
  }
});
