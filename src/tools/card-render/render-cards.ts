/**
 * Cards, seen: draws every card of `card-fixtures.ts` the way Teams would, with the adaptivecards browser renderer
 * and Teams' host configs (cards/host-config/: light for every card, dark and high contrast too for the reminder
 * card) in headless Chromium (Debian's /usr/bin/chromium through playwright-core), one page re-rendered per card.
 * Writes `<outDir>/<id>.png`, results.json and a contact sheet (index.html).
 *
 * `npm run cards:render` runs it through `scripts/render-cards.js`; test/e2e/cards-render.test.ts calls
 * renderCards() with its own browser context and checks the findings.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { packageRoot } from '../../package-root';
import { buildCardCases, CARD_THEMES, type CardCase, type CardTheme } from './card-fixtures';
import { CHROME, pageHtml, renderInPage, THEMES } from './card-page';
import { contactSheet } from './contact-sheet';
import type { RenderedCard } from './rendered-card';

/**
 * Width of the card in a Teams message on desktop. Teams does not publish one figure; ~450 px is what a card gets
 * in a chat or channel at the common window sizes (a `msteams.width: "Full"` card gets wider, never narrower except
 * on phones), so overflow found here is real.
 */
export const DEFAULT_WIDTH = 450;

export const DEFAULT_OUT = join(packageRoot(), 'test-artifacts', 'cards');

const HOST_CONFIG_DIR = join(packageRoot(), 'cards', 'host-config');

/**
 * Debian's package; CHROMIUM_PATH names another build (the test prerequisites check reads the same variable). A build
 * tool, not the service, so it reads the variable itself. The browser tests launch with the same path and flags.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Headless, and off the network: without the networking flags Chromium floods a closed network calling home. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface RenderCardsOptions {
  /** @default DEFAULT_OUT (test-artifacts/cards) */
  readonly outDir?: string;
  /** Card width in CSS pixels. @default DEFAULT_WIDTH */
  readonly width?: number;
  /** Device pixels per CSS pixel; only for the browser launched here (a given context keeps its own). @default 1 */
  readonly scale?: number;
  /** Comma-separated parts of case ids: only the cases whose id contains one are drawn. */
  readonly only?: string;
  /** @default buildCardCases() */
  readonly cases?: readonly CardCase[];
  /** A browser context to draw in; without one, Chromium is launched and closed here. */
  readonly context?: BrowserContext;
}

async function launchOwnBrowser(deviceScaleFactor: number): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: apt-get install -y chromium fonts-nanum (never "npx playwright install").`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    deviceScaleFactor,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Renders every case (or those `only` names) to `<outDir>/<id>.png`, writes results.json and index.html, and
 * returns one result per case with the page's findings (see renderInPage) and its PNG.
 */
export async function renderCards(options: RenderCardsOptions = {}): Promise<{ outDir: string; results: RenderedCard[] }> {
  const outDir = resolve(options.outDir || DEFAULT_OUT);
  const width = options.width || DEFAULT_WIDTH;
  const scale = options.scale || 1;
  const only = options.only ? String(options.only).split(',').filter(Boolean) : undefined;
  const cases = (options.cases || buildCardCases()).filter((c) => !only || only.some((part) => c.id.includes(part)));
  mkdirSync(outDir, { recursive: true });

  const hostConfigs = Object.fromEntries(CARD_THEMES.map((name) => [name, JSON.parse(readFileSync(join(HOST_CONFIG_DIR, THEMES[name].hostConfig), 'utf8')) as object])) as Record<CardTheme, object>;

  const own = options.context ? undefined : await launchOwnBrowser(scale);
  const context = options.context ?? own!.context;
  const page = await context.newPage();
  const results: RenderedCard[] = [];
  try {
    // The page is as tall as the tallest card so far: a screenshot clip must lie inside the viewport.
    let viewportHeight = 0;
    const ensureHeight = async (height: number) => {
      if (height <= viewportHeight) return;
      viewportHeight = Math.ceil(height / 400) * 400;
      await page.setViewportSize({ width: width + 200, height: viewportHeight });
    };
    await ensureHeight(1200);
    await page.setContent(pageHtml());
    await page.addScriptTag({ content: readFileSync(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8') });
    await page.evaluate(() => document.fonts.ready);

    for (const c of cases) {
      const found = await page.evaluate(renderInPage, {
        card: c.card,
        hostConfig: hostConfigs[c.theme],
        theme: THEMES[c.theme],
        chrome: CHROME[c.theme],
        width,
        locale: c.locale,
        expand: c.expand,
      });
      const png = join(outDir, `${c.id}.png`);
      // A clipped page screenshot: the stage's box comes back with the findings (no locator round trips).
      if (found.error === undefined) {
        await ensureHeight(found.stage.y + found.stage.height);
        await page.screenshot({ path: png, clip: found.stage });
      }
      const text = found.error === undefined ? found.text : '';
      results.push({
        id: c.id, kind: c.kind, variant: c.variant, status: c.status, locale: c.locale, theme: c.theme, expand: c.expand,
        view: c.view, png: found.error ? undefined : png, ...found,
        residue: JSON.stringify(c.card).includes('${') || text.includes('${'),
        // Built field by field from one case, so kind and view still match; TypeScript loses that across the union.
      } as RenderedCard);
    }
  } finally {
    await page.close();
    if (own) await own.close();
  }

  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results.map(({ view: _view, ...r }) => ({ ...r, png: r.png && relative(outDir, r.png) })), null, 2));
  const rendererVersion = (JSON.parse(readFileSync(require.resolve('adaptivecards/package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(join(outDir, 'index.html'), contactSheet(results, outDir, width, rendererVersion));
  return { outDir, results };
}
