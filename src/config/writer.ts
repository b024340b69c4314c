/**
 * Config changes made through the API (docs/configuration.md "Changes from the console"):
 *
 *   the YAML document (comments kept) ─edit─► validated by the same checks as at start
 *     (QH_CONFIG_INVALID with every key path, nothing written) ─► <file>.prev = the old bytes
 *     (written, fsynced, renamed) ─► a temp file in the same directory, written and fsynced ─►
 *     renamed over <file> ─► the directory fsynced
 *
 * A crash at any point leaves either the old file or the new one, whole (rename is atomic on POSIX
 * file systems); a leftover `.<name>.tmp-*` beside it is ignored and removed by the next write.
 *
 * The demo: a gateway started on the packaged `config/default.yaml` writes to `<dataDir>/site.yaml`
 * (its first write copies default.yaml's text there, comments included); every later `quarterhour`
 * command on the default config reads that file instead (src/cli/common.ts readConfig).
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Document, parseDocument } from "yaml";
import { QhError } from "../core/errors.js";
import { type LoadOptions, validateConfig } from "./load.js";
import type { Config } from "./schema.js";

export interface AtomicWriteOptions {
  /** test hook: runs after the temp file and `.prev` are on the disk, before the rename */
  beforeRename?: () => void;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeDurable(path: string, data: string | Buffer, mode: number): void {
  const fd = openSync(path, "w", mode);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with `text` atomically, keeping the previous content as `<file>.prev`. Throws
 * QH_CONFIG_WRITE (the file untouched) when any step fails.
 */
export function writeFileAtomic(file: string, text: string, o: AtomicWriteOptions = {}): void {
  const dir = dirname(file);
  const name = basename(file);
  const tmp = join(dir, `.${name}.tmp-${process.pid}-${Date.now()}`);
  try {
    for (const f of readdirSync(dir)) if (f.startsWith(`.${name}.tmp-`)) unlinkSync(join(dir, f));
    const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
    if (existsSync(file)) {
      const prevTmp = `${tmp}.prev`;
      copyFileSync(file, prevTmp);
      fsyncPath(prevTmp);
      renameSync(prevTmp, `${file}.prev`);
    }
    writeDurable(tmp, text, mode);
    o.beforeRename?.();
    renameSync(tmp, file);
    fsyncPath(dir);
  } catch (err) {
    try {
      if (existsSync(tmp)) unlinkSync(tmp);
    } catch {
      /* the next write removes it */
    }
    if (err instanceof QhError) throw err;
    throw new QhError("QH_CONFIG_WRITE", `cannot write ${file}: ${(err as Error).message}`, { file });
  }
}

export interface ConfigWriterOptions extends LoadOptions {
  /** the file changes are written to */
  file: string;
  /** where the document is read from while `file` does not exist yet (the packaged default) */
  base?: string;
  atomic?: AtomicWriteOptions;
}

/** Edits, validates and atomically saves the config file. */
export class ConfigWriter {
  constructor(readonly o: ConfigWriterOptions) {}

  /** The file changes go to. */
  get file(): string {
    return this.o.file;
  }

  /** The document as it is on the disk now (`file`, or `base` before the first write). */
  document(): Document {
    const from = existsSync(this.o.file) ? this.o.file : (this.o.base ?? this.o.file);
    let text: string;
    try {
      text = readFileSync(from, "utf8");
    } catch (err) {
      throw new QhError("QH_CONFIG_UNREADABLE", `cannot read ${from}: ${(err as Error).message}`, {
        file: from,
      });
    }
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      throw new QhError("QH_CONFIG_UNREADABLE", `${from} is not valid YAML: ${doc.errors[0]!.message}`);
    }
    return doc;
  }

  /**
   * Applies `edit` to the document, validates the result as `quarterhour start` would
   * (QH_CONFIG_INVALID naming each key path: nothing written) and saves it atomically. Returns the
   * validated config.
   */
  write(edit: (doc: Document) => void): Config {
    const doc = this.document();
    edit(doc);
    const { file: _f, base: _b, atomic: _a, ...load } = this.o;
    const config = validateConfig(doc.toJS(), load);
    writeFileAtomic(this.o.file, doc.toString(), this.o.atomic);
    return config;
  }
}
