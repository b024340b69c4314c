/**
 * Compartment layout of a locker bank: GET /api/v1/locker/{bank}/layout, then
 * PATCH /api/v1/locker/{bank}/layout { compartments: [{ id, size?, zone?, enabled? }] } with the
 * compartments changed. The answer says whether it applies now (it does: the locker applies it
 * live) and which disabled compartments still hold a parcel (out of service once emptied); a
 * refusal shows its code and each key path (400 QH_LAYOUT_INVALID, QH_CONFIG_INVALID).
 */
import { useEffect, useState } from "preact/hooks";
import { type ApplyResult, api } from "../api";
import { ApplyNote, ErrorNote, Field, ScreenTitle, Status, useLoad } from "../components";
import { useT } from "../i18n";
import { ResultTable } from "../job-table";
import { lockerBanks, type Site } from "../site";

interface Compartment {
  id: string;
  lock?: number;
  board?: number;
  size: string;
  zone?: string;
  enabled?: boolean;
  coldZone?: string;
  model?: { size?: string; zone?: string };
  state?: string;
  reason?: string | null;
  pendingDisable?: boolean;
}
interface Layout {
  bank?: string;
  sizes?: string[];
  zones?: string[];
  compartments: Compartment[];
}
type Edit = Partial<Pick<Compartment, "size" | "zone" | "enabled">>;
const SIZES = ["XS", "S", "M", "L", "XL"];
const ZONES = ["ambient", "chilled", "frozen"];

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
  const [edits, setEdits] = useState<Record<string, Edit>>({});
  const [result, setResult] = useState<(ApplyResult & { pendingDisable?: string[] }) | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => setEdits({}), [chosen]);

  const sizes = layout.data?.sizes ?? SIZES;
  const zones = layout.data?.zones ?? ZONES;
  const edit = (c: Compartment, patch: Edit) =>
    setEdits((e) => {
      const next: Edit = { ...e[c.id], ...patch };
      // a value set back to what the gateway has is no change
      for (const k of Object.keys(next) as (keyof Edit)[])
        if (next[k] === (k === "enabled" ? c.enabled !== false : c[k])) delete next[k];
      const out = { ...e, [c.id]: next };
      if (Object.keys(next).length === 0) delete out[c.id];
      return out;
    });
  const changed = Object.keys(edits).length;

  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    const compartments = Object.entries(edits).map(([id, p]) => ({ id, ...p }));
    try {
      setResult(
        await api<ApplyResult & { pendingDisable?: string[] }>(
          "PATCH",
          `/locker/${encodeURIComponent(chosen)}/layout`,
          { compartments },
        ),
      );
      setEdits({});
      void layout.reload();
    } catch (err) {
      setError(err);
    }
  };

  const stateOf = (c: Compartment) => {
    if (c.pendingDisable) return <Status tone="warn">{t("layout.state.pending")}</Status>;
    if (c.state === "out_of_service")
      return (
        <Status tone="bad">
          {t(c.reason === "disabled" ? "layout.state.disabled" : "layout.state.out_of_service")}
        </Status>
      );
    if (c.state === "free") return <Status tone="ok">{t("layout.state.free")}</Status>;
    return c.state ? <Status tone="idle">{t("layout.state.inUse")}</Status> : null;
  };

  return (
    <section>
      <ScreenTitle>{t("layout.title")}</ScreenTitle>
      <p>{t("layout.intro")}</p>
      <ErrorNote error={site.error ?? layout.error} />
      <Field id="f-layout-bank" label={t("door.bank")}>
        <select id="f-layout-bank" value={chosen} onChange={(e) => setBank(e.currentTarget.value)}>
          {banks.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </Field>
      <form onSubmit={save}>
        <ResultTable<Compartment>
          caption={t("layout.caption", { bank: chosen })}
          columns={[
            t("layout.compartment"),
            t("door.lock"),
            t("layout.size"),
            t("layout.zone"),
            t("layout.enabled"),
            t("layout.state"),
          ]}
          rows={layout.data?.compartments ?? []}
          rowKey={(c) => c.id}
          rowClass={(c) => (edits[c.id] ? "changed" : undefined)}
          row={(c) => {
            const v = { ...c, ...edits[c.id] };
            return (
              <>
                <th scope="row">
                  {c.id}
                  {edits[c.id] && <span class="sr"> {t("layout.changed")}</span>}
                </th>
                <td>{c.board !== undefined ? `${c.board}/${c.lock}` : c.lock}</td>
                <td>
                  <select
                    value={v.size}
                    aria-label={t("layout.sizeOf", { id: c.id })}
                    onChange={(e) => edit(c, { size: e.currentTarget.value })}
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
                    onChange={(e) => edit(c, { zone: e.currentTarget.value })}
                  >
                    {zones.map((z) => (
                      <option key={z} value={z}>
                        {t(`layout.zone.${z}`)}
                      </option>
                    ))}
                  </select>
                  {c.coldZone && <span class="help"> {t("layout.coldZone", { zone: c.coldZone })}</span>}
                </td>
                <td>
                  <input
                    type="checkbox"
                    checked={v.enabled !== false}
                    aria-label={t("layout.enabledOf", { id: c.id })}
                    onChange={(e) => edit(c, { enabled: e.currentTarget.checked })}
                  />
                </td>
                <td>{stateOf(c)}</td>
              </>
            );
          }}
        />
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
      {result?.pendingDisable && result.pendingDisable.length > 0 && (
        <p class="note" role="status">
          <Status tone="warn">{t("layout.pendingNote", { list: result.pendingDisable.join(", ") })}</Status>
        </p>
      )}
    </section>
  );
}
