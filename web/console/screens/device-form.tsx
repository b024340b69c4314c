/**
 * Adding or editing a device. MQTT models (kind mqtt-device) need an id only: the gateway answers
 * with the device's credentials, shown here once (copy button; they are not kept by the page and
 * cannot be read again: a lost password means a new one). Serial models need a bus, and an
 * address for those with one (scanners and vending bridges have none).
 */
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { type ApplyResult, api } from "../api";
import { ErrorNote, Field } from "../components";
import { useT } from "../i18n";
import type { SiteBus, SiteDevice } from "../site";

export interface Model {
  id: string;
  name?: string;
  kind?: string;
  protocol?: string;
  /** serial | mqtt */
  transport?: string;
}
export interface Device extends SiteDevice {
  name?: string;
  location?: string;
}
export interface Credentials {
  username?: string;
  clientId?: string;
  password?: string;
  secret?: string;
}
export interface SaveAnswer extends ApplyResult {
  device?: Device;
  credentials?: Credentials;
}

const isMqtt = (m?: Model) => m?.transport === "mqtt" || m?.kind === "mqtt-device";
const hasAddress = (m?: Model) => !!m && !isMqtt(m) && m.kind !== "scanner" && m.kind !== "vending-machine";

/** The form; `editing` set = PATCH that device (its id and model stay), else POST a new one. */
export function DeviceForm(props: {
  models: Model[];
  buses: SiteBus[];
  editing?: Device;
  onSaved: (answer: SaveAnswer, id: string) => void;
  onCancel: () => void;
}) {
  const { t } = useT();
  const ed = props.editing;
  const [id, setId] = useState(ed?.id ?? "");
  const [modelId, setModelId] = useState(ed?.model ?? props.models[0]?.id ?? "");
  const model = props.models.find((m) => m.id === modelId);
  const buses = props.buses.filter((b) => !model?.protocol || b.protocol === model.protocol);
  const [bus, setBus] = useState(ed?.bus ?? "");
  const [address, setAddress] = useState(ed?.address === undefined ? "" : String(ed.address));
  const [name, setName] = useState(ed?.name ?? "");
  const [location, setLocation] = useState(ed?.location ?? "");
  const [error, setError] = useState<unknown>(undefined);
  const chosenBus = bus || buses[0]?.id || "";

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const body: Record<string, unknown> = {};
    if (!ed) {
      body.id = id.trim();
      body.model = modelId;
    }
    if (!ed && !isMqtt(model)) body.bus = chosenBus; // a device's bus is not changed by an edit
    if (hasAddress(model) && address !== "") body.address = Number(address);
    if (name.trim()) body.name = name.trim();
    if (location.trim()) body.location = location.trim();
    try {
      const answer = ed
        ? await api<SaveAnswer>("PATCH", `/devices/${encodeURIComponent(ed.id)}`, body)
        : await api<SaveAnswer>("POST", "/devices", body);
      props.onSaved(answer ?? {}, ed?.id ?? (body.id as string));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form onSubmit={submit} class="panel" aria-labelledby="device-form-title">
      <h2 id="device-form-title">{ed ? t("devices.edit", { id: ed.id }) : t("devices.add")}</h2>
      {!ed && (
        <>
          <Field id="f-device-id" label={t("device.id")}>
            <input
              id="f-device-id"
              value={id}
              required
              pattern="[A-Za-z0-9_-]{1,64}"
              onInput={(e) => setId(e.currentTarget.value)}
            />
          </Field>
          <Field id="f-device-model" label={t("device.model")}>
            <select id="f-device-model" value={modelId} onChange={(e) => setModelId(e.currentTarget.value)}>
              {props.models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name ? `${m.name} (${m.id})` : m.id}
                </option>
              ))}
            </select>
          </Field>
        </>
      )}
      {!ed && !isMqtt(model) && (
        <Field id="f-device-bus" label={t("device.bus")}>
          <select id="f-device-bus" value={chosenBus} onChange={(e) => setBus(e.currentTarget.value)}>
            {buses.map((b) => (
              <option key={b.id} value={b.id}>
                {b.id} ({b.path})
              </option>
            ))}
          </select>
        </Field>
      )}
      {hasAddress(model) && (
        <Field id="f-device-address" label={t("device.address")}>
          <input
            id="f-device-address"
            type="number"
            min={0}
            max={255}
            required
            value={address}
            onInput={(e) => setAddress(e.currentTarget.value)}
          />
        </Field>
      )}
      <Field id="f-device-name" label={t("device.name")}>
        <input id="f-device-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field id="f-device-location" label={t("device.location")}>
        <input id="f-device-location" value={location} onInput={(e) => setLocation(e.currentTarget.value)} />
      </Field>
      <ErrorNote error={error} />
      <p class="row">
        <button type="submit" class="primary">
          {t("common.save")}
        </button>
        <button type="button" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
      </p>
    </form>
  );
}

/** The credentials of a new MQTT device, shown once, with a copy button per value. */
export function CredentialsOnce(props: { id: string; credentials: Credentials; onDone: () => void }) {
  const { t } = useT();
  const [copied, setCopied] = useState("");
  const c = props.credentials;
  const rows: [string, string | undefined][] = [
    ["credentials.username", c.username ?? props.id],
    ["credentials.clientId", c.clientId ?? c.username ?? props.id],
    ["credentials.password", c.password ?? c.secret],
  ];
  const copy = async (key: string, value: string) => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(key);
    } catch {
      setCopied("");
    }
  };
  return (
    <section class="panel note-warn" aria-labelledby="cred-title">
      <h2 id="cred-title" tabIndex={-1}>
        {t("credentials.title", { id: props.id })}
      </h2>
      <p>
        <strong>{t("credentials.once")}</strong>
      </p>
      <dl class="facts">
        {rows.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{t(k)}</dt>
            <dd>
              <code data-credential={k.split(".")[1]}>{v}</code>{" "}
              <button
                type="button"
                onClick={() => v && copy(k, v)}
                aria-label={t("credentials.copyThis", { what: t(k) })}
              >
                {t("credentials.copy")}
              </button>
            </dd>
          </Fragment>
        ))}
      </dl>
      <p role="status">{copied && t("credentials.copied", { what: t(copied) })}</p>
      <button type="button" class="primary" onClick={props.onDone}>
        {t("credentials.done")}
      </button>
    </section>
  );
}
