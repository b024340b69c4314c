/**
 * What the device broker checks in a device's PUBLISH before anything else reads it (pure: no
 * I/O, no state): the topic is in the scheme and the device's own, the payload is within
 * `deviceBroker.maxPayload`, valid UTF-8, at most MAX_JSON_DEPTH levels deep and a JSON object, and
 * an event's type is well formed. A failed check is a drop reason; the broker acknowledges and
 * drops (MQTT 3.1.1 has no negative PUBACK: MQTT-3.3.5-2), counting it per device and reason.
 */
import { isUtf8 } from "node:buffer";
import { EVENT_TYPE_RE } from "../../core/envelope.js";
import { jsonTextTooDeep } from "../../core/json-depth.js";
import { type DeviceTopic, parseDeviceTopic } from "../../uplink/topics.js";

export type DropReason =
  | "oversize"
  | "not_json"
  | "not_object"
  | "bad_topic"
  | "bad_type"
  | "other_device"
  | "bad_metrics"
  | "too_deep"
  | "too_many_types";

/** Why a dropped device publish was dropped, in words (a refused cmd-result's failure message). */
export const DROP_REASON_TEXT: Record<DropReason, string> = {
  oversize: "larger than deviceBroker.maxPayload",
  not_json: "not JSON (or not UTF-8)",
  not_object: "not a JSON object",
  bad_topic: "topic outside the scheme",
  bad_type: "bad event type",
  other_device: "another device's topic",
  bad_metrics: "bad metrics",
  too_deep: "nested too deep",
  too_many_types: "a new event type past the device's limit of distinct types",
};

/** A PUBLISH that passed: its parsed topic, its text and its JSON object. */
export interface CheckedPublish {
  t: DeviceTopic;
  text: string;
  value: object;
}

/**
 * Check one PUBLISH of the authenticated device `device`.
 * @param payload the packet's payload bytes
 * @param maxPayload bytes (deviceBroker.maxPayload)
 * @returns the checked publish, or the reason to drop it
 */
export function checkPublish(
  device: string,
  topic: string,
  payload: Buffer,
  maxPayload: number,
): CheckedPublish | DropReason {
  const t = parseDeviceTopic(topic);
  if (!t) return "bad_topic";
  if (t.device !== device) return "other_device";
  if (payload.length > maxPayload) return "oversize";
  // toString would replace invalid sequences with U+FFFD: a device's data is never altered
  if (!isUtf8(payload)) return "not_json";
  // before any recursive processing (JSON.stringify, schemas): MAX_JSON_DEPTH levels at most
  if (jsonTextTooDeep(payload)) return "too_deep";
  const text = payload.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not_json";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not_object";
  if (t.kind === "evt" && !EVENT_TYPE_RE.test(t.type)) return "bad_type";
  return { t, text, value };
}
