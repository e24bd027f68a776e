/**
 * `npm run playground` as a person uses it: scripts/playground.js starts the built bot and the Agents Playground,
 * and headless Chromium drives the playground's real web UI: pick the "SOC Monitoring" channel, mention the bot
 * (@SOC, pick it from the list), bind, run, then Done → note → Mark as done on the card. Screenshots of the card
 * before and after go to test-artifacts/ (docs/playground-reminder-card.png is one of them, chosen by hand).
 * Finally the script is stopped with SIGTERM and must take the bot and the playground with it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { ROOT, answers, freePort, startPlaygroundScript, tempDir, type PlaygroundScript } from '../support/playground';

jest.setTimeout(90_000);

const ARTIFACTS = join(ROOT, 'test-artifacts');
const TICKET = 'https://tickets.contoso.com/SOC-42';

/** Posts `@SOC Reminders <command>` as a new post in the open channel, the way a person does. */
async function postToBot(page: Page, command: string): Promise<void> {
  // The compose box of a new post (each post below has its own reply box).
  await page.getByRole('group').filter({ hasText: 'Start a new post' }).getByRole('textbox').click();
  await page.keyboard.type('@SOC');
  // The mention list; Enter would post "@SOC" as plain text.
  await page.getByRole('menuitem', { name: 'SOC Reminders' }).click();
  await page.keyboard.type(` ${command}`);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
}

/** The bot's post holding the reminder card: its header (author, time) and the card, without the reply box. */
async function shootPost(page: Page, card: Locator, file: string): Promise<void> {
  const post = page.getByRole('group').filter({ has: card }).last();
  const p = (await post.boundingBox())!;
  const c = (await card.boundingBox())!;
  await page.screenshot({ path: file, clip: { x: p.x, y: p.y, width: p.width, height: c.y + c.height + 12 - p.y } });
}

