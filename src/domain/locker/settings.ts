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
