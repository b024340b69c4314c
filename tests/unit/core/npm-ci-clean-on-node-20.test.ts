/**
 * The README promises Node.js 20.19 or newer (package.json `engines.node`), so `npm ci` must not
 * warn EBADENGINE on Node 20.19: every package the lock file installs must accept the oldest Node
 * the project itself accepts. (cookie@2.0.2, pulled in by light-my-request, wanted Node 22; the
 * `overrides` in package.json pin cookie 1.x there.) The lock file is what `npm ci` installs, and
 * it records each package's `engines`, so it is checked here with npm's own range semantics
 * (semver); a check that `npm ci` itself is quiet needs the network and a full install.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  lockfileVersion: number;
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe("npm ci is clean on the oldest Node the README promises", () => {
  const oldest = semver.minVersion(pkg.engines.node)?.version;

  it("the project's engines name a Node 20 release", () => {
    expect(oldest).toBeDefined();
    expect(semver.major(oldest!)).toBe(20);
  });

  it("every package in the lock file accepts it", () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2); // v2+ records engines per package
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
      if (range && !semver.satisfies(oldest!, range)) refused.push(`${path}@${p.version}: node ${range}`);
    }
    expect(refused).toEqual([]);
  });
});
