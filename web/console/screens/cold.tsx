/**
 * Cold zones: each zone's state (GET /api/v1/cold/zones) and, for the chosen zone, the last 24 h
 * (GET /api/v1/cold/zones/{zone}/readings?from&to&format=json) as a chart.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, ScreenTitle, Status, useLoad, When } from "../components";
import { useT } from "../i18n";
import { ColdChart, type Reading } from "./cold-chart";

interface Zone {
  zone: string;
  kind?: string;
  minC: number | null;
  maxC: number | null;
  temperatureC: number | null;
  quality: string | null;
  at: string | null;
  doorOpen?: boolean | null;
  defrosting?: boolean | null;
  inAlarm?: boolean;
  alarms?: { alarmId: string; kind: string; rule?: string; since: string }[];
}

const DAY_MS = 24 * 3600 * 1000;

export function ColdScreen() {
  const { t } = useT();
  const zones = useLoad(async () => (await api<{ zones: Zone[] }>("GET", "/cold/zones")).zones);
  const [pick, setPick] = useState("");
  const zone = zones.data?.find((z) => z.zone === pick) ?? zones.data?.[0];
  const readings = useLoad(async () => {
    if (!zone) return [] as Reading[];
    const to = new Date();
    const from = new Date(to.getTime() - DAY_MS);
    const q = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&format=json`;
    const r = await api<{ readings: Reading[] }>(
      "GET",
      `/cold/zones/${encodeURIComponent(zone.zone)}/readings?${q}`,
    );
    return r.readings;
  }, [zone?.zone]);

  return (
    <section>
      <ScreenTitle>{t("cold.title")}</ScreenTitle>
      <ErrorNote error={zones.error} />
      <table>
        <caption>{t("cold.zones")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("cold.zone")}</th>
            <th scope="col">{t("cold.band")}</th>
            <th scope="col">{t("cold.temperature")}</th>
            <th scope="col">{t("cold.state")}</th>
            <th scope="col">{t("cold.at")}</th>
          </tr>
        </thead>
        <tbody>
          {(zones.data ?? []).map((z) => (
            <tr key={z.zone}>
              <th scope="row">
                <button
                  type="button"
                  class="link"
                  aria-pressed={z.zone === zone?.zone}
                  onClick={() => setPick(z.zone)}
                >
                  {z.zone}
                </button>
              </th>
              <td>
                {z.minC ?? "…"} – {z.maxC ?? "…"} °C
              </td>
              <td>{z.temperatureC === null ? t("common.none") : `${z.temperatureC} °C`}</td>
              <td>
                {z.inAlarm ? (
                  <Status tone="bad">
                    {t("cold.alarm", {
                      kinds: (z.alarms ?? []).map((a) => t(`cold.kind.${a.kind}`)).join(t("cold.listSep")),
                    })}
                  </Status>
                ) : z.quality && z.quality !== "ok" ? (
                  <Status tone="warn">{t(`cold.kind.${z.quality}`)}</Status>
                ) : (
                  <Status tone="ok">{t("cold.inRange")}</Status>
                )}
                {z.doorOpen ? ` · ${t("cold.doorOpen")}` : ""}
                {z.defrosting ? ` · ${t("cold.defrosting")}` : ""}
              </td>
              <td>
                <When at={z.at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {zone && (
        <>
          <h2>{t("cold.last24", { zone: zone.zone })}</h2>
          <p>
            <button type="button" onClick={readings.reload} disabled={readings.loading}>
              {t("common.refresh")}
            </button>
          </p>
          <ErrorNote error={readings.error} />
          {readings.data && (
            <ColdChart zone={zone.zone} readings={readings.data} minC={zone.minC} maxC={zone.maxC} />
          )}
        </>
      )}
    </section>
  );
}
