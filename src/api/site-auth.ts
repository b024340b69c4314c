/**
 * The gateway's side of auth: the {@link ApiAuth} for a config (its terminals, its token, the
 * terminal credentials in the store), and what the gateway prints at start so that the pages can be
 * opened: the console's URL and, per kiosk terminal, how to pair it.
 */
import type { Config } from "../config/schema.js";
import { siteTerminals } from "../config/terminals.js";
import type { Logger } from "../core/logger.js";
import type { Db } from "../store/db.js";
import { TerminalCredentials } from "../store/terminal-credentials.js";
import { ApiAuth } from "./auth.js";

/** The auth of a site: `terminals` is read on each call (provisioning may change the config). */
export function siteAuth(config: () => Config, db: Db, now: () => number): ApiAuth {
  return new ApiAuth({
    token: config().api.token,
    credentials: new TerminalCredentials(db, now),
    terminals: () => siteTerminals(config()).map((t) => t.id),
    now,
  });
}

/** The base URL a browser on this machine opens (a wildcard host is reached on loopback). */
export function pagesBase(config: Config, port: number): string {
  const h = config.api.host;
  const host = h === "0.0.0.0" || h === "::" ? "127.0.0.1" : h.includes(":") ? `[${h}]` : h;
  return `http://${host}:${port}`;
}

/**
 * Logs the console URL and, per terminal, how to pair its screen. With `simulate: true` (the demo)
 * each terminal gets a pairing code valid while this process runs, printed here; on a real site
 * (`simulate: false`) never: the installer creates a one-time code (`quarterhour terminal pair T`
 * or the console).
 */
export function announcePages(auth: ApiAuth, config: Config, port: number, log: Logger): void {
  const base = pagesBase(config, port);
  log.info({ url: `${base}/` }, `installer console: ${base}/ (log in with api.token)`);
  for (const t of auth.terminalIds()) {
    const url = `${base}/kiosk/${t}`;
    if (config.simulate) {
      const code = auth.demoPairingCode(t);
      log.info(
        { terminal: t, url, pairingCode: code },
        `kiosk ${t}: open ${url} and enter pairing code ${code} (demo only: valid until the gateway stops)`,
      );
    } else {
      log.info(
        { terminal: t, url },
        `kiosk ${t}: open ${url} on its screen and pair it with a code from \`quarterhour terminal pair ${t}\` or the console`,
      );
    }
  }
}
