/**
 * Compartment layout of a locker bank: GET /api/v1/locker/{bank}/layout, then PATCH with the
 * compartments changed (size, zone, enabled). The answer says whether it applies now or after a
 * restart; a refusal names the key path (400 QH_CONFIG_…).
 */
import { useEffect, useState } from "preact/hooks";
import { type ApplyResult, api } from "../api";
import { ApplyNote, ErrorNote, Field, ScreenTitle, useLoad } from "../components";
import { useT } from "../i18n";
import { lockerBanks, type Site } from "../site";

interface Compartment {
  id: string;
  lock?: number;
  board?: number;
  size: string;
  zone?: string;
  enabled?: boolean;
}
interface Layout {
  bank?: string;
  sizes?: string[];
  zones?: string[];
  compartments: Compartment[];
}
const SIZES = ["S", "M", "L", "XL"];

export function LayoutScreen() {
  const { t } = useT();
  const site = useLoad(() => api<Site>("GET", "/site"));
  const banks = lockerBanks(site.data);
  const [bank, setBank] = useState("");
  const chosen = bank || banks[0] || "";
  const layout = useLoad(
    () =>
      chosen
        ? api<Layout>("GET", `/locker/${encodeURIComponent(chosen)}/layout`)
        : Promise.resolve(undefined),
    [chosen],
  );
  const [edits, setEdits] = useState<Record<string, Partial<Compartment>>>({});
  const [result, setResult] = useState<ApplyResult | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => setEdits({}), [chosen]);

  const sizes = layout.data?.sizes ?? SIZES;
  const zones = layout.data?.zones ?? [
    ...new Set((layout.data?.compartments ?? []).map((c) => c.zone ?? "ambient")),
  ];
  const edit = (id: string, patch: Partial<Compartment>) =>
    setEdits((e) => ({ ...e, [id]: { ...e[id], ...patch } }));
  const changed = Object.keys(edits).length;

  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const compartments = Object.entries(edits).map(([id, p]) => ({ id, ...p }));
    try {
      setResult(
        await api<ApplyResult>("PATCH", `/locker/${encodeURIComponent(chosen)}/layout`, { compartments }),
      );
      setEdits({});
      void layout.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <ScreenTitle>{t("layout.title")}</ScreenTitle>
      <ErrorNote error={site.error ?? layout.error} />
      <Field id="f-door-bank" label={t("door.bank")}>
        <select id="f-door-bank" value={chosen} onChange={(e) => setBank(e.currentTarget.value)}>
          {banks.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </Field>
      <form onSubmit={save}>
        <table>
          <caption>{t("layout.caption", { bank: chosen })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("layout.compartment")}</th>
              <th scope="col">{t("door.lock")}</th>
              <th scope="col">{t("layout.size")}</th>
              <th scope="col">{t("layout.zone")}</th>
              <th scope="col">{t("layout.enabled")}</th>
            </tr>
          </thead>
          <tbody>
            {(layout.data?.compartments ?? []).map((c) => {
              const v = { ...c, ...edits[c.id] };
              return (
                <tr key={c.id} class={edits[c.id] ? "changed" : undefined}>
                  <th scope="row">
                    {c.id}
                    {edits[c.id] && <span class="sr"> {t("layout.changed")}</span>}
                  </th>
                  <td>{c.board !== undefined ? `${c.board}/${c.lock}` : c.lock}</td>
                  <td>
                    <select
                      value={v.size}
                      aria-label={t("layout.sizeOf", { id: c.id })}
                      onChange={(e) => edit(c.id, { size: e.currentTarget.value })}
                    >
                      {sizes.map((s) => (
                        <option key={s}>{s}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select
                      value={v.zone ?? "ambient"}
                      aria-label={t("layout.zoneOf", { id: c.id })}
                      onChange={(e) => edit(c.id, { zone: e.currentTarget.value })}
                    >
                      {zones.map((z) => (
                        <option key={z}>{z}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      checked={v.enabled !== false}
                      aria-label={t("layout.enabledOf", { id: c.id })}
                      onChange={(e) => edit(c.id, { enabled: e.currentTarget.checked })}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p class="row">
          <button type="submit" class="primary" disabled={changed === 0}>
            {t("layout.save", { n: changed })}
          </button>
          <button type="button" onClick={() => setEdits({})} disabled={changed === 0}>
            {t("layout.undo")}
          </button>
        </p>
      </form>
      <ErrorNote error={error} />
      <ApplyNote result={result} />
    </section>
  );
}
