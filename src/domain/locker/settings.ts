import { QhError } from "../../core/errors.js";

export interface LockerSettings {
  /** A deposited parcel is overdue this long after the deposit. */
  pickupWindowHours: number;
  /** Digits of a generated pickup code. */
  codeLength: number;
  /** Wrong codes at one terminal, within wrongCodeWindowMinutes, before it is locked out. */
  maxWrongCodes: number;
  lockoutMinutes: number;
  /** The window in which wrong codes are counted (defaults to lockoutMinutes). */
  wrongCodeWindowMinutes: number;
  /**
   * Site-wide guard: this many wrong codes (pickup and courier, at all terminals together) within
   * siteWindowHours put the whole site into slowed mode (kiosk.guessing_suspected): then a code is
   * taken only siteWindowHours / siteMaxWrongCodes after the last wrong one, at any terminal.
   */
  siteMaxWrongCodes: number;
  siteWindowHours: number;
  /** A door open longer than this raises door.left_open (once per opening). */
  doorLeftOpenSeconds: number;
  /** A deposit session with no progress for this long is abandoned. */
  courierTimeoutSeconds: number;
  /** A door that has not opened this long after its pulse is jammed. */
  doorOpenTimeoutSeconds: number;
}

export const DEFAULT_LOCKER_SETTINGS: Readonly<LockerSettings> = Object.freeze({
  pickupWindowHours: 48,
  codeLength: 6,
  maxWrongCodes: 5,
  lockoutMinutes: 15,
  wrongCodeWindowMinutes: 15,
  siteMaxWrongCodes: 30,
  siteWindowHours: 24,
  doorLeftOpenSeconds: 120,
  courierTimeoutSeconds: 120,
  doorOpenTimeoutSeconds: 10,
});

const LIMITS: Record<keyof LockerSettings, [number, number]> = {
  pickupWindowHours: [1, 24 * 365],
  codeLength: [4, 12],
  maxWrongCodes: [1, 100],
  lockoutMinutes: [1, 24 * 60],
  wrongCodeWindowMinutes: [1, 24 * 60],
  siteMaxWrongCodes: [1, 10_000],
  siteWindowHours: [1, 24 * 30],
  doorLeftOpenSeconds: [5, 24 * 3600],
  courierTimeoutSeconds: [10, 3600],
  doorOpenTimeoutSeconds: [1, 120],
};

/** Defaults filled in, every value checked: a bad value is a config error naming the key. */
export function resolveSettings(partial: Partial<LockerSettings> = {}): LockerSettings {
  const out: LockerSettings = {
    ...DEFAULT_LOCKER_SETTINGS,
    wrongCodeWindowMinutes: partial.lockoutMinutes ?? DEFAULT_LOCKER_SETTINGS.wrongCodeWindowMinutes,
  };
  for (const key of Object.keys(LIMITS) as (keyof LockerSettings)[]) {
    const v = partial[key];
    if (v === undefined) continue;
    const [min, max] = LIMITS[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new QhError("QH_CONFIG_INVALID", `locker.${key}: must be an integer from ${min} to ${max}`);
    }
    out[key] = v;
  }
  return out;
}

/** Slowed mode's spacing between two wrong codes, site-wide, in milliseconds. */
export function slowedIntervalMs(s: LockerSettings): number {
  return Math.ceil((s.siteWindowHours * 3_600_000) / s.siteMaxWrongCodes);
}

/**
 * The expected time, in years, for someone with the API token to guess one of `storedCodes` live
 * pickup codes of `codeLength` digits, at the most wrong codes the site-wide guard lets through:
 * at most siteMaxWrongCodes per window before slowed mode plus as many again in slowed mode, i.e.
 * 2 × siteMaxWrongCodes per siteWindowHours, whatever the number of terminals. Random guesses
 * without repeats need (10^codeLength + 1) / (storedCodes + 1) tries on average.
 */
export function expectedYearsToGuess(s: LockerSettings, storedCodes: number): number {
  const space = 10 ** s.codeLength;
  const tries = (space + 1) / (Math.max(1, storedCodes) + 1);
  const perHour = (2 * s.siteMaxWrongCodes) / s.siteWindowHours;
  return tries / perHour / (24 * 365.25);
}

/**
 * The fewest digits (from `from` up to 12) a code needs so that one of `storedCodes` live codes
 * takes at least `years` to guess at the guard's limit (expectedYearsToGuess with that length);
 * undefined when even 12 digits are not enough (lower locker.siteMaxWrongCodes). Used for the
 * platform's bundle codes (distribution.load), whose rounds hold far more codes than compartments.
 */
export function minCodeLength(
  s: LockerSettings,
  storedCodes: number,
  years = 1,
  from = s.codeLength,
): number | undefined {
  for (let len = Math.max(4, from); len <= 12; len++)
    if (expectedYearsToGuess({ ...s, codeLength: len }, storedCodes) >= years) return len;
  return undefined;
}
