/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core (which downloads no
 * browser of its own). The flags keep Chromium off the network it would otherwise call home to, and each launch
 * gets a fresh profile so tests never share storage.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

import { CHROMIUM_FLAGS as FLAGS, CHROMIUM_PATH } from '../../src/tools/card-render/render-cards';

export { CHROMIUM_PATH };

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Closes Chromium and deletes its profile. */
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile. Throws, saying how to install it, when `/usr/bin/chromium` is missing.
 * `options` are the context's (viewport, locale, timezoneId, colorScheme, …).
 */
export async function launchBrowser(options: BrowserContextOptions = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install Debian's package as root: apt-get update && apt-get install -y chromium ` +
        '(and fonts-nanum or fonts-noto-cjk for Korean text). Do not run "npx playwright install": it downloads a browser.',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  // A persistent context is how playwright-core takes a --user-data-dir of our choosing.
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...FLAGS],
      ...options,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
