/**
 * A door test report as one printable HTML page: self-contained (its CSS inline, no script, no
 * font or image to fetch), headings in Chinese and English, every value escaped. Meaning is never
 * carried by colour alone: each outcome is written out in both languages.
 */
import type { DoorOutcome, DoorTestReport } from "./reports.js";

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? "").replace(
    /[&<>"'`]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" })[c]!,
  );
}

const OUTCOME: Record<DoorOutcome, string> = {
  ok: "正常 OK",
  jammed: "卡住 Jammed",
  sensor_fault: "传感器故障 Sensor fault",
  no_answer: "无应答 No answer",
  skipped: "已跳过 Skipped",
  cancelled: "已取消 Cancelled",
};

const STATE: Record<DoorTestReport["state"], string> = {
  running: "进行中 Running (not finished)",
  done: "完成 Done",
  failed: "失败 Failed",
  cancelled: "已取消 Cancelled",
};

const CSS = `
body{font-family:"Noto Sans CJK SC","Noto Sans",system-ui,sans-serif;margin:2em;color:#111;background:#fff}
h1{font-size:1.6em;margin:0 0 .5em}h2{font-size:1.2em;margin:1.5em 0 .5em}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #555;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{font-weight:bold}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:bold}
@media print{body{margin:1cm}a{color:inherit}}
`;

/** The report as a complete HTML document (UTF-8). */
export function reportHtml(r: DoorTestReport): string {
  const e = escapeHtml;
  const ms = (v?: number) => (v === undefined ? "—" : e(v));
  const rows = r.doors
    .map(
      (d) =>
        `<tr><td class="n">${e(d.lock)}</td><td>${e(d.compartment)}</td><td class="n">${e(d.board)} / ${e(d.boardLock)}</td>` +
        `<td${d.outcome === "ok" ? "" : ' class="bad"'}>${e(OUTCOME[d.outcome] ?? d.outcome)}</td>` +
        `<td class="n">${ms(d.openedAfterMs)}</td><td class="n">${ms(d.closedAfterMs)}</td>` +
        `<td>${e(d.at)}</td><td>${e(d.detail)}</td></tr>`,
    )
    .join("\n");
  const summary = (Object.keys(OUTCOME) as DoorOutcome[])
    .map((k) => `<tr><td>${e(OUTCOME[k])}</td><td class="n">${e(r.summary[k] ?? 0)}</td></tr>`)
    .join("\n");
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>门测试报告 Door test report — ${e(r.bank)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>门测试报告 <span lang="en">Door test report</span></h1>
<dl>
<dt>报告 <span lang="en">Report</span></dt><dd>${e(r.id)}</dd>
<dt>网关 <span lang="en">Gateway</span></dt><dd>${e(r.gateway)} (${e(r.site)})</dd>
<dt>柜组 <span lang="en">Locker bank</span></dt><dd>${e(r.bank)} — ${e(r.model)}, 总线 <span lang="en">bus</span> ${e(r.bus)}</dd>
<dt>状态 <span lang="en">State</span></dt><dd>${e(STATE[r.state] ?? r.state)}</dd>
<dt>开始 <span lang="en">Started</span></dt><dd>${e(r.startedAt)}</dd>
<dt>结束 <span lang="en">Ended</span></dt><dd>${e(r.endedAt ?? "—")}</dd>
<dt>超时 <span lang="en">Timeouts</span></dt><dd>开门 <span lang="en">open</span> ${e(r.options.openTimeoutS)} s, 关门 <span lang="en">close</span> ${e(r.options.closeTimeoutS)} s</dd>
${r.clock === "unsynced" ? `<dt>时钟 <span lang="en">Clock</span></dt><dd>未同步：时间可能不准 <span lang="en">unsynchronised: wall times may be off (durations are not)</span></dd>` : ""}
</dl>
<h2>汇总 <span lang="en">Summary</span></h2>
<table><thead><tr><th>结果 <span lang="en">Outcome</span></th><th>门数 <span lang="en">Doors</span></th></tr></thead>
<tbody>
${summary}
</tbody></table>
<h2>每扇门 <span lang="en">Per door</span></h2>
<table>
<thead><tr><th>锁 <span lang="en">Lock</span></th><th>格口 <span lang="en">Compartment</span></th><th>板 / 锁 <span lang="en">Board / lock</span></th><th>结果 <span lang="en">Outcome</span></th><th>开门用时 ms <span lang="en">Opened after</span></th><th>关门用时 ms <span lang="en">Closed after</span></th><th>时间 <span lang="en">At</span></th><th>说明 <span lang="en">Detail</span></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
