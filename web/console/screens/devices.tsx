/**
 * Devices: the list (GET /api/v1/devices), add and edit (device-form.tsx), remove (DELETE, after a
 * second, explicit press: no pop-up). A new MQTT device's credentials are shown once.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { type ApplyResult, api } from "../api";
import { ApplyNote, ErrorNote, ScreenTitle, useLoad } from "../components";
import { useT } from "../i18n";
import type { SiteBus } from "../site";
import {
  type Credentials,
  CredentialsOnce,
  type Device,
  DeviceForm,
  type Model,
  type SaveAnswer,
} from "./device-form";
import { Online } from "./overview";

const list = <T,>(v: unknown, key: string): T[] =>
  Array.isArray(v) ? (v as T[]) : (((v as Record<string, unknown> | undefined)?.[key] as T[]) ?? []);

export function DevicesScreen() {
  const { t } = useT();
  const devices = useLoad(async () => list<Device>(await api("GET", "/devices"), "devices"));
  const models = useLoad(async () => list<Model>(await api("GET", "/models"), "models"));
  const buses = useLoad(async () => list<SiteBus>(await api("GET", "/buses"), "buses"));
  const [form, setForm] = useState<"closed" | "add" | Device>("closed");
  const [shown, setShown] = useState<{ id: string; credentials: Credentials } | undefined>(undefined);
  const [applied, setApplied] = useState<ApplyResult | undefined>(undefined);
  const [removing, setRemoving] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const credRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (shown) credRef.current?.querySelector<HTMLElement>("h2")?.focus();
  }, [shown]);

  const saved = (answer: SaveAnswer, id: string) => {
    setForm("closed");
    setApplied(answer);
    const flat = answer as Credentials;
    const c = answer.credentials ?? (flat.password || flat.secret ? flat : undefined);
    if (c && (c.password || c.secret)) setShown({ id, credentials: c });
    void devices.reload();
  };
  const remove = async (id: string) => {
    if (removing !== id) {
      setRemoving(id);
      return;
    }
    setRemoving("");
    try {
      setApplied(await api<ApplyResult>("DELETE", `/devices/${encodeURIComponent(id)}`));
      void devices.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <ScreenTitle>{t("devices.title")}</ScreenTitle>
      <ErrorNote error={devices.error ?? models.error ?? buses.error ?? error} />
      <ApplyNote result={applied} />
      <div ref={credRef}>
        {shown && (
          <CredentialsOnce id={shown.id} credentials={shown.credentials} onDone={() => setShown(undefined)} />
        )}
      </div>
      {form === "closed" ? (
        <p>
          <button type="button" class="primary" onClick={() => setForm("add")} disabled={!models.data}>
            {t("devices.add")}
          </button>
        </p>
      ) : (
        <DeviceForm
          models={models.data ?? []}
          buses={buses.data ?? []}
          editing={form === "add" ? undefined : form}
          onSaved={saved}
          onCancel={() => setForm("closed")}
        />
      )}
      <table>
        <caption>{t("devices.count", { n: devices.data?.length ?? 0 })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("device.id")}</th>
            <th scope="col">{t("device.model")}</th>
            <th scope="col">{t("device.bus")}</th>
            <th scope="col">{t("device.address")}</th>
            <th scope="col">{t("device.name")}</th>
            <th scope="col">{t("device.state")}</th>
            <th scope="col">{t("common.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {(devices.data ?? []).map((d) => (
            <tr key={d.id}>
              <th scope="row">{d.id}</th>
              <td>{d.model}</td>
              <td>{d.bus}</td>
              <td>{d.address}</td>
              <td>{d.name}</td>
              <td>
                <Online online={d.online} />
              </td>
              <td class="row">
                <button
                  type="button"
                  onClick={() => setForm(d)}
                  aria-label={t("devices.editThis", { id: d.id })}
                >
                  {t("common.edit")}
                </button>
                <button
                  type="button"
                  class={removing === d.id ? "danger" : undefined}
                  onClick={() => remove(d.id)}
                  aria-label={t(removing === d.id ? "devices.confirmRemove" : "devices.removeThis", {
                    id: d.id,
                  })}
                >
                  {t(removing === d.id ? "devices.confirm" : "common.remove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
