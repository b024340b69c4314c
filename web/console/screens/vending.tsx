/**
 * Vending machines: each machine's reader state (GET /api/v1/vending/machines), its slots with
 * product, price and stock (GET …/{device}/stock: 404 for a machine without a planogram, shown as
 * such), the last DEX audit (GET …/audits, newest first) and a button to run one (POST …/audit).
 */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api";
import { ErrorNote, ScreenTitle, Status, type Tone, useLoad, When } from "../components";
import { useT } from "../i18n";

interface Machine {
  device: string;
  readerState?: string;
  session?: unknown;
}
interface Slot {
  slot: number;
  product: string;
  name: string | null;
  price: number;
  capacity: number;
  count: number;
  state: "ok" | "low" | "sold_out";
}
interface Audit {
  id: string;
  ts: string;
  verdict: string;
}
const SLOT_TONE: Record<Slot["state"], Tone> = { ok: "ok", low: "warn", sold_out: "bad" };

export function VendingScreen() {
  const { t } = useT();
  const machines = useLoad(
    async () => (await api<{ machines: Machine[] }>("GET", "/vending/machines")).machines,
  );
  return (
    <section>
      <ScreenTitle>{t("vending.title")}</ScreenTitle>
      <ErrorNote error={machines.error} />
      {machines.data?.length === 0 && <p>{t("vending.none")}</p>}
      {(machines.data ?? []).map((m) => (
        <MachineView key={m.device} machine={m} />
      ))}
    </section>
  );
}

function MachineView(props: { machine: Machine }) {
  const { t } = useT();
  const d = props.machine.device;
  const enc = encodeURIComponent(d);
  const stock = useLoad(async () => {
    try {
      return (await api<{ slots: Slot[] }>("GET", `/vending/${enc}/stock`)).slots;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null; // no planogram
      throw err;
    }
  });
  const audits = useLoad(async () => {
    if (stock.data === null) return [];
    return (await api<{ audits: Audit[] }>("GET", `/vending/${enc}/audits`)).audits;
  }, [stock.data === null]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const runAudit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/vending/${enc}/audit`, {});
      await Promise.all([stock.reload(), audits.reload()]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const last = audits.data?.[0];
  const price = (cents: number) => (cents / 100).toFixed(2);

  return (
    <article class="panel" aria-labelledby={`vm-${d}`}>
      <h2 id={`vm-${d}`}>{d}</h2>
      <p>
        {t("vending.reader")}:{" "}
        <strong>
          {props.machine.readerState
            ? t(`vending.reader.${props.machine.readerState}`, { state: props.machine.readerState })
            : t("common.none")}
        </strong>
      </p>
      <ErrorNote error={stock.error ?? audits.error ?? error} />
      {stock.data === null && <p>{t("vending.noPlanogram")}</p>}
      {stock.data && (
        <table>
          <caption>{t("vending.slots", { device: d })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("vending.slot")}</th>
              <th scope="col">{t("vending.product")}</th>
              <th scope="col">{t("vending.price")}</th>
              <th scope="col">{t("vending.stock")}</th>
              <th scope="col">{t("vending.state")}</th>
            </tr>
          </thead>
          <tbody>
            {stock.data.map((s) => (
              <tr key={s.slot}>
                <th scope="row">{s.slot}</th>
                <td>{s.name ?? s.product}</td>
                <td>{price(s.price)}</td>
                <td>
                  <meter
                    min={0}
                    max={s.capacity}
                    value={s.count}
                    aria-label={t("vending.stockOf", { slot: s.slot })}
                  />{" "}
                  {s.count} / {s.capacity}
                </td>
                <td>
                  <Status tone={SLOT_TONE[s.state]}>{t(`vending.state.${s.state}`)}</Status>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {stock.data && (
        <>
          <h3>{t("vending.lastAudit")}</h3>
          <p>
            {last ? (
              <>
                <Status tone={last.verdict === "verified" ? "ok" : "warn"}>
                  {t(`vending.verdict.${last.verdict}`)}
                </Status>{" "}
                <When at={last.ts} />
              </>
            ) : (
              t("vending.noAudit")
            )}
          </p>
          <button type="button" onClick={runAudit} disabled={busy}>
            {t("vending.runAudit")}
          </button>
        </>
      )}
    </article>
  );
}
