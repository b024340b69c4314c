/**
 * Which device ids may hold an MQTT credential (docs/contract.md, "Device identity"): device ids are
 * one namespace across buses and MQTT devices, and a credential is made only for a device declared
 * under `devices:` whose model speaks MQTT (`generic-mqtt` or an `mqtt-device` model), or, with
 * `deviceBroker.allowUndeclaredDevices`, for an undeclared id with an MQTT model. Used by the CLI
 * (no gateway running) and by the gateway's control endpoint (gateway running).
 */
import { type DeviceModel, GENERIC_MQTT_MODEL } from "../../config/models.js";
import type { Config } from "../../config/schema.js";
import { DEVICE_ID_RE } from "../../core/envelope.js";
import { QhError } from "../../core/errors.js";
import type { Credentials } from "../../store/credentials.js";
import { identityRefusal, identityRules } from "./admission.js";

/** Models an MQTT device may use, sorted, each once. */
export function mqttModelIds(models: ReadonlyMap<string, DeviceModel>): string[] {
  const ids = new Set([GENERIC_MQTT_MODEL]);
  for (const m of models.values()) if (m.kind === "mqtt-device") ids.add(m.id);
  return [...ids].sort();
}

/**
 * The model a credential for `id` is made with, or a coded error: `QH_DEVICE_INVALID` (id syntax),
 * `QH_MODEL_UNKNOWN` (no such model, or not an MQTT model), `QH_DEVICE_UNDECLARED` (a serial
 * device, not declared, or declared with another model). `model` undefined: the declared one.
 */
export function provisionableModel(
  config: Config,
  models: ReadonlyMap<string, DeviceModel>,
  id: string,
  model?: string,
): string {
  if (!DEVICE_ID_RE.test(id)) throw new QhError("QH_DEVICE_INVALID", `invalid device id "${id}"`);
  const mqtt = mqttModelIds(models);
  if (model !== undefined && !mqtt.includes(model)) {
    const m = models.get(model);
    throw new QhError(
      "QH_MODEL_UNKNOWN",
      m
        ? `model "${model}" is a ${m.kind} model, not an MQTT device model (MQTT models: ${mqtt.join(", ")})`
        : `unknown model "${model}" (MQTT models: ${mqtt.join(", ")})`,
    );
  }
  const refusal = identityRefusal(identityRules(config), id);
  if (refusal) throw new QhError("QH_DEVICE_UNDECLARED", refusal.message);
  const declared = config.devices.find((d) => d.id === id);
  if (declared && model !== undefined && declared.model !== model) {
    throw new QhError(
      "QH_DEVICE_UNDECLARED",
      `"${id}" is declared with model ${declared.model} in the config, not ${model}`,
    );
  }
  const chosen = declared?.model ?? model;
  if (chosen === undefined) {
    throw new QhError("QH_USAGE", `"${id}" is not declared in the config: give its --model`);
  }
  return chosen;
}

/** Check and store a credential. Throws the errors of {@link provisionableModel}, `QH_DEVICE_EXISTS`,
 * `QH_DEVICE_SECRET_INVALID`. */
export async function provisionDevice(
  credentials: Credentials,
  config: Config,
  models: ReadonlyMap<string, DeviceModel>,
  req: { id: string; model?: string; secret: string },
): Promise<{ id: string; model: string }> {
  const model = provisionableModel(config, models, req.id, req.model);
  await credentials.add(req.id, model, req.secret);
  return { id: req.id, model };
}
