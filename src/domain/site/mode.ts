/**
 * The site mode service (issue 11, emergency supply): implements `SiteMode` (mode-types.ts) for the
 * verticals, runs the platform's `site.mode` command and ends an `emergency` with `until` by itself.
 *
 *   site.mode (signed, ledger, expiry: the core's command router) ─► validate ─► one transaction
 *   (site_mode + site_mode_history) ─► listeners (vending, lockers) ─► site.mode_changed event
 *   timer (checkMs) ─► synced clock past `until` ─► the same change to `normal`, reason "until"
 *
 * The end time is trusted only on a synchronised clock: while the gateway's wall clock is not
 * synchronised, a passed `until` does not end the emergency (a wrong clock must not lift the
 * rationing early); /health warns, and the emergency ends at the first check once the clock is
 * synchronised again (or by a `site.mode normal` command).
 */
import type { Clock } from "../../core/clock.js";
import { type CommandHandler, refusal } from "../../core/command.js";
import type { EventSink, JsonObject } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import { parseIsoTime } from "../../core/iso-time.js";
import type { Logger } from "../../core/logger.js";
import { type ModeChange, SiteModeStore } from "./mode-store.js";
import type { SiteMode, SiteModeName, SiteModeState } from "./mode-types.js";

/** Longest `reason` accepted, characters. */
export const REASON_MAX = 200;
/** The event every change of mode emits (docs/contract/v1/event.site.mode_changed.schema.json). */
export const MODE_CHANGED = "site.mode_changed";

export interface SiteModeOptions {
  db: ConstructorParameters<typeof SiteModeStore>[0];
  events: EventSink;
  clock: Clock;
  log: Logger;
  /** the envelope's `device` of `site.mode_changed`: the gateway's id (the event is site-wide) */
  gatewayId: string;
  /** how often an `until` is checked against the clock, ms (default 1000) */
  checkMs?: number;
}

/** The `site.mode` command's arguments, checked. */
export interface ModeArgs {
  mode: SiteModeName;
  reason: string;
  until: string | null;
}

/**
 * Check `site.mode`'s args: `mode` emergency|normal, `reason` 1-REASON_MAX characters (trimmed),
 * `until` (ISO 8601 with a zone, only with emergency, after `now`). Returns `until` in UTC.
 * @throws QhError QH_COMMAND_INVALID naming every problem; QH_SITE_UNTIL_PAST (both refusals)
 */
export function parseModeArgs(args: JsonObject, now: number): ModeArgs {
  const problems: string[] = [];
  const known = new Set(["mode", "reason", "until"]);
  for (const k of Object.keys(args))
    if (!known.has(k)) problems.push(`args.${k}: not an argument of site.mode`);
  const { mode, reason, until } = args;
  if (mode !== "emergency" && mode !== "normal") problems.push('args.mode: must be "emergency" or "normal"');
  if (typeof reason !== "string" || reason.trim().length === 0)
    problems.push("args.reason: required, a non-empty string");
  else if (reason.length > REASON_MAX) problems.push(`args.reason: at most ${REASON_MAX} characters`);
  let untilIso: string | null = null;
  if (until !== undefined && until !== null) {
    if (mode === "normal") problems.push("args.until: only with mode emergency");
    else {
      const ms = parseIsoTime(until);
      if (ms === undefined)
        problems.push(
          "args.until: an ISO 8601 time with a zone and a real calendar date (e.g. 2026-12-01T08:00:00Z)",
        );
      else untilIso = new Date(ms).toISOString();
    }
  }
  if (problems.length > 0) throw refusal(new QhError("QH_COMMAND_INVALID", problems.join("; ")));
  if (untilIso !== null && Date.parse(untilIso) <= now)
    throw refusal(
      new QhError(
        "QH_SITE_UNTIL_PAST",
        `args.until: ${untilIso} is not in the future (gateway clock ${new Date(now).toISOString()})`,
      ),
    );
  return { mode: mode as SiteModeName, reason: (reason as string).trim(), until: untilIso };
}

/** True when `a` asks for the mode `s` already is (see `SiteModeService.set`). */
export function isRepeat(s: SiteModeState, a: ModeArgs): boolean {
  if (s.mode !== a.mode) return false;
  return a.mode === "normal" || (s.reason === a.reason && s.until === a.until);
}

/** What /health `mode`, R/status `mode` and the kiosk's `siteMode` carry. */
export interface ModeSummary {
  mode: SiteModeName;
  since: string;
  until: string | null;
  reason: string | null;
}

/** The public part of a mode state (no command id). */
export function modeSummary(s: SiteModeState): ModeSummary {
  return { mode: s.mode, since: s.since, until: s.until, reason: s.reason };
}

