// What the benches' device peers share (bench/load.js: MQTT.js clients; bench/raw-devices.js: bare
// sockets): the events' payload, the split of a run over the devices, and the peer's own CPU time.

const PAD = "x".repeat(4096);

/** A JSON object of exactly `size` bytes (when `size` leaves room for the fields). */
export function payload(id, i, size, isLive = false) {
  const head = `{"t":${Date.now()},"d":"${id}","i":${i}${isLive ? ',"L":1' : ""},"p":"`;
  return `${head}${PAD.slice(0, Math.max(0, size - head.length - 2))}"}`;
}

/**
 * `total` events spread evenly over `ids` (the last takes the remainder), each device's share sent
 * by `publishMany(id, n, stats)`; resolves with the first and last instants and the acks counted.
 */
export async function runSpread(ids, total, publishMany) {
  const stats = { acked: 0, errors: 0 };
  const per = Math.floor(total / ids.length);
  const first = Date.now();
  await Promise.all(
    ids.map((id, k) => publishMany(id, k === ids.length - 1 ? total - per * (ids.length - 1) : per, stats)),
  );
  return { first, last: Date.now(), ...stats };
}

/** This process's CPU time (user + system), seconds. */
export function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
