#!/usr/bin/env node
/**
 * Builds the pages: every `web/<name>/main.tsx` (Preact + TSX) is bundled by esbuild into
 * `dist/web/<name>/main.js` (+ `main.css` from the CSS it imports), minified, with an `index.html`
 * that loads them from `/assets/<name>/`. Nothing comes from a CDN; fonts are the system's (Noto
 * CJK on Debian). The HTML has no inline script or style (the gateway serves it with a strict CSP).
 * The page's title is its catalogue's `page.title` (Chinese, the default language).
 *
 *   node scripts/build-web.mjs            # all pages
 *   node scripts/build-web.mjs kiosk      # one
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const webDir = join(root, "web");
const outRoot = join(root, "dist", "web");
mkdirSync(outRoot, { recursive: true });

/** Page names: directories of web/ with a main.tsx. */
function pages() {
  return readdirSync(webDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(webDir, d.name, "main.tsx")))
    .map((d) => d.name)
    .sort();
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function indexHtml(name, hasCss) {
  let title = name;
  const zh = join(webDir, name, "messages.zh.json");
  if (existsSync(zh)) title = JSON.parse(readFileSync(zh, "utf8"))["page.title"] ?? name;
  return [
    "<!doctype html>",
    '<html lang="zh-CN">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // no favicon request (it would be a 404 in every console): an empty icon
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    hasCss ? `<link rel="stylesheet" href="/assets/${name}/main.css">` : "",
    `<script type="module" src="/assets/${name}/main.js"></script>`,
    "</head>",
    '<body><div id="app"></div></body>',
    "</html>",
    "",
  ]
    .filter(Boolean)
    .join("\n");
}

async function buildPage(name) {
  const out = join(outRoot, name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { main: join(webDir, name, "main.tsx") },
    outdir: out,
    bundle: true,
    minify: true,
    format: "esm",
    target: ["chrome100", "firefox100", "safari15"],
    jsx: "automatic",
    jsxImportSource: "preact",
    loader: { ".json": "json" },
    legalComments: "none",
    logLevel: "warning",
    tsconfig: join(webDir, "tsconfig.json"),
  });
  writeFileSync(join(out, "index.html"), indexHtml(name, existsSync(join(out, "main.css"))));
}

const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = only.length > 0 ? only : pages();
try {
  for (const n of names) await buildPage(n);
  console.log(`web: built ${names.join(", ")} into dist/web/`);
} catch (err) {
  console.error(`web: build failed: ${err.message}`);
  process.exit(1);
}
