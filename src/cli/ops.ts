/**
 * `quarterhour bus scan BUS [--from N --to N]` and `quarterhour door-test BANK [--locks 1,2,5]`:
 * the commissioning jobs of the running gateway (its API, checked to be this config's gateway),
 * followed on the job's event stream (`GET /api/v1/jobs/{job}/events`).
 *
 * Output: one plain line per address or door on stdout, then a summary; on a terminal a progress
 * bar is redrawn under them (ANSI only there: piped output has none). Ctrl-C cancels the job
 * (DELETE /api/v1/jobs/{job}) and waits for its end. Exit codes: 0 the scan finished / every door
 * tested is ok (skipped doors are not failures); 1 a door failed, the job was cancelled or failed,
 * or the gateway failed; 2 bad usage (flags, an unknown bus or bank, a range or lock it does not have).
 */
import type { Config } from "../config/schema.js";
import { ERRORS, type ErrorCode, QhError } from "../core/errors.js";
import { readConfig } from "./common.js";
import { connectGateway, type GatewayApi } from "./gateway-client.js";
import type { DoorTestOpts, ScanOpts } from "./ops-args.js";

type Result = Record<string, unknown>;
interface JobEnd {
  state: string;
  error?: { code: string; message: string };
  progress: { done: number; total: number };
}

export async function busScan(bus: string, o: ScanOpts): Promise<void> {
  const config = readConfig(o);
  const api = await connectGateway(config);
  const body = {
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
  };
  const r = await api.call<{ job: string; total: number }>(
    "POST",
    `/buses/${encodeURIComponent(bus)}/scan`,
    body,
  );
  const answered: number[] = [];
  const end = await follow(config, api, r.job, r.total, (x) => {
    const a = x as { address: number; answered: boolean; status: string; detail: string };
    if (a.answered) answered.push(a.address);
    return `address ${a.address}: ${a.status} — ${a.detail}`;
  });
  process.stdout.write(
    `scan of ${bus} ${end.state}: ${end.progress.done} of ${end.progress.total} address(es) probed, answered at: ${answered.join(", ") || "none"}\n`,
  );
  finish(end, end.state === "done");
}

export async function doorTest(bank: string, o: DoorTestOpts): Promise<void> {
  const config = readConfig(o);
  const api = await connectGateway(config);
  const body = {
    ...(o.locks ? { locks: o.locks } : {}),
    ...(o.openTimeout !== undefined ? { openTimeoutS: o.openTimeout } : {}),
    ...(o.closeTimeout !== undefined ? { closeTimeoutS: o.closeTimeout } : {}),
  };
  const r = await api.call<{ job: string; report: string; total: number }>(
    "POST",
    `/locker/${encodeURIComponent(bank)}/door-test`,
    body,
  );
  const counts = new Map<string, number>();
  const end = await follow(config, api, r.job, r.total, (x) => {
    const d = x as {
      lock: number;
      compartment: string;
      outcome: string;
      openedAfterMs?: number;
      closedAfterMs?: number;
      detail: string;
    };
    counts.set(d.outcome, (counts.get(d.outcome) ?? 0) + 1);
    const times =
      d.openedAfterMs === undefined
        ? ""
        : ` (opened ${d.openedAfterMs} ms${d.closedAfterMs === undefined ? "" : `, shut ${d.closedAfterMs} ms`})`;
    return `lock ${d.lock} (${d.compartment}): ${d.outcome}${times} — ${d.detail}`;
  });
  const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "no door tested";
  process.stdout.write(
    `door test of ${bank} ${end.state}: ${summary}\nreport: ${api.base}/reports/${r.report} (printable: ${api.base}/reports/${r.report}.html)\n`,
  );
  const failed = [...counts.keys()].some((k) => k !== "ok" && k !== "skipped");
  finish(end, end.state === "done" && !failed);
}

function finish(end: JobEnd, ok: boolean): void {
  if (end.state === "failed" && end.error) {
    const code = end.error.code in ERRORS ? (end.error.code as ErrorCode) : "QH_INTERNAL";
    throw new QhError(code, end.error.message);
  }
  if (!ok) process.exitCode = 1;
}

/**
 * Follows a job's event stream to its end, printing a line per result (and, on a terminal, a
 * progress bar). Ctrl-C asks the gateway to cancel the job; the stream then ends with "done".
 */
async function follow(
  config: Config,
  api: GatewayApi,
  job: string,
  total: number,
  line: (r: Result) => string,
): Promise<JobEnd> {
  const tty = process.stdout.isTTY === true;
  let done = 0;
  let all = total;
  const bar = () => {
    if (!tty) return;
    const width = 30;
    const filled = all > 0 ? Math.round((done / all) * width) : 0;
    process.stdout.write(`\r\x1b[2K[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${all}`);
  };
  const print = (text: string) => {
    if (tty) process.stdout.write("\r\x1b[2K");
    process.stdout.write(`${text}\n`);
    bar();
  };
  let cancelling = false;
  const onSigint = () => {
    if (cancelling) return;
    cancelling = true;
    print("cancelling… (the door under test is watched to its end)");
    api.call("DELETE", `/jobs/${job}`, undefined).catch(() => {});
  };
  process.on("SIGINT", onSigint);
  try {
    const res = await fetch(`${api.base}/jobs/${job}/events`, {
      headers: config.api.token ? { authorization: `Bearer ${config.api.token}` } : {},
    }).catch((err: Error) => {
      throw new QhError("QH_GATEWAY_UNREACHABLE", `the job's event stream did not open: ${err.message}`);
    });
    if (!res.ok || !res.body)
      throw new QhError("QH_GATEWAY_UNREACHABLE", `the job's event stream answered HTTP ${res.status}`);
    bar();
    let buf = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i = buf.indexOf("\n\n");
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        i = buf.indexOf("\n\n");
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || data === undefined) continue;
        const value = JSON.parse(data) as Record<string, unknown>;
        if (event === "progress") {
          const p = value as { done: number; total: number };
          done = p.done;
          all = p.total;
          bar();
        } else if (event === "result") print(line(value));
        else if (event === "done") {
          if (tty) process.stdout.write("\r\x1b[2K");
          return value as unknown as JobEnd;
        }
      }
    }
    throw new QhError("QH_GATEWAY_UNREACHABLE", `the job's event stream ended before the job (job ${job})`);
  } finally {
    process.off("SIGINT", onSigint);
  }
}