describe('the Agents Playground web UI (npm run playground)', () => {
  const tmp = tempDir('soc-playground-ui-');
  let script: PlaygroundScript | undefined;
  let browser: TestBrowser | undefined;
  let playgroundPort = 0;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    playgroundPort = await freePort();
    script = await startPlaygroundScript({
      PORT: String(await freePort()),
      PLAYGROUND_PORT: String(playgroundPort),
      DATABASE_URL: join(tmp.dir, 'playground.db'),
      PLAYGROUND_LOG_DIR: join(tmp.dir, 'logs'),
      SOC_TIMEZONE: 'Asia/Seoul',
      LOG_LEVEL: 'info',
    });
    browser = await launchBrowser({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 2, locale: 'en-US', timezoneId: 'Asia/Seoul' });
  });

  afterAll(async () => {
    await browser?.close();
    await script?.stop();
    tmp.cleanup();
  });

  it('prints where to go and what to type', () => {
    const out = script!.output();
    expect(script!.url).toBe(`http://localhost:${playgroundPort}`);
    expect(out).toContain('@SOC Reminders bind monitoring');
    expect(out).toContain('@SOC Reminders run secure-score-report');
    expect(out).toContain('Press Ctrl-C to stop both.');
  });

  it('binds, runs and marks a reminder done through the web UI', async () => {
    const page = await browser!.context.newPage();
    await page.goto(script!.url, { waitUntil: 'domcontentloaded' });
    await page.getByRole('treeitem', { name: 'Contoso SOC - SOC Monitoring' }).click();

    // Placeholders the web UI draws as they are written: it (like Teams) reads <team> as markup and drops it,
    // which showed "bind :" and "run [for ]" (issue 15). «team» is text to it.
    await postToBot(page, 'help');
    const help = page.locator('.ac-adaptiveCard').filter({ hasText: 'start an on-demand activity now' }).first();
    await help.waitFor({ timeout: 15_000 });
    const helpText = await help.innerText();
    expect(helpText).toContain('bind «team»');
    expect(helpText).toContain('workload [«team»]');
    expect(helpText).toContain('run «activity» [for «team»]');
    expect(helpText).toMatch(/SOC teams \(type the id or the name\): secops \(SecOps\)/);
    expect(helpText).toContain('secure-score-report (Generate the Secure Score report)');
    await help.screenshot({ path: join(ARTIFACTS, 'playground-help.png') });

    await postToBot(page, 'bind monitoring');
    // Chat replies are cards (their text shown as written): look for the text wherever the UI draws it.
    await page.getByText('This channel now receives the reminders of Monitoring.').first().waitFor({ timeout: 15_000 });

    await postToBot(page, 'run secure-score-report');
    await page.getByText('Started Generate the Secure Score report for Monitoring.').first().waitFor({ timeout: 15_000 });
    // The card comes through the outbox as a new post in the channel (the bot's delivery worker runs on its own).
    // The reminder card, not the chat reply (a card too) that names the same activity.
    const card = page.locator('.ac-adaptiveCard').filter({ hasText: 'Generate the Secure Score report' }).filter({ hasText: 'Started by 김민지.' }).first();
    await card.getByRole('button', { name: 'Take it' }).waitFor({ timeout: 15_000 });
    await expect(card.innerText()).resolves.toMatch(/Open\s*·\s*Waiting for someone to take it/);
    await expect(card.innerText()).resolves.toContain('Started by 김민지.');
    await shootPost(page, card, join(ARTIFACTS, 'playground-card-before.png'));

    // Take it (issue 14): the card, answered in place, names her as the assignee and as the one on it.
    await card.getByRole('button', { name: 'Take it' }).click();
    await card.getByText(/김민지 is on it since/).waitFor({ timeout: 15_000 });
    await expect(card.innerText()).resolves.toMatch(/Assigned to\s*김민지/);
    await expect(card.getByRole('button', { name: 'Take it' }).count()).resolves.toBe(0);
    await expect(card.getByRole('button', { name: "I'm on it" }).count()).resolves.toBe(0);
    await shootPost(page, card, join(ARTIFACTS, 'playground-card-taken.png'));

    await card.getByRole('button', { name: 'Done', exact: true }).click();
    await card.getByLabel('Note').fill(TICKET);
    await shootPost(page, card, join(ARTIFACTS, 'playground-card-done-form.png'));
    await card.getByRole('button', { name: 'Mark as done' }).click();

    // The invoke answer replaces the card in place: no buttons left, who and when on it.
    await card.getByText(/by 김민지 at/).waitFor({ timeout: 15_000 });
    const after = await card.innerText();
    // The banner says "Done" once; this year's date without the year, Seoul's time without the zone (the SOC's own).
    expect(after).toMatch(/Done\s*·\s*by 김민지 at \w{3} \d{1,2} \w{3}, \d{2}:\d{2}\s*— https:\/\/tickets\.contoso\.com\/SOC-42/);
    await expect(card.getByRole('button', { name: "I'm on it" }).count()).resolves.toBe(0);
    await expect(card.innerText()).resolves.toMatch(/Assigned to\s*김민지/);
    await shootPost(page, card, join(ARTIFACTS, 'playground-card-after.png'));
    await page.screenshot({ path: join(ARTIFACTS, 'playground-channel.png') });

    // The bot's own record agrees (its JSON API, local mode).
    const workload = await (await fetch(`http://127.0.0.1:${script!.botPort}/api/workload?team=monitoring`)).json();
    expect(workload.doneLast7Days).toBe(1);
    await page.close();
  });

  it('stops the bot and the playground on SIGTERM', async () => {
    const botHealth = `http://127.0.0.1:${script!.botPort}/healthz`;
    const ping = `http://127.0.0.1:${playgroundPort}/_debug/ping`;
    await expect(answers(botHealth)).resolves.toBe(true);
    await expect(answers(ping)).resolves.toBe(true);
    await expect(script!.stop()).resolves.toBe(0);
    expect(script!.output()).toContain('Stopping the playground and the bot');
    await expect(answers(botHealth)).resolves.toBe(false);
    await expect(answers(ping)).resolves.toBe(false);
  });
});
