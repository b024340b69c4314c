/**
 * Every command's errors against the contract: a `QH_` code, a hint line, no stack, and the exit
 * code (tests/helpers/cli-table.ts). One row per case, each a real CLI child process; "other
 * programs" on the ports are real listeners in this process. The verticals' commands (cold, vend,
 * dex, store, sim cold-fault, sim vend): cli-exit-codes-verticals.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { parse, stringify } from "yaml";
import { type CliRow, cliTable } from "../helpers/cli-table.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";

const dir = tempDir("qh-exit-");
const TOKEN = "exit-codes-token-0123456789";
let ports: { api: number; dev: number; up: number; busy: number; other: number; notQh: number };
let busy: Server;
let otherGateway: HttpServer;
let notQh: HttpServer;

function file(name: string, cfg: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof cfg === "string" ? cfg : stringify(cfg));
  return f;
}

function site(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gateway: { id: "gw-exit", site: "s" },
    dataDir: join(dir, "data"),
    simulate: true,
    deviceBroker: { host: "127.0.0.1", port: ports.dev },
    uplink: { url: "embedded", embeddedPort: ports.up, password: "uplink-pass-xyz", username: "u" },
    api: { host: "127.0.0.1", port: ports.api, token: TOKEN },
    buses: [
      {
        id: "bus-a",
        path: "sim://bus-a",
        protocol: "lockboard-xor",
        devices: [{ id: "locker-a", model: "demo-bank-24", address: 1 }],
      },
    ],
    locker: { terminals: [{ id: "kiosk-x", banks: ["locker-a"] }] },
    ...over,
  };
}

beforeAll(async () => {
  ports = {
    api: await freePort(),
    dev: await freePort(),
    up: await freePort(),
    busy: await freePort(),
    other: await freePort(),
    notQh: await freePort(),
  };
  busy = createServer();
  await new Promise<void>((r) => busy.listen(ports.busy, "127.0.0.1", () => r()));
  // another gateway (another id) on a port, and a web server that is no gateway at all
  otherGateway = createHttpServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ gateway: "gw-someone-else", site: "x", version: "0.1.0", bootId: "b" }));
  });
  notQh = createHttpServer((_req, res) => {
    res.statusCode = 404;
    res.end("<html>not found</html>");
  });
  await new Promise<void>((r) => otherGateway.listen(ports.other, "127.0.0.1", () => r()));
  await new Promise<void>((r) => notQh.listen(ports.notQh, "127.0.0.1", () => r()));
});
afterAll(async () => {
  await new Promise((r) => busy.close(r));
  await new Promise((r) => otherGateway.close(r));
  await new Promise((r) => notQh.close(r));
});

const good = () => file("good.yaml", site());
const rows: CliRow[] = [
  { name: "--version", args: () => ["--version"], exit: 0, match: [/\d+\.\d+\.\d+/] },
  { name: "unknown command", args: () => ["frobnicate"], exit: 2, match: [/QH_USAGE: unknown command/] },
  {
    name: "bad --log-level",
    args: () => ["start", "--log-level", "loud", "-c", good()],
    exit: 2,
    match: [/QH_USAGE: .*--log-level/],
  },
  {
    name: "config check: valid",
    args: () => ["config", "check", "-c", good()],
    exit: 0,
    match: [/config OK/, /API 127\.0\.0\.1:\d+/],
  },
  {
    name: "config check: every problem with its key path",
    args: () => [
      "config",
      "check",
      "-c",
      file("bad.yaml", site({ api: { port: 70000 }, deviceBroker: { port: "x" }, uplnk: {} })),
    ],
    exit: 2,
    match: [/QH_CONFIG_INVALID/, /3 problems/, /api\.port/, /deviceBroker\.port/, /uplnk/],
  },
  {
    name: "config check: an unreadable uplink TLS file (what start would read)",
    args: () => [
      "config",
      "check",
      "-c",
      file(
        "tls.yaml",
        site({
          uplink: { url: "mqtts://platform.example:8883", tls: { ca: join(dir, "no-such-ca.pem") } },
        }),
      ),
    ],
    exit: 2,
    match: [/QH_UPLINK_CONFIG: uplink\.tls\.ca: cannot read .*no-such-ca\.pem/],
  },
  {
    name: "config check: a cold zone bound to a controller the site does not have (the start's cross-checks)",
    args: () => [
      "config",
      "check",
      "-c",
      file(
        "cold-zone.yaml",
        (() => {
          const c = parse(readFileSync(join(import.meta.dirname, "../../config/default.yaml"), "utf8"));
          c.cold.zones[0].controller = "no-such-controller";
          return c;
        })(),
      ),
    ],
    exit: 2,
    match: [/QH_CONFIG_INVALID: cold\.zones\[0\]\.controller: no cold-controller device no-such-controller/],
  },
  {
    name: "config check: missing file",
    args: () => ["config", "check", "-c", join(dir, "nope.yaml")],
    exit: 2,
    match: [/QH_CONFIG_UNREADABLE/],
  },
  {
    name: "config show: secrets masked, flags applied",
    args: () => ["config", "show", "-c", good(), "--api-port", "12345"],
    exit: 0,
    match: [/port: 12345/, /token: "\*{8}"/, /password: "\*{8}"/],
    not: [new RegExp(TOKEN), /uplink-pass-xyz/],
  },
  {
    name: "a port flag that is no port",
    args: () => ["config", "check", "-c", good(), "--api-port", "http"],
    exit: 2,
    match: [/QH_USAGE: .*--api-port.*'http' is invalid/],
  },
  {
    name: "a port variable that is no port",
    args: () => ["config", "check", "-c", good()],
    env: () => ({ QH_UPLINK_PORT: "99999" }),
    exit: 2,
    match: [/QH_USAGE: .*QH_UPLINK_PORT/],
  },
  {
    name: "moved ports that clash",
    args: () => ["config", "check", "-c", good(), "--api-port", "4444", "--device-broker-port", "4444"],
    exit: 2,
    match: [/QH_CONFIG_INVALID/, /api\.port: port 4444 is also deviceBroker\.port/],
  },
  {
    name: "start: a listening port in use",
    args: () => ["start", "-c", good(), "--uplink-port", String(ports.busy)],
    exit: 2,
    match: () => [
      /QH_PORT_IN_USE: nothing was started/,
      new RegExp(`uplink\\.embeddedPort: 127\\.0\\.0\\.1:${ports.busy} is already in use`),
      /--uplink-port N \(or QH_UPLINK_PORT=N\)/,
    ],
    not: [/EADDRINUSE/, /deviceBroker\.port/],
  },
  {
    name: "sim against a gateway that is not running",
    args: () => ["sim", "pickup", "123456", "-c", good()],
    exit: 1,
    match: [/QH_GATEWAY_UNREACHABLE/, /Start the gateway first/],
  },
  {
    name: "sim against another gateway on the port",
    args: () => ["sim", "pickup", "123456", "-c", good(), "--api-port", String(ports.other)],
    exit: 1,
    match: [/QH_GATEWAY_MISMATCH: gateway "gw-someone-else" answers/],
  },
  {
    name: "sim against something that is no gateway",
    args: () => ["sim", "courier-deposit", "-c", good(), "--api-port", String(ports.notQh)],
    exit: 1,
    match: [/QH_GATEWAY_MISMATCH: .*not a quarterhour gateway/],
  },
  {
    name: "sim courier-deposit --size XXL (checked before any session)",
    args: () => ["sim", "courier-deposit", "--size", "XXL", "-c", good()],
    exit: 2,
    match: [/QH_USAGE: .*'XXL' is invalid.*XS, S, M, L, XL/],
  },
  {
    name: "sim courier-deposit --barcode with a space",
    args: () => ["sim", "courier-deposit", "--barcode", "a b", "-c", good()],
    exit: 2,
    match: [/QH_USAGE: --barcode/],
  },
  {
    name: "sim pickup with a malformed code",
    args: () => ["sim", "pickup", "1!", "-c", good()],
    exit: 2,
    match: [/QH_USAGE: pickup code/],
  },
  {
    name: "locker compartments on a site without a locker",
    args: () => ["locker", "compartments", "-c", file("nolocker.yaml", site({ buses: [], locker: {} }))],
    exit: 2,
    match: [/QH_USAGE: .*no serial buses/],
  },
  {
    name: "locker compartments with no gateway and no database",
    args: () => ["locker", "compartments", "-c", good(), "--data-dir", join(dir, "empty")],
    exit: 1,
    match: [/QH_GATEWAY_UNREACHABLE/],
  },
  {
    name: "locker compartments with no gateway and the database of one that ran gone",
    args: () => {
      mkdirSync(join(dir, "lost"), { recursive: true });
      writeFileSync(join(dir, "lost", "store.id"), "0192f0c0-0000-7000-8000-000000000000\n");
      return ["locker", "compartments", "-c", good(), "--data-dir", join(dir, "lost")];
    },
    exit: 3,
    match: [/QH_STORE_MISSING: .*quarterhour\.db is missing/],
  },
  {
    name: "start with a data dir that is a file",
    args: () => {
      writeFileSync(join(dir, "a-file"), "x");
      return ["start", "-c", good(), "--data-dir", join(dir, "a-file")];
    },
    exit: 2,
    match: [/QH_PATH_INVALID: .*a-file/],
  },
  {
    name: "outbox stats",
    args: () => ["outbox", "stats", "--json", "-c", good()],
    exit: 0,
    match: [/"pending":0/],
  },
  {
    name: "device list on a data dir with no store",
    args: () => ["device", "list", "-c", good(), "--data-dir", join(dir, "no-store")],
    exit: 0,
    match: [/^no devices provisioned$/m],
  },
];

describe("every CLI error has a QH_ code, a hint and the contract's exit code", () => {
  cliTable(rows);
});
