import { Registry } from "prom-client";
import type { Clock } from "../../src/core/clock.js";
import type { CommandHandler, CommandResult } from "../../src/core/command.js";
import { silentLogger } from "../../src/core/logger.js";
import type { Db } from "../../src/store/db.js";
import { Ledger } from "../../src/store/ledger.js";
import { CommandRouter } from "../../src/uplink/command-router.js";

/**
 * A CommandRouter over a real ledger (the gateway's migrated SQLite database), unsigned, for
 * gateway `gw-test`: `send(name, body)` passes the body as the uplink would (JSON bytes) and
 * returns the result published.
 */
export function routerOver(
  db: Db,
  clock: Clock,
  handlers: Record<string, CommandHandler>,
  opts: { maxLifetimeMs?: number } = {},
) {
  const ledger = new Ledger(db);
  const router = new CommandRouter({
    gatewayId: "gw-test",
    ledger,
    clock,
    log: silentLogger(),
    registry: new Registry(),
    publishResult: () => {},
    ...opts,
  });
  router.registerAll(handlers);
  let n = 0;
  return {
    router,
    ledger,
    /** A command with a fresh id expiring in a minute unless the body says otherwise. */
    async send(name: string, body: Record<string, unknown>): Promise<CommandResult> {
      const full = {
        id: `c-${++n}`,
        expiresAt: new Date(clock.now() + 60_000).toISOString(),
        ...body,
      };
      const r = await router.handleMessage(name, Buffer.from(JSON.stringify(full)));
      if (!r) throw new Error("no answer");
      return r;
    },
  };
}
