import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Credentials, hashSecret, verifySecret } from "../../../src/store/credentials.js";
import { dbFile } from "../../../src/store/db.js";
import { Ledger } from "../../../src/store/ledger.js";
import { useTempDb } from "../../helpers/temp-db.js";

const store = useTempDb();
afterEach(() => {});

describe("command ledger", () => {
  it("records started then done, and never begins the same id twice", () => {
    const l = new Ledger(store.db);
    expect(l.get("c1")).toBeUndefined();
    expect(l.begin("c1", "locker.open", 1000)).toBe(true);
    expect(l.get("c1")).toEqual({ state: "started", name: "locker.open", receivedAt: 1000 });
    expect(l.begin("c1", "locker.open", 2000)).toBe(false);
    l.finish("c1", { id: "c1", status: "ok", result: { opened: true } });
    expect(l.get("c1")).toMatchObject({ state: "done", result: { status: "ok", result: { opened: true } } });
  });
  it("survives reopening the database (a restart)", () => {
    new Ledger(store.db).begin("c2", "ping", 5);
    store.reopen();
    expect(new Ledger(store.db).get("c2")?.state).toBe("started");
  });
  it("prunes old entries", () => {
    const l = new Ledger(store.db);
    l.begin("old", "ping", 1);
    l.begin("new", "ping", 100);
    expect(l.prune(50)).toBe(1);
    expect(l.get("old")).toBeUndefined();
    expect(l.get("new")).toBeDefined();
  });
});

describe("device credentials", () => {
  it("hashes with scrypt and verifies in constant time", async () => {
    const h = await hashSecret("correct horse");
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifySecret("correct horse", h)).toBe(true);
    expect(await verifySecret("correct horsE", h)).toBe(false);
    expect(await verifySecret("x", "garbage")).toBe(false);
    expect(await hashSecret("correct horse")).not.toBe(h); // salted
  });
  it("never stores the secret in clear", async () => {
    const c = new Credentials(store.db);
    await c.add("dev-1", "generic-mqtt", "very-secret-value-123");
    store.db.pragma("wal_checkpoint(TRUNCATE)");
    const bytes = readFileSync(dbFile(store.dir));
    expect(bytes.includes(Buffer.from("very-secret-value-123"))).toBe(false);
    expect(await c.verify("dev-1", "very-secret-value-123")).toMatchObject({
      id: "dev-1",
      model: "generic-mqtt",
    });
    expect(await c.verify("dev-1", "nope-nope-nope")).toBeUndefined();
  });
  it("recognises a verified secret without scrypt, and forgets it when the device is re-provisioned", async () => {
    const c = new Credentials(store.db);
    await c.add("dev-2", "generic-mqtt", "first-secret-value");
    const both = await Promise.all([
      c.verify("dev-2", "first-secret-value"),
      c.verify("dev-2", "first-secret-value"),
    ]);
    expect(both.map((r) => r?.id)).toEqual(["dev-2", "dev-2"]);
    c.remove("dev-2");
    expect(await c.verify("dev-2", "first-secret-value")).toBeUndefined();
    await c.add("dev-2", "generic-mqtt", "second-secret-value");
    expect(await c.verify("dev-2", "first-secret-value")).toBeUndefined();
    expect(await c.verify("dev-2", "second-secret-value")).toMatchObject({ id: "dev-2" });
  });
  it("refuses bad ids, short secrets, duplicates, and unknown removals with codes", async () => {
    const c = new Credentials(store.db);
    await expect(c.add("bad id!", "generic-mqtt", "long-enough")).rejects.toMatchObject({
      code: "QH_DEVICE_INVALID",
    });
    await expect(c.add("d", "generic-mqtt", "short")).rejects.toMatchObject({
      code: "QH_DEVICE_SECRET_INVALID",
      hint: expect.stringMatching(/at least 8 characters/),
    });
    await c.add("d", "generic-mqtt", "long-enough");
    await expect(c.add("d", "generic-mqtt", "long-enough")).rejects.toMatchObject({
      code: "QH_DEVICE_EXISTS",
    });
    expect(() => c.remove("ghost")).toThrow(expect.objectContaining({ code: "QH_DEVICE_UNKNOWN" }));
    expect(c.list().map((d) => d.id)).toEqual(["d"]);
  });
});
