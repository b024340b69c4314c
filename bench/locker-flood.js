// Flood for the locker bench: CONNECTs with a wrong password at a steady rate (default 100/s), each on
// its own TCP connection, as a password-guessing script would send them. Every connection is closed
// on its CONNACK or after 3 s. Args: port, rate per second, username.
import { connect } from "node:net";
import mqttPacket from "mqtt-packet";

const [portArg, rateArg, username = "victim-1"] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg ?? 100);
let n = 0;
const once = () => {
  n++;
  const bytes = mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clean: true,
    clientId: username,
    keepalive: 30,
    username,
    password: Buffer.from(`wrong-guess-${n}`),
  });
  const s = connect(port, "127.0.0.1", () => s.write(bytes));
  const t = setTimeout(() => s.destroy(), 3000);
  s.on("data", () => {
    clearTimeout(t);
    s.destroy();
  });
  s.on("error", () => clearTimeout(t));
  s.on("close", () => clearTimeout(t));
};
// 10 ms ticks: rate/100 connects per tick
const perTick = rate / 100;
let owed = 0;
setInterval(() => {
  owed += perTick;
  while (owed >= 1) {
    owed--;
    once();
  }
}, 10);
