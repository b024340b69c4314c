/**
 * The site mode through the whole gateway (issue 11): `site.mode` signed with the platform's
 * Ed25519 key over a real (aedes) uplink; its coded refusals; the mode in /health, in the retained
 * R/status (republished on a change) and in `GET /api/v1/site`; `site.mode_changed` matching its
 * schema; a restart keeps the mode and its history; an emergency's `until` ends it on a synced
 * clock (reason "until"), and not while the clock is unsynchronised (a /health warning instead).
 */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../../src/config/schema.js";
import { ManualClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import type { SyncReading } from "../../../src/core/time-sync.js";
import { extensionsFor } from "../../../src/extensions/index.js";
import { startGateway } from "../../../src/gateway.js";
import { canonicalJson } from "../../../src/uplink/signature.js";
import { contractValidators } from "../../helpers/contract.js";
import { testConfig } from "../../helpers/gateway.js";
import { type Envelope, Platform, startAedes, type Upstream } from "../../helpers/upstream.js";

const R = "qh/v1/gw-test";
const TOKEN = "test-token-0123456789";
const validators = contractValidators();

interface Rig {
  up: Upstream;
  platform: Platform;
  config: Config;
  priv: KeyObject;
  gw: Awaited<ReturnType<typeof startGateway>>;
  boot(): Promise<void>;
  command(name: string, args: Record<string, unknown>, signed?: boolean): Promise<Record<string, unknown>>;
  health(): Promise<Record<string, unknown>>;
  modeEvents(): Envelope[];
  stop(): Promise<void>;
}

async function rig(
  extra: Record<string, unknown> = {},
  clock?: ManualClock,
  timeSync?: () => Promise<SyncReading>,
): Promise<Rig> {
  const kp = generateKeyPairSync("ed25519");
  const raw = kp.publicKey.export({ format: "der", type: "spki" }).subarray(12).toString("base64");
  const up = await startAedes();
  const platform = await Platform.connect(up.url);
  const config = testConfig(up.url, { uplink: { commandKey: raw }, ...extra });
  let n = 0;
  const r: Rig = {
    up,
    platform,
    config,
    priv: kp.privateKey,
    gw: undefined as unknown as Rig["gw"],
    async boot() {
      r.gw = await startGateway({
        config,
        log: silentLogger(),
        extensions: extensionsFor(config),
        ...(clock ? { clock } : {}),
        ...(timeSync ? { timeSync } : {}),
      });
    },
    async command(name, args, signed = true) {
      const id = `cmd-${++n}-${Date.now()}`;
      const body: Record<string, unknown> = {
        gw: "gw-test",
        id,
        args,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      };
      if (signed)
        body.sig = sign(null, Buffer.from(canonicalJson({ ...body, name })), kp.privateKey).toString(
          "base64",
        );
      await platform.client.publishAsync(`${R}/cmd/${name}`, JSON.stringify(body), { qos: 1 });
      const topic = `${R}/cmd-result/${id}`;
      await platform.waitFor(() => platform.topic(topic).length > 0, 10_000, `result of ${id}`);
      const res = JSON.parse(platform.topic(topic)[0]!.payload) as Record<string, unknown>;
      expect(validators.get("cmd-result")!(res)).toBe(true);
      return res;
    },
    async health() {
      const h = await r.gw.api.inject({ method: "GET", url: "/health" });
      const body = h.json() as Record<string, unknown>;
      expect(validators.get("health")!(body), JSON.stringify(validators.get("health")!.errors)).toBe(true);
      return body;
    },
    modeEvents: () => platform.events.filter((e) => e.type === "site.mode_changed"),
    async stop() {
      await r.gw.stop();
      await platform.close();
      await up.stop();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
  await r.boot();
  await platform.waitFor(() => platform.topic(`${R}/status`).length > 0, 10_000, "status");
  return r;
}

const lastStatus = (p: Platform) => {
  const all = p.topic(`${R}/status`);
  return JSON.parse(all[all.length - 1]!.payload) as Record<string, unknown>;
};

describe("site.mode through the whole gateway", () => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.stop();
    r = undefined;
  });

  it("switches on a signed command, refuses bad ones with codes, shows in /health and R/status, survives a restart", async () => {
    r = await rig();
    const rr = r;
    expect((await rr.health()).mode).toMatchObject({ mode: "normal", until: null, reason: null });
    expect(lastStatus(rr.platform)).toMatchObject({ online: true, mode: { mode: "normal" } });
    expect(validators.get("status")!(lastStatus(rr.platform))).toBe(true);

    // unsigned: refused by the core's command path, nothing changes
    const unsigned = await rr.command("site.mode", { mode: "emergency", reason: "flood" }, false);
    expect(unsigned).toMatchObject({ status: "rejected", error: { code: "QH_COMMAND_SIGNATURE" } });
    // bad args: coded refusals
    expect(await rr.command("site.mode", { mode: "emergency", reason: "  " })).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_INVALID" },
    });
    expect(await rr.command("site.mode", { mode: "emergency", reason: "x".repeat(201) })).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_INVALID" },
    });
    expect(await rr.command("site.mode", { mode: "siege", reason: "x" })).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_INVALID" },
    });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect(await rr.command("site.mode", { mode: "normal", reason: "x", until: later })).toMatchObject({
      status: "rejected",
      error: { code: "QH_COMMAND_INVALID" },
    });
    expect(
      await rr.command("site.mode", { mode: "emergency", reason: "x", until: "2020-01-01T00:00:00Z" }),
    ).toMatchObject({ status: "rejected", error: { code: "QH_SITE_UNTIL_PAST" } });
    expect((await rr.health()).mode).toMatchObject({ mode: "normal" });

    const ok = await rr.command("site.mode", { mode: "emergency", reason: "台风 typhoon", until: later });
    expect(ok).toMatchObject({
      status: "ok",
      result: { mode: "emergency", previous: "normal", until: later },
    });
    await rr.platform.waitFor(() => rr.modeEvents().length === 1, 10_000, "site.mode_changed");
    const [ev] = rr.modeEvents();
    expect(ev).toMatchObject({
      device: "gw-test",
      data: { mode: "emergency", previous: "normal", reason: "台风 typhoon", until: later },
    });
    expect(validators.get("event.site.mode_changed")!(ev!.data)).toBe(true);
    expect((await rr.health()).mode).toMatchObject({
      mode: "emergency",
      until: later,
      reason: "台风 typhoon",
    });
    await rr.platform.waitFor(
      () => (lastStatus(rr.platform).mode as { mode: string }).mode === "emergency",
      10_000,
      "status republished",
    );
    expect(validators.get("status")!(lastStatus(rr.platform))).toBe(true);

    // a restart keeps the mode and its history
    await rr.gw.stop();
    await rr.boot();
    expect((await rr.health()).mode).toMatchObject({
      mode: "emergency",
      until: later,
      reason: "台风 typhoon",
    });
    const site = await rr.gw.api.inject({
      method: "GET",
      url: "/api/v1/site/mode",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(site.json()).toMatchObject({
      mode: { mode: "emergency", until: later },
      history: [{ mode: "emergency", previous: "normal", reason: "台风 typhoon" }],
    });
    // the console's overview (GET /api/v1/site) carries it too
    const overview = await rr.gw.api.inject({
      method: "GET",
      url: "/api/v1/site",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(overview.json()).toMatchObject({ mode: "live", siteMode: { mode: "emergency", until: later } });
    // the retained status a newcomer receives carries the mode
    const late = await Platform.connect(rr.up.url, `${R}/status`);
    await late.waitFor(() => late.messages.length > 0, 10_000, "retained status");
    expect(late.messages.at(-1)!.retain).toBe(true);
    expect(JSON.parse(late.messages.at(-1)!.payload)).toMatchObject({
      online: true,
      mode: { mode: "emergency" },
    });
    await late.close();

    const back = await rr.command("site.mode", { mode: "normal", reason: "over" });
    expect(back).toMatchObject({
      status: "ok",
      result: { mode: "normal", previous: "emergency", until: null },
    });
    await rr.platform.waitFor(() => rr.modeEvents().length === 2, 10_000, "second site.mode_changed");
    expect(rr.modeEvents()[1]!.data).toMatchObject({ mode: "normal", previous: "emergency", reason: "over" });
  });

  it("an emergency with `until` ends by itself on a synchronised clock", async () => {
    const clock = new ManualClock(Date.now());
    r = await rig({ clock: { synchronized: "yes" } }, clock);
    const rr = r;
    const until = new Date(clock.now() + 600_000).toISOString();
    expect(await rr.command("site.mode", { mode: "emergency", reason: "storm", until })).toMatchObject({
      status: "ok",
    });
    clock.advance(601_000);
    await rr.platform.waitFor(() => rr.modeEvents().length === 2, 10_000, "the end by until");
    expect(rr.modeEvents()[1]!.data).toMatchObject({
      mode: "normal",
      previous: "emergency",
      reason: "until",
      commandId: null,
    });
    expect((await rr.health()).mode).toMatchObject({ mode: "normal", reason: "until" });
  });

  it("an `until` passed on an unsynchronised clock does not end the emergency until the clock is synced", async () => {
    const clock = new ManualClock(Date.now());
    let reading: SyncReading = { synced: false, via: "timedatectl" };
    r = await rig({ clock: { synchronized: "auto", checkSeconds: 1 } }, clock, async () => reading);
    const rr = r;
    const until = new Date(clock.now() + 600_000).toISOString();
    expect(await rr.command("site.mode", { mode: "emergency", reason: "storm", until })).toMatchObject({
      status: "ok",
    });
    clock.advance(601_000);
    // a few checks go by: still emergency, and /health says why
    await new Promise((res) => setTimeout(res, 2500));
    const h = await rr.health();
    expect(h.mode).toMatchObject({ mode: "emergency" });
    expect((h.warnings as string[]).some((w) => w.startsWith("site mode: emergency until"))).toBe(true);
    expect(rr.modeEvents()).toHaveLength(1);
    reading = { synced: true, via: "timedatectl" };
    await rr.platform.waitFor(() => rr.modeEvents().length === 2, 10_000, "the end once synced");
    expect(rr.modeEvents()[1]!.data).toMatchObject({ mode: "normal", reason: "until" });
  });
});
