/**
 * The same table as cli-exit-codes.test.ts for the commands the verticals added: `cold export`,
 * `vend stock|restock|audit`, `sim vend`, `sim cold-fault`, `dex parse` and `store …`, plus the ids
 * a `sim` command takes from its command line (`--terminal`, `--device`), which are checked against
 * the config before anything is sent (exit 2, like `--size XXL`). Each row is a CLI child process on
 * the demo config (config/default.yaml) with its ports moved to free ones where nothing listens, so
 * a gateway someone runs on 8080 is never reached; "another gateway" is a real HTTP listener here.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { parse, stringify } from "yaml";
import { runCliAsync } from "../helpers/cli.js";
import { type CliRow, cliTable } from "../helpers/cli-table.js";
import { tempDir } from "../helpers/gateway.js";
import { freePort } from "../helpers/upstream.js";
import { DEX_DIR } from "../unit/dex/samples.js";

const ROOT = join(import.meta.dirname, "../..");
const DEMO = join(ROOT, "config/default.yaml");
const dir = tempDir("qh-exit-v-");
const sample = (name: string) => join(DEX_DIR, "samples", name);
let ports: { api: number; dev: number; up: number; other: number };
let otherGateway: HttpServer;
/** A data dir holding a new, empty store (made with `store new` in beforeAll). */
const STORE = join(dir, "store");
const FROM = "2026-01-01T00:00:00Z";
const TO = "2030-01-01T00:00:00Z";

beforeAll(async () => {
  ports = { api: await freePort(), dev: await freePort(), up: await freePort(), other: await freePort() };
  otherGateway = createHttpServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ gateway: "gw-someone-else", site: "x", version: "0.1.0", bootId: "b" }));
  });
  await new Promise<void>((r) => otherGateway.listen(ports.other, "127.0.0.1", () => r()));
  const made = await runCliAsync(["store", "new", "-c", DEMO, "--data-dir", STORE]);
  expect(made.status, made.stderr).toBe(0);
});
afterAll(async () => {
  await new Promise((r) => otherGateway.close(r));
});

/** The demo's ports moved to free ones (nothing listens there) and a data dir of its own. */
const env = (data = "data") => ({
  QH_CONFIG: DEMO,
  QH_DATA_DIR: join(dir, data),
  QH_API_PORT: String(ports.api),
  QH_DEVICE_BROKER_PORT: String(ports.dev),
  QH_UPLINK_PORT: String(ports.up),
});

/** The demo config changed by `edit`, written to a file of its own. */
function demoWith(name: string, edit: (c: Record<string, unknown>) => void): string {
  const c = parse(readFileSync(DEMO, "utf8")) as Record<string, unknown>;
  edit(c);
  const f = join(dir, name);
  writeFileSync(f, stringify(c));
  return f;
}

const row = (r: Omit<CliRow, "env"> & { data?: string }): CliRow => ({ ...r, env: () => env(r.data) });

