#!/usr/bin/env node
/**
 * Cards, seen: renders every card the bot sends, in English and Korean, the way Teams would draw it, to PNGs and a
 * contact sheet (index.html) for a person to look at.
 *
 *   npm run build && node scripts/render-cards.js [--out DIR] [--width PX] [--scale N] [--only ID-PART[,ID-PART…]] [--strict]
 *
 * This file is the command line only. The cards and their data are src/tools/card-render/card-fixtures.ts (built
 * by the bot's own renderers), the drawing is src/tools/card-render/render-cards.ts, both loaded from dist/. For
 * each card the page reports what a reviewer would check by eye: the visible text, the buttons, text wider than
 * the card or clipped, a `${` left unexpanded, parse warnings, and text whose contrast with its background is
 * poor. Those findings go to results.json and the contact sheet, and are printed; with --strict the command exits
 * 1 when a card overflows, is clipped, keeps a `${` or fails to parse (test/e2e/cards-render.test.ts is the gate).
 */
'use strict';

const { existsSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const TOOL = join(resolve(__dirname, '..'), 'dist', 'src', 'tools', 'card-render');
const USAGE = 'usage: node scripts/render-cards.js [--out DIR] [--width PX] [--scale N] [--only ID-PART[,ID-PART…]] [--strict]';

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--out') options.outDir = value();
    else if (arg === '--width') options.width = Number(value());
    else if (arg === '--scale') options.scale = Number(value());
    else if (arg === '--only') options.only = value();
    else if (arg === '--strict') options.strict = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (options.width !== undefined && !(options.width >= 200)) throw new Error('--width must be a number of pixels ≥ 200');
  if (options.scale !== undefined && !(options.scale >= 1 && options.scale <= 4)) throw new Error('--scale must be between 1 and 4');
  return options;
}

function loadTool() {
  const entry = join(TOOL, 'render-cards.js');
  if (!existsSync(entry)) throw new Error(`${relative(process.cwd(), entry)} is missing: build first (npm run build).`);
  return { ...require(entry), ...require(join(TOOL, 'rendered-card.js')) };
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`render-cards: ${error.message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const { renderCards, problemsOf } = loadTool();
  const started = Date.now();
  const { outDir, results } = await renderCards(options);
  let failing = 0;
  for (const r of results) {
    const problems = problemsOf(r);
    if (problems.length) {
      failing++;
      console.error(`✗ ${r.id}\n${problems.map((p) => `    ${p}`).join('\n')}`);
    }
  }
  const lowContrast = results.filter((r) => r.lowContrast?.length).length;
  console.log(
    `${results.length} cards rendered to ${relative(process.cwd(), outDir) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      ` — open ${relative(process.cwd(), join(outDir, 'index.html'))}.` +
      (lowContrast ? ` ${lowContrast} with low-contrast text (see the contact sheet).` : ''),
  );
  if (failing) {
    console.error(`${failing} card(s) with problems.`);
    if (options.strict) process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`render-cards: ${error.stack || error.message}`);
  process.exit(1);
});
