// Load for the locker bench: one MQTT device publishing QoS 1 events at a steady rate.
import mqtt from "mqtt";

const [port, rate] = process.argv.slice(2).map(Number);
const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
  username: "load-1",
  password: "load-secret-123",
  clientId: "load-1",
});
c.on("connect", () => {
  const perTick = Math.max(1, Math.round(rate / 100));
  setInterval(() => {
    for (let i = 0; i < perTick; i++)
      c.publish("dev/load-1/evt/vend.completed", `{"n":${i},"pad":"${"x".repeat(150)}"}`, { qos: 1 });
  }, 10);
});
