/**
 * What the tab's browser tests share: the tab built into a directory of the test's own, and Chromium as a desk
 * analyst in Seoul sees it, kept off Microsoft's CDN.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';
import { launchBrowser, type TestBrowser } from './browser';

/** Builds the tab's static files into `outdir` with the project's own build script. */
export function buildTab(outdir: string): void {
  execFileSync(process.execPath, [join(packageRoot(), 'scripts', 'build-tab.js'), '--outdir', outdir, '--quiet'], { stdio: 'inherit' });
}

/** Chromium at 1280×900, Asia/Seoul, en-US (a page may still ask for another locale through its Teams context). */
export async function launchTabBrowser(): Promise<TestBrowser> {
  const browser = await launchBrowser({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Seoul', locale: 'en-US' });
  // Offline: teams-js asks Microsoft's CDN for its list of host origins; answer at once instead of timing out.
  await browser.context.route('https://res.cdn.office.net/**', (route) => route.abort());
  return browser;
}
