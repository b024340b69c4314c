/**
 * Reading a YAML file for validation: syntax errors with line and column, and a way back from a
 * key path to the line it sits on.
 */
import { isNode, LineCounter, parseDocument } from "yaml";
import type { ConfigIssue, PathSegment } from "./issues.js";

export interface YamlSource {
  /** The plain data (mappings as objects, sequences as arrays). */
  data: unknown;
  /** Line and column of the value at `segments`, or of its nearest ancestor present in the file. */
  locate(segments: readonly PathSegment[]): { line: number; column: number } | undefined;
}

/**
 * Parses YAML text. Duplicate keys are errors (the second would silently win otherwise); `<<`
 * merge keys are allowed so installers can reuse settings with anchors.
 */
export function parseYaml(text: string): { source?: YamlSource; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      // yaml's message is "<reason> at line L, column C:\n<excerpt>"; keep the reason
      const reason = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "");
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
      return {
        path: "",
        message: `YAML syntax error${where}: ${reason}`,
        ...(pos ? { line: pos.line, column: pos.col } : {}),
      };
    });
    return { issues };
  }
  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const locate = (segments: readonly PathSegment[]) => {
    for (let n = segments.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) {
        const p = lineCounter.linePos(node.range[0]);
        return { line: p.line, column: p.col };
      }
    }
    return undefined;
  };
  return { source: { data, locate }, issues: [] };
}
