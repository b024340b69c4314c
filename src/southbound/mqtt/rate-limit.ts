/**
 * Per-device fairness: a token bucket on the business events a device may have accepted, so one
 * device (broken firmware, a stolen credential) cannot fill the store for everyone else.
 *
 *   each event ─► the device's bucket (refills `ratePerSecond`, holds at most `burst`) ─► a token?
 *     yes ─► ingest as usual          no ─► not acknowledged, the connection closed (MQTT-3.3.5-2)
 *
 * Time is the monotonic clock (`performance.now()`), so a wall-clock step neither empties nor
 * fills a bucket.
 */
import type { Registry } from "prom-client";
import { QhError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { counter } from "../../core/metrics.js";

export interface RateLimitOptions {
  /** sustained events per second per device (> 0) */
  ratePerSecond: number;
  /** events a device may send at once after being quiet (≥ 1) */
  burst: number;
  /** monotonic milliseconds (tests); default performance.now */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class DeviceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly o: RateLimitOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** Take one token for `device`: true if the event may be accepted. */
  take(device: string): boolean {
    const t = this.now();
    let b = this.buckets.get(device);
    if (!b) {
      b = { tokens: this.o.burst, at: t };
      this.buckets.set(device, b);
    }
    b.tokens = Math.min(this.o.burst, b.tokens + ((t - b.at) / 1000) * this.o.ratePerSecond);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forget a device's bucket (its credential removed). */
  forget(device: string): void {
    this.buckets.delete(device);
  }
}

/** The device broker's guard: the limiter, its metric (per device) and its log line. */
export class EventRateGuard {
  private readonly limiter: DeviceRateLimiter;
  private readonly mLimited;

  constructor(
    private readonly o: RateLimitOptions,
    registry: Registry,
    private readonly log: Logger,
  ) {
    this.limiter = new DeviceRateLimiter(o);
    this.mLimited = counter(
      registry,
      "qh_device_events_rate_limited_total",
      "Device events refused (not acknowledged, connection closed) over deviceBroker.maxEventsPerSecond",
      ["device"],
    );
  }

  /** QH_DEVICE_RATE_LIMITED (counted, logged at warn) when `device` is over its rate, else undefined. */
  refusal(device: string): QhError | undefined {
    if (this.limiter.take(device)) return undefined;
    this.mLimited.inc({ device });
    this.log.warn(
      { device, maxEventsPerSecond: this.o.ratePerSecond, burst: this.o.burst },
      "device over its event rate: event not acknowledged, connection closed",
    );
    return new QhError("QH_DEVICE_RATE_LIMITED", `device ${device} is over its event rate`);
  }
}