export class SiteModeService implements SiteMode {
  private readonly store: SiteModeStore;
  private state: SiteModeState;
  private readonly listeners = new Set<(next: SiteModeState, previous: SiteModeState) => void>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly o: SiteModeOptions) {
    this.store = new SiteModeStore(o.db);
    this.state = this.store.load(new Date(o.clock.now()).toISOString(), !o.clock.synced());
  }

  current(): SiteModeState {
    return { ...this.state };
  }

  onChange(listener: (next: SiteModeState, previous: SiteModeState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last changes, newest first (the console, the CLI). */
  history(limit = 50): ModeChange[] {
    return this.store.history(limit);
  }

  /**
   * Change the mode (the `site.mode` command or the end of an `until`). The new mode is committed,
   * then `site.mode_changed` is sent (awaited; an event the store refuses now is sent again at the
   * next check or start: the history row is its outbox), then the listeners run: the events they
   * cause (e.g. `distribution.unclaimed` on leaving emergency) come after the change's own.
   *
   * A repeat is no change (`changed: false`: no history row, no event, no listener, `since`
   * kept): `normal` while normal (whatever the reason), `emergency` while in emergency with the
   * same reason and `until`. `emergency` with another reason or `until` is a change.
   */
  async set(
    a: ModeArgs,
    commandId: string | null,
  ): Promise<{ state: SiteModeState; previous: SiteModeState; changed: boolean }> {
    const previous = this.current();
    if (isRepeat(previous, a)) return { state: previous, previous, changed: false };
    const now = this.o.clock.now();
    const next: SiteModeState = {
      mode: a.mode,
      reason: a.reason,
      since: new Date(now).toISOString(),
      until: a.until,
      commandId,
      ...(this.o.clock.synced() ? {} : { clockUnsynced: true }),
    };
    this.store.change(next, previous.mode); // throws the store's error: nothing changed
    this.state = next;
    this.o.log.warn(
      { mode: next.mode, previous: previous.mode, reason: next.reason, until: next.until, commandId },
      `site mode: ${next.mode}`,
    );
    await this.flushEvents();
    for (const l of this.listeners) {
      try {
        l(this.current(), previous);
      } catch (err) {
        this.o.log.error({ err }, "site mode listener failed");
      }
    }
    return { state: this.current(), previous, changed: true };
  }

  /** The platform command `site.mode` (docs/contract.md). */
  commands(): Record<string, CommandHandler> {
    return {
      "site.mode": async (args, ctx) => {
        const a = parseModeArgs(args, this.o.clock.now());
        const { state, previous, changed } = await this.set(a, ctx.id);
        return {
          mode: state.mode,
          previous: previous.mode,
          changed,
          since: state.since,
          until: state.until,
          reason: state.reason,
        };
      },
    };
  }

  /** Send the changes whose event is not in the event store yet, in order (one at a time). */
  flushEvents(): Promise<void> {
    this.sending = this.sending.then(async () => {
      for (const c of this.store.unemitted()) {
        try {
          await this.o.events.emit({
            device: this.o.gatewayId,
            type: MODE_CHANGED,
            ts: Date.parse(c.at),
            data: {
              mode: c.mode,
              previous: c.previous,
              reason: c.reason,
              since: c.at,
              until: c.until,
              commandId: c.commandId,
              ...(c.clockUnsynced ? { clockUnsynced: true } : {}),
            },
          });
          this.store.markEmitted(c.n);
        } catch (err) {
          this.o.log.error(
            { err, change: c.n },
            "site.mode_changed not stored yet: sent again at the next check",
          );
          return;
        }
      }
    });
    return this.sending;
  }

  /** An `emergency` whose `until` passed on a synchronised clock ends (reason "until"). */
  async check(): Promise<void> {
    const s = this.state;
    if (s.mode !== "emergency" || s.until === null) return;
    if (!this.o.clock.synced() || this.o.clock.now() < Date.parse(s.until)) return;
    await this.set({ mode: "normal", reason: "until", until: null }, null);
  }

  /** /health `warnings`: an `until` passed while the clock is not synchronised. */
  warnings(): string[] {
    const s = this.state;
    if (
      s.mode === "emergency" &&
      s.until !== null &&
      !this.o.clock.synced() &&
      this.o.clock.now() >= Date.parse(s.until)
    )
      return [
        `site mode: emergency until ${s.until} has passed by the unsynchronised clock: it ends once the clock is synchronised (or by site.mode normal)`,
      ];
    return [];
  }

  /** The mode for /health, R/status and the kiosk: `{ mode, since, until, reason }`. */
  summary(): ModeSummary {
    return modeSummary(this.state);
  }

  start(): void {
    void this.flushEvents();
    const tick = () => {
      this.check()
        .then(() => this.flushEvents())
        .catch((err: unknown) => this.o.log.error({ err }, "site mode check failed; tried again"));
    };
    tick();
    this.timer = setInterval(tick, this.o.checkMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sending;
  }
}
