/**
 * `quarterhour terminal pair T` and `quarterhour terminal revoke T`: kiosk terminal pairing through
 * the running gateway's API (checked to be this config's gateway; pairing codes live in its memory,
 * so there is no offline fallback). Errors: QH_GATEWAY_UNREACHABLE (exit 1: start the gateway),
 * QH_GATEWAY_MISMATCH, QH_LOCKER_TERMINAL_UNKNOWN (exit 2, the declared terminals named).
 */
import { pagesBase } from "../api/site-auth.js";
import { type GatewayOpts, readConfig } from "./common.js";
import { connectGateway } from "./gateway-client.js";

interface Pairing {
  terminal: string;
  pairingCode: string;
  expiresAt: string;
  pairUrl: string;
}

/** Prints a one-time pairing code for `terminal` and where to enter it. */
export async function terminalPair(terminal: string, opts: GatewayOpts & { json?: boolean }): Promise<void> {
  const config = readConfig(opts);
  const gw = await connectGateway(config);
  const p = await gw.call<Pairing>("POST", `/terminals/${encodeURIComponent(terminal)}/pairing`, {});
  const url = `${pagesBase(config, config.api.port)}${p.pairUrl}`;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...p, url })}\n`);
    return;
  }
  process.stdout.write(
    `pairing code for ${p.terminal}: ${p.pairingCode}\n` +
      `  one use, valid until ${p.expiresAt}\n` +
      `  open ${url} on the terminal's screen and enter it\n`,
  );
}

/** Revokes `terminal`'s credential: its screen shows the pairing screen again. */
export async function terminalRevoke(
  terminal: string,
  opts: GatewayOpts & { json?: boolean },
): Promise<void> {
  const config = readConfig(opts);
  const gw = await connectGateway(config);
  const r = await gw.call<{ terminal: string; revoked: number }>(
    "DELETE",
    `/terminals/${encodeURIComponent(terminal)}/credential`,
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  process.stdout.write(
    r.revoked > 0
      ? `revoked ${r.terminal}'s credential: its screen must pair again (quarterhour terminal pair ${r.terminal})\n`
      : `${r.terminal} had no live credential: nothing to revoke\n`,
  );
}
