#!/usr/bin/env node
/**
 * Builds the Teams tab: esbuild bundles src/tab (TypeScript, the teams-js parts it imports, CSS) into dist/tab.
 * Bundles carry a content hash in their names, so the server lets browsers keep them for a year; the HTML pages
 * are rewritten to name them and are revalidated on every load.
 *
 *   node scripts/build-tab.js [--outdir <dir>] [--quiet]
 *
 * Prints each file's size, raw and gzipped. Exits non-zero on a build error.
 */
'use strict';

const { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { basename, join, relative, resolve } = require('node:path');
const { gzipSync } = require('node:zlib');
const esbuild = require('esbuild');

const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'src', 'tab');
const PAGES = ['index.html', 'my-tasks.html', 'config.html'];

/**
 * @param {{ outdir?: string, quiet?: boolean }} [options]
 * @returns {Promise<{ outdir: string, files: { name: string, bytes: number, gzipBytes: number }[] }>}
 */
async function buildTab(options = {}) {
  const outdir = resolve(options.outdir ?? join(ROOT, 'dist', 'tab'));
  // Start clean: old hashed bundles would otherwise pile up.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });

  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      tab: join(SRC, 'tab.ts'),
      'my-tasks': join(SRC, 'my-tasks.ts'),
      'config-page': join(SRC, 'config-page.ts'),
      styles: join(SRC, 'styles.css'),
    },
    outdir,
    bundle: true,
    // ES modules with code splitting: the pages share chunks (teams-js and the helpers).
    format: 'esm',
    splitting: true,
    platform: 'browser',
    // Teams desktop and web (Edge WebView2 / Chromium), Teams mobile (WebView, WKWebView), wall-display browsers.
    target: ['chrome109', 'edge109', 'firefox115', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'eof',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    logLevel: options.quiet ? 'error' : 'warning',
    tsconfig: join(SRC, 'tsconfig.json'),
  });

  // Entry name ("tab.js", "styles.css") → hashed output, and the chunks each entry imports (preloaded).
  const names = new Map();
  const preloads = new Map();
  for (const [output, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const source = basename(meta.entryPoint).replace(/\.ts$/, '.js');
    names.set(source, basename(output));
    preloads.set(source, meta.imports.filter((i) => i.kind === 'import-statement').map((i) => basename(i.path)));
  }

  for (const page of PAGES) {
    let html = readFileSync(join(SRC, page), 'utf8');
    html = html.replace(/(src|href)="([\w.-]+\.(?:js|css))"/g, (_match, attr, file) => {
      const hashed = names.get(file);
      if (!hashed) throw new Error(`${page}: ${file} is not a bundle entry`);
      return `${attr}="${hashed}"`;
    });
    // Preload the shared chunks next to each module script, so the browser fetches them in parallel.
    html = html.replace(/(\s*)<script type="module" src="([\w.-]+)"><\/script>/g, (match, space, hashed) => {
      const entry = [...names].find(([, out]) => out === hashed)?.[0];
      const links = (preloads.get(entry) ?? []).map((c) => `${space}<link rel="modulepreload" href="${c}" />`).join('');
      return `${links}${match}`;
    });
    writeFileSync(join(outdir, page), html);
  }

  const files = readdirSync(outdir)
    .filter((f) => !f.endsWith('.map'))
    .sort()
    .map((name) => {
      const content = readFileSync(join(outdir, name));
      return { name, bytes: statSync(join(outdir, name)).size, gzipBytes: gzipSync(content, { level: 9 }).length };
    });
  if (!options.quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(9);
    console.log(`tab built in ${relative(process.cwd(), outdir) || '.'}:`);
    for (const f of files) console.log(`  ${f.name.padEnd(28)} ${kb(f.bytes)}  ${kb(f.gzipBytes)} gzip`);
    const total = files.reduce((sum, f) => ({ bytes: sum.bytes + f.bytes, gzip: sum.gzip + f.gzipBytes }), { bytes: 0, gzip: 0 });
    console.log(`  ${'total'.padEnd(28)} ${kb(total.bytes)}  ${kb(total.gzip)} gzip`);
  }
  return { outdir, files };
}

module.exports = { buildTab };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--outdir');
  buildTab({ outdir: at >= 0 ? args[at + 1] : undefined, quiet: args.includes('--quiet') }).catch((err) => {
    // esbuild has already printed its diagnostics with file and line.
    if (!err.errors) console.error(err);
    process.exit(1);
  });
}
