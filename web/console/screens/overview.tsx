/**
 * Site overview (GET /api/v1/site): the gateway, its devices (online or not, last seen), its buses,
 * the uplink, the outbox, the disk, the clock, the terminals, and a saved change that waits for a
 * restart.
 */
import { api } from "../api";
import { brief, ErrorNote, ScreenTitle, Status, type Tone, useLoad, When } from "../components";
import { useT } from "../i18n";
import { bytes, pendingRestart, type Site } from "../site";

const diskTone = (level?: string): Tone => (level === "full" ? "bad" : level === "low" ? "warn" : "ok");

/** A device's state: online, offline, or not known yet (null: a serial device not polled yet). */
export function Online(props: { online?: boolean | null }) {
  const { t } = useT();
  if (props.online === null || props.online === undefined)
    return <Status tone="idle">{t("device.unknown")}</Status>;
  return (
    <Status tone={props.online ? "ok" : "bad"}>{t(props.online ? "device.online" : "device.offline")}</Status>
  );
}

export function OverviewScreen() {
  const { t } = useT();
  const { data: site, error, loading, reload } = useLoad(() => api<Site>("GET", "/site"));
  const restart = pendingRestart(site);
  return (
    <section>
      <ScreenTitle>{t("overview.title")}</ScreenTitle>
      <p>
        <button type="button" onClick={reload} disabled={loading}>
          {t("common.refresh")}
        </button>
      </p>
      <ErrorNote error={error} />
      {restart && (
        <div class="note note-warn" role="status">
          <Status tone="warn">{t("overview.restart")}</Status>
          <ul>
            {restart.map((why) => (
              <li key={why}>{why}</li>
            ))}
          </ul>
        </div>
      )}
      {site && (
        <>
          <p>
            {site.status === "degraded" ? (
              <Status tone="bad">{t("overview.degraded")}</Status>
            ) : (
              <Status tone="ok">{t("overview.ok")}</Status>
            )}
          </p>
          {(site.problems?.length ?? 0) > 0 && (
            <>
              <h2>{t("overview.problems")}</h2>
              <ul class="problems">
                {site.problems?.map((p) => (
                  <li key={p}>
                    <Status tone="bad">{p}</Status>
                  </li>
                ))}
              </ul>
            </>
          )}
          {(site.warnings?.length ?? 0) > 0 && (
            <>
              <h2>{t("overview.warnings")}</h2>
              <ul>
                {site.warnings?.map((w) => (
                  <li key={w}>
                    <Status tone="warn">{w}</Status>
                  </li>
                ))}
              </ul>
            </>
          )}
          <dl class="facts">
            <dt>{t("overview.gateway")}</dt>
            <dd>
              {site.gateway?.id} ({site.gateway?.site})
            </dd>
            <dt>{t("overview.version")}</dt>
            <dd>{site.gateway?.version}</dd>
            <dt>{t("overview.mode")}</dt>
            <dd>{site.mode === "simulate" ? t("overview.simulate") : t("overview.live")}</dd>
            {site.siteMode && (
              <>
                <dt>{t("overview.siteMode")}</dt>
                <dd data-testid="overview-site-mode">
                  {site.siteMode.mode === "emergency" ? (
                    <Status tone="warn">
                      {t("overview.siteMode.emergency", {
                        reason: site.siteMode.reason ?? "",
                        until: site.siteMode.until ?? "—",
                      })}
                    </Status>
                  ) : (
                    <Status tone="ok">{t("overview.siteMode.normal")}</Status>
                  )}
                </dd>
              </>
            )}
            <dt>{t("overview.uplink")}</dt>
            <dd>
              <Status tone={site.uplink?.connected ? "ok" : "bad"}>
                {t(site.uplink?.connected ? "overview.connected" : "overview.disconnected")}
              </Status>
            </dd>
            <dt>{t("overview.outbox")}</dt>
            <dd>{t("overview.pending", { n: site.outbox?.pending ?? 0 })}</dd>
            <dt>{t("overview.disk")}</dt>
            <dd>
              <Status tone={diskTone(site.disk?.level)}>
                {t(`overview.disk.${site.disk?.level ?? "ok"}`)}
              </Status>{" "}
              {site.disk?.usedBytes !== undefined && t("overview.used", { size: bytes(site.disk.usedBytes) })}
            </dd>
            <dt>{t("overview.clock")}</dt>
            <dd>
              <Status tone={site.clock?.synced === false ? "warn" : "ok"}>
                {t(site.clock?.synced === false ? "overview.unsynced" : "overview.synced")}
              </Status>
            </dd>
            {site.configFile && (
              <>
                <dt>{t("overview.configFile")}</dt>
                <dd>
                  <code>{site.configFile}</code>
                </dd>
              </>
            )}
          </dl>
          <h2>{t("overview.devices")}</h2>
          <table>
            <caption class="sr">{t("overview.devices")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("device.id")}</th>
                <th scope="col">{t("device.kind")}</th>
                <th scope="col">{t("device.model")}</th>
                <th scope="col">{t("device.state")}</th>
                <th scope="col">{t("device.lastSeen")}</th>
              </tr>
            </thead>
            <tbody>
              {(site.devices ?? []).map((d) => (
                <tr key={d.id}>
                  <th scope="row">{d.id}</th>
                  <td>{d.kind}</td>
                  <td>{d.model}</td>
                  <td>
                    <Online online={d.online} />
                  </td>
                  <td>
                    <When at={d.lastSeen} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>{t("overview.buses")}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t("bus.id")}</th>
                <th scope="col">{t("bus.path")}</th>
                <th scope="col">{t("bus.protocol")}</th>
                <th scope="col">{t("bus.state")}</th>
              </tr>
            </thead>
            <tbody>
              {(site.buses ?? []).map((b) => (
                <tr key={b.id}>
                  <th scope="row">{b.id}</th>
                  <td>{b.path}</td>
                  <td>{b.protocol}</td>
                  <td>
                    <Status tone={b.state === "ok" ? "ok" : "bad"}>
                      {b.state === "ok" ? t("bus.ok") : (b.problems ?? []).join("; ") || brief(b.state)}
                    </Status>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>{t("overview.terminals")}</h2>
          <ul>
            {(site.terminals ?? []).map((k) => (
              <li key={k.id}>
                {k.id}:{" "}
                <Status tone={k.paired ? "ok" : "warn"}>
                  {t(k.paired ? "overview.paired" : "overview.unpaired")}
                </Status>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