const rows: CliRow[] = [
  // ---- cold export ----
  row({
    name: "cold export: a zone the config does not have",
    args: () => ["cold", "export", "--zone", "nope", "--from", FROM, "--to", TO],
    exit: 2,
    match: [/QH_COLD_ZONE_UNKNOWN: --zone nope: the config declares chilled, frozen/],
  }),
  row({
    name: "cold export: a --from that is no ISO time",
    args: () => ["cold", "export", "--zone", "chilled", "--from", "yesterday", "--to", TO],
    exit: 2,
    match: [/QH_COLD_INPUT_INVALID: --from/],
  }),
  row({
    name: "cold export: --format xml",
    args: () => ["cold", "export", "--zone", "chilled", "--from", FROM, "--to", TO, "--format", "xml"],
    exit: 2,
    match: [/QH_USAGE: .*'xml' is invalid/],
  }),
  row({
    name: "cold export: --from missing",
    args: () => ["cold", "export", "--zone", "chilled", "--to", TO],
    exit: 2,
    match: [/QH_USAGE: required option '--from <iso>'/],
  }),
  row({
    name: "cold export: a data dir without a database",
    args: () => ["cold", "export", "--zone", "chilled", "--from", FROM, "--to", TO],
    exit: 3,
    match: [/QH_STORE_MISSING: there is no database at .*quarterhour\.db/],
  }),
  row({
    name: "cold export: a store the cold chain never wrote",
    data: "store",
    args: () => ["cold", "export", "--zone", "chilled", "--from", FROM, "--to", TO],
    exit: 0,
    match: [/^seq,time,temperatureC,quality,clock$/m],
  }),
  // ---- vend stock | restock | audit ----
  row({
    name: "vend stock without --device on a one-machine site: the only machine (no gateway running)",
    args: () => ["vend", "stock"],
    exit: 1,
    match: [/QH_GATEWAY_UNREACHABLE/],
  }),
  row({
    name: "vend stock without --device on a two-machine site (before any request)",
    args: () => [
      "vend",
      "stock",
      "-c",
      demoWith("two-vending.yaml", (c) => {
        const buses = c.buses as Record<string, unknown>[];
        buses.push({
          id: "vend-b",
          path: "sim://vend-b",
          protocol: "mdb-bridge-text",
          devices: [{ id: "vending-b", model: "mdb-vending-machine" }],
        });
      }),
    ],
    exit: 2,
    match: [/QH_USAGE: --device: which vending machine \(vending-a, vending-b\)/],
  }),
  row({
    name: "vend stock without --device on a site with no vending machine",
    args: () => [
      "vend",
      "stock",
      "-c",
      demoWith("no-vending-stock.yaml", (c) => {
        const buses = c.buses as { protocol: string }[];
        c.buses = buses.filter((b) => b.protocol !== "mdb-bridge-text");
        delete c.vending;
        delete c.planogram;
      }),
    ],
    exit: 2,
    match: [/QH_USAGE: this config has no vending machine/],
  }),
  row({
    name: "vend stock with no gateway running",
    args: () => ["vend", "stock", "--device", "vending-a"],
    exit: 1,
    match: [/QH_GATEWAY_UNREACHABLE/, /Start the gateway first/],
  }),
  row({
    name: "vend restock with neither --slot nor --full (before any request)",
    args: () => ["vend", "restock", "--device", "vending-a"],
    exit: 2,
    match: [/QH_USAGE: give --slot SLOT=COUNT/],
  }),
  row({
    name: "vend restock --slot 3=x",
    args: () => ["vend", "restock", "--device", "vending-a", "--slot", "3=x"],
    exit: 2,
    match: [/QH_USAGE: .*'3=x' is invalid.*SLOT=COUNT/],
  }),
  row({
    name: "vend audit against another gateway on the port",
    args: () => ["vend", "audit", "--device", "vending-a", "--api-port", String(ports.other)],
    exit: 1,
    match: [/QH_GATEWAY_MISMATCH: gateway "gw-someone-else" answers/],
  }),
  // ---- sim vend ----
  row({
    name: "sim vend phone --item abc",
    args: () => ["sim", "vend", "phone", "--item", "abc"],
    exit: 2,
    match: [/QH_USAGE: --item "abc"/],
  }),
  row({
    name: "sim vend cash --device that is no vending machine (checked before the gateway)",
    args: () => ["sim", "vend", "cash", "--device", "locker-a"],
    exit: 2,
    match: [/QH_VEND_MACHINE_UNKNOWN: --device locker-a: the config's vending machines are vending-a/],
  }),
  row({
    name: "sim vend on a site with no vending machine",
    args: () => [
      "sim",
      "vend",
      "cash",
      "-c",
      demoWith("no-vending.yaml", (c) => {
        const buses = c.buses as { protocol: string }[];
        c.buses = buses.filter((b) => b.protocol !== "mdb-bridge-text");
        delete c.vending;
        delete c.planogram;
      }),
    ],
    exit: 2,
    match: [/QH_USAGE: this config has no vending machine/],
  }),
  row({
    name: "sim vend on a site whose uplink is a real platform (the CLI cannot play it)",
    args: () => [
      "sim",
      "vend",
      "cash",
      "-c",
      demoWith("real-uplink.yaml", (c) => {
        (c.uplink as Record<string, unknown>).url = "mqtts://platform.example:8883";
      }),
    ],
    exit: 2,
    match: [/QH_USAGE: sim vend plays the platform on the embedded uplink/],
  }),
  row({
    name: "sim vend cash with no gateway running",
    args: () => ["sim", "vend", "cash"],
    exit: 1,
    match: [/QH_GATEWAY_UNREACHABLE/],
  }),
  // ---- sim cold-fault ----
  row({
    name: "sim cold-fault with an unknown fault",
    args: () => ["sim", "cold-fault", "chilled", "bogus"],
    exit: 2,
    match: [/QH_USAGE: fault "bogus": one of door-open, compressor, power, probe/],
  }),
  row({
    name: "sim cold-fault in a zone the config does not have",
    args: () => ["sim", "cold-fault", "nozone"],
    exit: 2,
    match: [/QH_USAGE: zone "nozone": the config declares chilled, frozen/],
  }),
  row({
    name: "sim cold-fault without a zone",
    args: () => ["sim", "cold-fault"],
    exit: 2,
    match: [/QH_USAGE: missing required argument 'zone'/],
  }),
  row({
    name: "sim cold-fault --terminal the site does not have (checked before the gateway)",
    args: () => ["sim", "cold-fault", "chilled", "--terminal", "nope"],
    exit: 2,
    match: [/QH_LOCKER_TERMINAL_UNKNOWN: --terminal nope: the site's kiosk terminals are kiosk-a/],
  }),
  row({
    name: "sim cold-fault with no gateway running",
    args: () => ["sim", "cold-fault", "chilled"],
    exit: 1,
    match: [/QH_GATEWAY_UNREACHABLE/],
  }),
  // ---- sim courier-deposit / pickup: --terminal ----
  row({
    name: "sim courier-deposit --terminal the site does not have",
    args: () => ["sim", "courier-deposit", "--terminal", "nope"],
    exit: 2,
    match: [/QH_LOCKER_TERMINAL_UNKNOWN: --terminal nope/],
  }),
  row({
    name: "sim pickup --terminal the site does not have",
    args: () => ["sim", "pickup", "123456", "--terminal", "nope"],
    exit: 2,
    match: [/QH_LOCKER_TERMINAL_UNKNOWN: --terminal nope/],
  }),
  // ---- dex parse (no config, no gateway) ----
  row({
    name: "dex parse: a file that verifies",
    args: () => ["dex", "parse", sample("complete-crlf.dex")],
    exit: 0,
    match: [/verified/i],
  }),
  row({
    name: "dex parse: a wrong G85 (a verdict: printed, not to be trusted)",
    args: () => ["dex", "parse", sample("corrupt-g85.dex")],
    exit: 1,
    match: [/QH_DEX_INTEGRITY: .*corrupt-g85\.dex: corrupt/],
  }),
  row({
    name: "dex parse: a file that is not there",
    args: () => ["dex", "parse", join(dir, "nope.dex")],
    exit: 2,
    match: [/QH_PATH_INVALID: .*nope\.dex/],
  }),
  row({
    name: "dex parse: a file that is no DEX",
    args: () => {
      writeFileSync(join(dir, "notes.txt"), "hello\n");
      return ["dex", "parse", join(dir, "notes.txt")];
    },
    exit: 2,
    match: [/QH_DEX_INVALID: .*no DXS line/],
  }),
  row({
    name: "dex parse without a file",
    args: () => ["dex", "parse"],
    exit: 2,
    match: [/QH_USAGE: missing required argument 'file'/],
  }),
  // ---- store ----
  row({
    name: "store check: no database",
    args: () => ["store", "check"],
    exit: 3,
    match: [/QH_STORE_MISSING/],
  }),
  row({
    name: "store backup: no database to back up",
    args: () => ["store", "backup", join(dir, "backup-none.db")],
    exit: 3,
    match: [/QH_STORE_MISSING: there is no database to back up/],
  }),
  row({
    name: "store recover --min-seq x",
    args: () => ["store", "recover", "--min-seq", "x"],
    exit: 2,
    match: [/QH_USAGE: --min-seq must be a positive integer/],
  }),
  row({
    name: "store check: a healthy store",
    data: "store",
    args: () => ["store", "check"],
    exit: 0,
    match: [/quarterhour\.db: ok/, /last seq: 0/],
  }),
  row({
    name: "store backup onto a file that exists",
    data: "store",
    args: () => {
      copyFileSync(DEMO, join(dir, "taken.db"));
      return ["store", "backup", join(dir, "taken.db")];
    },
    exit: 2,
    match: [/QH_USAGE: .*taken\.db exists: name a new file/],
  }),
  row({
    name: "store new over a healthy store",
    data: "store",
    args: () => ["store", "new"],
    exit: 2,
    match: [/QH_USAGE: .*refusing to replace a healthy store/],
  }),
];

describe("the verticals' commands: a QH_ code, a hint and the contract's exit code", () => {
  cliTable(rows);
});
