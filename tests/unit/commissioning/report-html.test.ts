/**
 * Issue 12: the printable door test report is self-contained and escapes everything it shows.
 */
import { describe, expect, it } from "vitest";
import { escapeHtml, reportHtml } from "../../../src/domain/commissioning/report-html.js";
import { type DoorTestReport, summarize } from "../../../src/domain/commissioning/reports.js";

const evil = `<script>alert("x")</script><img src=x onerror='y'>&`;

function report(): DoorTestReport {
  const doors = [
    {
      lock: 1,
      compartment: evil,
      board: 1,
      boardLock: 1,
      outcome: "jammed" as const,
      at: "2026-01-01T00:00:00.000Z",
      detail: evil,
    },
    {
      lock: 2,
      compartment: "A02",
      board: 1,
      boardLock: 2,
      outcome: "ok" as const,
      openedAfterMs: 210,
      closedAfterMs: 1400,
      at: "2026-01-01T00:00:05.000Z",
      detail: "opened",
    },
  ];
  return {
    id: "01a2",
    kind: "door-test",
    gateway: evil,
    site: evil,
    bank: evil,
    bus: "bus-a",
    model: "demo-bank-24",
    job: "j",
    state: "done",
    startedAt: "2026-01-01T00:00:00.000Z",
    endedAt: "2026-01-01T00:01:00.000Z",
    clock: "unsynced",
    options: { locks: [1, 2], chosen: true, openTimeoutS: 10, closeTimeoutS: 60 },
    summary: summarize(doors),
    doors,
  };
}

describe("door test report page", () => {
  it("escapes every value, has no script and fetches nothing", () => {
    const html = reportHtml(report());
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("onerror='");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toMatch(/<[^>]*\s(src|href)=/); // no tag loads anything
    expect(html).not.toContain("<link");
  });

  it("headings in Chinese and English, outcomes in words, times and the unsynced clock", () => {
    const html = reportHtml(report());
    for (const h of ["门测试报告", "Door test report", "汇总", "Summary", "每扇门", "Per door"])
      expect(html).toContain(h);
    expect(html).toContain("卡住 Jammed");
    expect(html).toContain("正常 OK");
    expect(html).toContain(">210<");
    expect(html).toContain("Clock");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
  });

  it("escapeHtml covers the five characters and backticks", () => {
    expect(escapeHtml(`<>&"'\``)).toBe("&lt;&gt;&amp;&quot;&#39;&#96;");
    expect(escapeHtml(undefined)).toBe("");
  });
});
