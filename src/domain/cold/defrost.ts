/**
 * The defrost alarm bypass of a zone, pure (alarms.ts feeds it). A defrost warms the evaporator
 * and the air "a few degrees" for minutes with the compressor stopped: an expected excursion,
 * which controllers themselves bypass (Carel ir33 d8 "alarm bypass after defrost", Dixell dAO).
 * The bypass is bounded so that it can never hide a real failure:
 * - ceiling: a reading is bypassed only up to the zone's max + `defrostMaxRiseC`; a reading above
 *   it counts as out of range and ends the bypass for this defrost;
 * - a defrost that begins while the zone is out of range, in an excursion run or with a
 *   temperature alarm open gets no bypass (it changes nothing about alarms);
 * - a bypassed reading only keeps an excursion from starting: with a run or an alarm already
 *   there, every reading above the range counts as usual (alarms.ts);
 * - the controller's own `defrosting` flag keeps the bypass until `defrostAlarmDelaySeconds`
 *   after the defrost ends (Carel d8); a `cold.defrost` command grants at most one window per
 *   defrost and never extends a running one: once spent, a command grants nothing until a
 *   reading shows the defrost ended (the flag goes from true to not true), a new defrost began
 *   (the flag goes to true), or, for a controller that reports no defrost state, a reading back
 *   in range after the window ended.
 */

/** The persisted part (in ZoneAlarmState). All times are observation time (elapsed), s. */
export interface DefrostState {
  elapsed: number;
  /** observation time until which readings above the range (up to the ceiling) are bypassed */
  defrostUntil?: number;
  /** the last reading's defrosting flag was true */
  defrostOn?: boolean;
  /** this defrost's window was decided (granted or refused): a command grants nothing more */
  defrostSpent?: boolean;
}

/** Whether a bypass window is running. */
export function bypassActive(st: DefrostState): boolean {
  return st.defrostUntil !== undefined && st.elapsed <= st.defrostUntil;
}

/**
 * A `cold.defrost` command (started or already_running): grants one window of `delay` s when no
 * bypass is running, this defrost's window is not spent, and the zone is `eligible` (in range, no
 * run, no temperature alarm). Never extends a running window; either way the defrost's window is
 * then spent.
 * @returns whether the readings above the range are now bypassed
 */
export function commandDefrost(st: DefrostState, delay: number, eligible: boolean): boolean {
  const active = bypassActive(st);
  const spent = st.defrostSpent;
  st.defrostSpent = true; // this defrost had its window (the running one, or this one)
  if (active) return true;
  if (spent) return false;
  if (delay <= 0 || !eligible) return false;
  st.defrostUntil = st.elapsed + delay;
  return true;
}

/**
 * A reading's defrost flag (undefined: the controller reports none). A rising flag is a new
 * defrost: the window is decided afresh (kept when one runs, else granted if `eligible`); a flag
 * that stays true keeps a running window `delay` s ahead; a falling flag ends the defrost (its
 * window runs out `delay` s after the last reading that said defrosting).
 * @param inRange the reading is inside the zone's range (or null: no value)
 */
export function readingDefrost(
  st: DefrostState,
  delay: number,
  flag: boolean | undefined,
  eligible: boolean,
  inRange: boolean | null,
): void {
  const wasOn = !!st.defrostOn;
  if (flag === true) {
    if (!wasOn) {
      st.defrostSpent = true;
      if (!bypassActive(st) && (delay <= 0 || !eligible)) st.defrostUntil = undefined;
      else if (delay > 0) st.defrostUntil = st.elapsed + delay;
    } else if (bypassActive(st)) st.defrostUntil = st.elapsed + delay;
    st.defrostOn = true;
    return;
  }
  st.defrostOn = undefined;
  if (st.defrostUntil !== undefined && st.elapsed > st.defrostUntil) st.defrostUntil = undefined;
  if (wasOn)
    st.defrostSpent = undefined; // the defrost ended: the next one may be bypassed
  else if (flag === undefined && inRange === true && !bypassActive(st)) st.defrostSpent = undefined;
}

/**
 * Whether reading `t` is bypassed: above the range, within the ceiling, a window running, and no
 * excursion (run or temperature alarm) already under way. A reading above the ceiling ends the
 * window (the rise is no defrost's).
 */
export function bypassed(
  st: DefrostState,
  t: number,
  max: number,
  riseC: number,
  excursion: boolean,
): boolean {
  if (t <= max || !bypassActive(st)) return false;
  if (t > max + riseC) {
    st.defrostUntil = undefined;
    return false;
  }
  return !excursion;
}
