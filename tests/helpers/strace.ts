/**
 * Reading an `strace -f -ttt -T -yy -xx -s N` log: each system call with its thread, start and end
 * (epoch seconds), the path or socket its descriptor names (`-yy`) and its first string argument
 * as bytes (`-xx`: every byte as \xNN). Calls another thread interrupted (`<unfinished ...>` …
 * `<... name resumed>`) are joined. Used to check what the kernel was asked, in which order.
 */
import { readFileSync } from "node:fs";

export interface Syscall {
  pid: number;
  name: string;
  start: number;
  /** start + the duration strace measured (-T) */
  end: number;
  /** what the first descriptor argument names: a path, or e.g. TCP:[127.0.0.1:1883->127.0.0.1:5555] */
  target: string;
  /** the string arguments' bytes as hex ("4002000a"; writev's pieces joined), "" when none */
  hex: string;
  ret: string;
}

const LINE = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/;

/** Parse the log written with `-o file`. */
export function readStrace(file: string): Syscall[] {
  const out: Syscall[] = [];
  const pending = new Map<number, { name: string; start: number; text: string }>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const ts = Number(m[2]);
    let text = m[3]!;
    if (text.endsWith("<unfinished ...>")) {
      const name = /^(\w+)\(/.exec(text)?.[1];
      if (name) pending.set(pid, { name, start: ts, text: text.slice(0, -"<unfinished ...>".length) });
      continue;
    }
    let start = ts;
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(text);
    if (resumed) {
      const p = pending.get(pid);
      pending.delete(pid);
      if (!p) continue;
      start = p.start;
      text = p.text + resumed[2];
    }
    const call = /^(\w+)\((.*)\)\s+=\s+(\S+).*?<(\d+\.\d+)>\s*$/.exec(text);
    if (!call) continue;
    const args = call[2]!;
    // -xx escapes the names too: decoded
    const target = (/^\d+<(.*?)>(?:,|$)/.exec(args)?.[1] ?? "").replace(/\\x([0-9a-f]{2})/g, (_, h: string) =>
      String.fromCharCode(Number.parseInt(h, 16)),
    );
    // every string argument, joined (writev's iov_base pieces make one buffer)
    const str = [...args.matchAll(/"((?:\\x[0-9a-f]{2})*)"/g)].map((x) => x[1]).join("");
    out.push({
      pid,
      name: call[1]!,
      start,
      end: start + Number(call[4]),
      target,
      hex: str.replaceAll("\\x", ""),
      ret: call[3]!,
    });
  }
  return out;
}

/** The bytes of an ASCII string as strace -xx prints them, without the \x: "k1" → "6b31". */
export function hexOf(s: string): string {
  return Buffer.from(s, "utf8").toString("hex");
}
