/**
 * The site's service mode (issue 11, emergency supply: 应急保供). One mode per gateway, switched by
 * the platform's signed `site.mode` command and kept in SQLite; the verticals read it through
 * `SiteSeams.siteMode` (src/extensions/seams.ts) and never store their own copy.
 *
 * - `normal`: every compartment and slot in normal service.
 * - `emergency`: lockers may run distribution rounds (bulk contactless hand-out), vending machines
 *   sell only the essentials the platform marked, rationed per household per day.
 */
export type SiteModeName = "normal" | "emergency";

/** What the mode is now. Times are ISO 8601 UTC strings from the gateway's wall clock. */
export interface SiteModeState {
  mode: SiteModeName;
  /** why (the command's `reason`); null for the initial `normal` */
  reason: string | null;
  /** when this mode began (wall clock; `clockUnsynced` says whether the clock was trusted then) */
  since: string;
  /** when an `emergency` ends by itself (the command's optional end time), else null */
  until: string | null;
  /** the `site.mode` command that set it; null for the initial `normal` */
  commandId: string | null;
  /** true when `since` was taken while the wall clock was not synced */
  clockUnsynced?: boolean;
}

/** The mode as the verticals see it (read-only). */
export interface SiteMode {
  current(): SiteModeState;
  /**
   * Called after every change, once the change is durable (the mode's row committed) and its
   * `site.mode_changed` event sent (or kept in the outbox if the event store refused it), in the
   * order the changes happened; never for a repeat (no change). Returns a function that removes
   * the listener.
   */
  onChange(listener: (next: SiteModeState, previous: SiteModeState) => void): () => void;
}
