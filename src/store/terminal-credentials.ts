/**
 * Kiosk terminal credentials (component "auth" in schema_version): what a paired kiosk screen holds
 * in its `qh_kiosk` cookie, `{id}.{secret}`. The secret is 32 random bytes; only its SHA-256 is
 * stored (a random 256-bit secret needs no slow hash: nothing can be guessed from its digest). One
 * credential per terminal: pairing again replaces the previous one (one screen per terminal).
 * Revoked rows are kept (when and why) so that a screen is told it was revoked, not just refused.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "./db.js";
import { guardWrite } from "./disk.js";
import { type Migration, migrate } from "./migrate.js";

export const AUTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "terminal credentials",
    up: `CREATE TABLE terminal_credentials (
           id TEXT PRIMARY KEY,
           terminal TEXT NOT NULL,
           secret_sha256 TEXT NOT NULL,
           created_at INTEGER NOT NULL,
           expires_at INTEGER NOT NULL,
           revoked_at INTEGER,
           revoked_why TEXT
         );
         CREATE INDEX terminal_credentials_terminal ON terminal_credentials(terminal);`,
  },
];

/** Runs the "auth" component's migrations. */
export function migrateAuth(db: Db): number {
  return migrate(db, "auth", AUTH_MIGRATIONS);
}

export type CredentialCheck =
  | { ok: true; terminal: string; id: string }
  | { ok: false; why: "unknown" | "revoked" | "expired"; terminal?: string };

interface Row {
  id: string;
  terminal: string;
  secret_sha256: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

export class TerminalCredentials {
  constructor(
    private readonly db: Db,
    /** wall-clock ms */
    private readonly now: () => number = Date.now,
  ) {
    migrateAuth(db);
  }

  /**
   * Issues a credential for `terminal`, valid `lifetimeMs`, revoking the terminal's earlier ones.
   * Returns the cookie value `{id}.{secret}` (shown to nobody but the screen's cookie jar).
   */
  issue(terminal: string, lifetimeMs: number): { value: string; id: string; expiresAt: number } {
    const id = randomBytes(9).toString("base64url");
    const secret = randomBytes(32).toString("base64url");
    const at = this.now();
    guardWrite(this.db, "terminal credentials", () =>
      this.db.transaction(() => {
        this.db
          .prepare(
            "UPDATE terminal_credentials SET revoked_at = ?, revoked_why = 'replaced by a new pairing' WHERE terminal = ? AND revoked_at IS NULL",
          )
          .run(at, terminal);
        this.db
          .prepare(
            "INSERT INTO terminal_credentials (id, terminal, secret_sha256, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
          )
          .run(id, terminal, sha256(secret), at, at + lifetimeMs);
      })(),
    );
    return { value: `${id}.${secret}`, id, expiresAt: at + lifetimeMs };
  }

  /** Checks a cookie value: the terminal it belongs to, or why it is refused. */
  check(value: string): CredentialCheck {
    const dot = value.indexOf(".");
    if (dot <= 0) return { ok: false, why: "unknown" };
    const id = value.slice(0, dot);
    const row = this.db.prepare("SELECT * FROM terminal_credentials WHERE id = ?").get(id) as Row | undefined;
    if (!row) return { ok: false, why: "unknown" };
    const a = Buffer.from(sha256(value.slice(dot + 1)), "hex");
    const b = Buffer.from(row.secret_sha256, "hex");
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, why: "unknown" };
    if (row.revoked_at !== null) return { ok: false, why: "revoked", terminal: row.terminal };
    if (row.expires_at <= this.now()) return { ok: false, why: "expired", terminal: row.terminal };
    return { ok: true, terminal: row.terminal, id };
  }

  /** Revokes every live credential of `terminal`; returns how many. */
  revoke(terminal: string, why = "revoked by the installer"): number {
    return guardWrite(
      this.db,
      "terminal credentials",
      () =>
        this.db
          .prepare(
            "UPDATE terminal_credentials SET revoked_at = ?, revoked_why = ? WHERE terminal = ? AND revoked_at IS NULL",
          )
          .run(this.now(), why, terminal).changes,
    );
  }

  /** The live (not revoked, not expired) credential of each terminal: when it was paired, until when. */
  live(): Map<string, { pairedAt: number; expiresAt: number }> {
    const rows = this.db
      .prepare(
        "SELECT terminal, created_at, expires_at FROM terminal_credentials WHERE revoked_at IS NULL AND expires_at > ?",
      )
      .all(this.now()) as { terminal: string; created_at: number; expires_at: number }[];
    return new Map(rows.map((r) => [r.terminal, { pairedAt: r.created_at, expiresAt: r.expires_at }]));
  }
}
