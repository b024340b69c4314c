/**
 * A zone's last 24 h as a uPlot line (bundled, no CDN), with the zone's band as two dashed lines.
 * The canvas says nothing to a screen reader, so the figure carries a text summary (last, lowest,
 * highest, gaps) and the data are one press away as a table. Gaps (`unreachable`, no value) stay
 * gaps: never interpolated. Readings are drawn in time order (uPlot needs ascending x); the record
 * keeps them in sequence order (a clock that stepped back: docs/contract.md, Cold chain).
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { When } from "../components";
import { useT } from "../i18n";

export interface Reading {
  seq: number;
  time: string;
  temperatureC: number | null;
  quality: string;
  clock?: string;
}

/** The chart's series: x in epoch seconds, temperatures (null = gap), the band's limits. */
export function series(readings: Reading[], minC: number | null, maxC: number | null) {
  const sorted = [...readings].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.seq - b.seq);
  const xs = sorted.map((r) => Date.parse(r.time) / 1000);
  return [xs, sorted.map((r) => r.temperatureC), xs.map(() => minC), xs.map(() => maxC)] as uPlot.AlignedData;
}

export function ColdChart(props: {
  zone: string;
  readings: Reading[];
  minC: number | null;
  maxC: number | null;
}) {
  const { t, lang } = useT();
  const box = useRef<HTMLDivElement>(null);
  const { readings, minC, maxC } = props;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 300,
        series: [
          { label: t("cold.time") },
          { label: t("cold.temperature"), stroke: "#0b4f9c", width: 2, spanGaps: false },
          { label: t("cold.min"), stroke: "#8a4b00", dash: [6, 4], width: 1, points: { show: false } },
          { label: t("cold.max"), stroke: "#a3161a", dash: [2, 4], width: 1, points: { show: false } },
        ],
        axes: [{ space: 90 }, { label: "°C" }],
        scales: { x: { time: true } },
      },
      series(readings, minC, maxC),
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(320, el.clientWidth), height: 300 });
    addEventListener("resize", resize);
    return () => {
      removeEventListener("resize", resize);
      plot.destroy();
    };
  }, [readings, minC, maxC, t]);

  const values = readings.map((r) => r.temperatureC).filter((v): v is number => v !== null);
  const last = readings[readings.length - 1];
  const gaps = readings.filter((r) => r.temperatureC === null).length;
  const fmt = (v: number | undefined | null) =>
    v === undefined || v === null
      ? t("common.none")
      : `${v.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { maximumFractionDigits: 1 })} °C`;
  const summary = t("cold.summary", {
    n: readings.length,
    last: fmt(last?.temperatureC),
    low: fmt(values.length ? Math.min(...values) : undefined),
    high: fmt(values.length ? Math.max(...values) : undefined),
    gaps,
  });

  return (
    <figure class="chart" aria-labelledby={`chart-cap-${props.zone}`}>
      <div ref={box} class="chart-box" role="img" aria-label={summary} data-readings={readings.length} />
      <figcaption id={`chart-cap-${props.zone}`}>{summary}</figcaption>
      <details>
        <summary>{t("cold.asTable")}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t("cold.time")}</th>
              <th scope="col">{t("cold.temperature")}</th>
              <th scope="col">{t("cold.quality")}</th>
            </tr>
          </thead>
          <tbody>
            {readings
              .slice(-48)
              .reverse()
              .map((r) => (
                <tr key={r.seq}>
                  <td>
                    <When at={r.time} />
                  </td>
                  <td>{fmt(r.temperatureC)}</td>
                  <td>
                    {r.quality}
                    {r.clock === "unsynced" ? ` (${t("cold.unsynced")})` : ""}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
