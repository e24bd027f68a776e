/**
 * Cards, seen: every card template, rendered by src/tools/card-render/ (the cases of card-fixtures.ts, built by
 * the bot's own renderers) with the adaptivecards browser renderer and Teams' host configs, in one headless
 * Chromium page. For each card, state, language and theme: the card is drawn and non-empty, says what its view
 * says (title, status line), has buttons exactly while the task is open, keeps no `${`, fits the card width, and
 * its PNG is written (test-artifacts/cards/, with index.html to look at them). `scripts/render-cards.js`, the
 * command line over the same code, is run once too (it loads the tool from dist/: `npm run build` first, as npm
 * test does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';
import type { OccurrenceStatus } from '../../src/reminders/occurrence.types';
import { cardStrings, type Locale } from '../../src/teams/i18n';
import { buildCardCases, type CardCase } from '../../src/tools/card-render/card-fixtures';
import { renderCards } from '../../src/tools/card-render/render-cards';
import type { RenderedCard } from '../../src/tools/card-render/rendered-card';
import { launchBrowser } from '../support/browser';
import { withoutPeoplePickerNotes } from '../support/people-picker';

// Every card in three themes and two languages (~170 renders, ~20 s on a shared 2-core machine).
jest.setTimeout(180_000);

type Drawn = Extract<RenderedCard, { error?: undefined }>;

const OUT_DIR = join(packageRoot(), 'test-artifacts', 'cards');
const CARD_WIDTH = 450;

/** The reminder card's buttons, as people read them. */
const BUTTONS: Readonly<Record<Locale, { ack: string; take: string; done: string; snooze: string; skip: string; assign: string }>> = {
  en: { ack: "I'm on it", take: 'Take it', done: 'Done', snooze: 'Snooze', skip: 'Skip', assign: 'Assign' },
  ko: { ack: '제가 맡겠습니다', take: '내가 담당', done: '완료', snooze: '나중에 알림', skip: '건너뛰기', assign: '담당 변경' },
};
const OPEN: readonly OccurrenceStatus[] = ['pending', 'posted', 'acknowledged', 'snoozed', 'overdue', 'escalated'];
const ALL_STATUSES: readonly OccurrenceStatus[] = [...OPEN, 'done', 'skipped', 'missed'];

const cases = buildCardCases();
const byId = new Map<string, RenderedCard>();
/**
 * A card on a phone: Teams mobile gives a card about the screen's width less its margins, ~340 px on a 390 px
 * phone (our estimate; Teams publishes no figure). The cards whose layout is widest, drawn at that width. Not the
 * reminder card: its four buttons are cut at this width with the desktop host config's horizontal actions, and how
 * Teams mobile lays actions out (it may stack them) is its own, not the card's.
 */
const PHONE_WIDTH = 340;
const phoneCases = cases.filter((c) => c.theme === 'light' && !c.expand && /^(?:digest-full|workload-full|teams-list-full|task-list-overdue|message-help|message-welcome|escalation-linked|nudge-overdue)-/.test(c.id));
const onPhone = new Map<string, RenderedCard>();

// Zero-width break opportunities (long links) are invisible to a reader.
const flat = (text: string) => text.replace(/\u200B/g, '').replace(/\s+/g, ' ').trim();
const s = (c: { readonly locale: Locale }) => cardStrings(c.locale);

/** The text a card must show, from the view it was rendered from. */
function expectedText(c: CardCase): string[] {
  switch (c.kind) {
    case 'reminder': {
      const v = c.view;
      const assignee = v.assignee ? [`${s(c).assign.assignedTo}${v.assignee.name}`] : [];
      return [v.title, s(c).status[c.status!], v.statusText, v.teamName, v.dueText, v.cadence, ...assignee, ...(v.evidenceShown ?? []).map((e) => e.text)];
    }
    case 'nudge':
      return [c.view.title, c.view.message, c.view.dueText];
    case 'escalation':
      return [s(c).escalationHeading, c.view.title, ...c.view.tasks.flatMap((x) => [x.teamName, x.stateText]), ...(c.view.neverToldText ? [c.view.neverToldText] : [])];
    case 'workload': {
      const v = c.view;
      return [
        s(c).workload.heading,
        v.teamName,
        s(c).workload.openTasks,
        ...(v.openItems.length ? v.openItems.map((i) => i.title) : [s(c).workload.noOpenTasks]),
        ...(v.upcoming.length ? v.upcoming.map((i) => i.whenText) : [s(c).workload.noUpcoming]),
      ];
    }
    case 'task-list':
      return [c.view.heading, ...(c.view.items.length ? c.view.items.map((i) => i.statusText) : [c.view.emptyText])];
    case 'teams-list':
      return [s(c).teamsList.title, ...(c.view.teams.length ? c.view.teams.map((x) => x.channelText) : [s(c).teamsList.empty])];
    case 'digest':
      return [s(c).digest.title, c.view.periodText, ...(c.view.rows.length ? c.view.rows.map((r) => r.teamName) : [s(c).digest.empty])];
    case 'message': {
      const v = c.view;
      const title = v.title ? [v.title] : [];
      // Only the bot's own Markdown (help) is rendered as Markdown: the bullets and ** disappear.
      if (v.markdown) {
        const lines = v.markdown
          .split('\n')
          .map((line) => line.replace(/^\s*- /, '').replaceAll('**', ''))
          .filter((line) => line.trim());
        return [...title, ...lines];
      }
      // Any other text is shown exactly as written, paragraph by paragraph.
      return [...title, ...(v.text ?? '').split(/\n\s*\n/).filter((p) => p.trim())];
    }
  }
}

/** The buttons at the bottom of the card (not those inside an opened form). */
function expectedButtons(c: CardCase): string[] {
  if (c.kind === 'reminder') {
    const b = BUTTONS[c.locale];
    // The tool links come first (they are in the body), then the task's own buttons.
    const links = [...(c.view.linkButtons ?? []).map((l) => l.label), ...((c.view.moreLinks ?? []).length ? [s(c).evidence.moreTools] : [])];
    if (!OPEN.includes(c.status!)) return links;
    links.push(b.assign);
    // Take it while nobody is assigned; I'm on it once someone is, until someone is on it (issue 14).
    const v = c.view;
    const first = !v.assignee ? [b.take] : !v.acknowledged || c.status === 'snoozed' ? [b.ack] : [];
    return [...links, ...first, b.done, b.snooze, b.skip];
  }
  if (c.kind === 'escalation') {
    const opens = c.view.tasks.filter((x) => x.link).map(() => s(c).escalation.openTeamTask);
    return c.view.taskChoices.length > 0 ? [...opens, s(c).escalation.ack, s(c).escalation.assign] : opens;
  }
  return [];
}

function result(id: string): RenderedCard {
  const r = byId.get(id);
  if (!r) throw new Error(`${id} was not rendered`);
  return r;
}

/** A card that was drawn (its findings are there), or a failure naming why it was not. */
function drawn(id: string): Drawn {
  const r = result(id);
  if (r.error !== undefined) throw new Error(`${id} was not drawn: ${r.error}`);
  return r;
}

// One browser, one page, a re-render and a clipped screenshot per card: about 10 s for the ~94 cards.
beforeAll(async () => {
  const browser = await launchBrowser();
  try {
    const { results } = await renderCards({ context: browser.context, outDir: OUT_DIR, cases });
    for (const r of results) byId.set(r.id, r);
    const phone = await renderCards({ context: browser.context, outDir: join(OUT_DIR, 'phone'), cases: phoneCases, width: PHONE_WIDTH });
    for (const r of phone.results) onPhone.set(r.id, r);
  } finally {
    await browser.close();
  }
});

describe('the cases', () => {
  it('cover every reminder status, and every other card, in both languages and all three themes', () => {
    for (const locale of ['en', 'ko'] as const) {
      for (const theme of ['light', 'dark', 'contrast'] as const) {
        const statuses = cases.filter((c) => c.kind === 'reminder' && c.locale === locale && c.theme === theme && !c.expand).map((c) => c.status);
        expect(new Set(statuses)).toEqual(new Set(ALL_STATUSES));
      }
      for (const theme of ['light', 'dark', 'contrast'] as const) {
        const kinds = new Set(cases.filter((c) => c.locale === locale && c.theme === theme).map((c) => c.kind));
        expect([...kinds].sort()).toEqual(['digest', 'escalation', 'message', 'nudge', 'reminder', 'task-list', 'teams-list', 'workload']);
      }
      // The forms behind Done, Snooze and Skip, opened.
      expect(cases.filter((c) => c.locale === locale && c.expand).map((c) => c.expand)).toEqual([BUTTONS[locale].done, BUTTONS[locale].snooze, BUTTONS[locale].skip, BUTTONS[locale].assign]);
    }
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('use Korean names in the Korean cards and real ticket links', () => {
    const texts = JSON.stringify(cases.filter((c) => c.locale === 'ko').map((c) => c.view));
    expect(texts).toContain('김민지');
    expect(texts).toContain('https://jira.soc.example.co.kr/browse/SOC-20431');
  });
});

describe.each(cases.map((c) => [c.id, c] as const))('%s', (id, c) => {
  it('is drawn, says what its view says, with the right buttons and no template residue', () => {
    expect(result(id).error).toBeUndefined();
    const r = drawn(id);
    expect(withoutPeoplePickerNotes(r.parseProblems)).toEqual([]);
    expect(r.width).toBe(CARD_WIDTH);
    expect(r.height).toBeGreaterThan(50);
    const text = flat(r.text);
    expect(text.length).toBeGreaterThan(10);
    for (const expected of expectedText(c)) expect([id, text]).toEqual([id, expect.stringContaining(flat(expected))]);
    expect(text).not.toContain('${');
    expect(r.residue).toBe(false);
    expect(r.buttons).toEqual(expectedButtons(c));
    if (c.expand) {
      const submits = {
        [BUTTONS[c.locale].done]: [s(c).doneSubmit],
        [BUTTONS[c.locale].snooze]: [s(c).snoozeSubmit],
        [BUTTONS[c.locale].skip]: [s(c).skipSubmit],
        [BUTTONS[c.locale].assign]: [s(c).assign.reassignSubmit, s(c).assign.handoverSubmit],
      }[c.expand]!;
      const buttons = expectedButtons(c);
      // Assign's form opens in its own row of the body, right under it; the others' below the card's buttons.
      const at = c.expand === BUTTONS[c.locale].assign ? buttons.indexOf(c.expand) + 1 : buttons.length;
      expect(r.visibleButtons).toEqual([...buttons.slice(0, at), ...submits, ...buttons.slice(at)]);
    } else {
      expect(r.visibleButtons).toEqual(expectedButtons(c));
    }
  });

  it("has text at 4.5:1 or better against its background in this theme's host config", () => {
    // Issue 15: green and yellow text on white (1.47–2.07:1), red on dark, links in the browser's blue.
    expect(drawn(id).lowContrast).toEqual([]);
  });

  it('fits the card: nothing sticks out or is cut', () => {
    expect(drawn(id).overflow).toEqual([]);
  });

  it('is written as a PNG', () => {
    const png = drawn(id).png;
    expect(png).toBe(join(OUT_DIR, `${id}.png`));
    const bytes = readFileSync(png!);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: the screenshot holds the card and the message around it.
    expect(bytes.readUInt32BE(16)).toBeGreaterThan(CARD_WIDTH);
    expect(bytes.readUInt32BE(20)).toBeGreaterThan(drawn(id).height);
  });
});

describe('at phone width', () => {
  it('draws the widest cards in both languages', () => {
    expect(new Set(phoneCases.map((c) => c.locale))).toEqual(new Set(['en', 'ko']));
    expect(phoneCases.length).toBeGreaterThanOrEqual(16);
  });

  it.each(phoneCases.map((c) => [c.id, c] as const))('%s: fits, says all it says on a desktop, nothing cut', (id, c) => {
    const r = onPhone.get(id);
    if (!r || r.error !== undefined) throw new Error(`${id} was not drawn at phone width: ${r?.error}`);
    expect(r.width).toBe(PHONE_WIDTH);
    expect(r.overflow).toEqual([]);
    const text = flat(r.text);
    for (const expected of expectedText(c)) expect([id, text]).toEqual([id, expect.stringContaining(flat(expected))]);
  });
});

describe("people's text", () => {
  const withPeopleText = cases.filter((c) => c.peopleText);

  it('is drawn on a reminder card, a task list and a chat reply, in both languages', () => {
    expect([...new Set(withPeopleText.map((c) => `${c.kind}-${c.locale}`))].sort()).toEqual(['message-en', 'message-ko', 'reminder-en', 'reminder-ko', 'task-list-en', 'task-list-ko']);
  });

  it.each(withPeopleText.map((c) => [c.id, c] as const))('%s: shows Markdown and HTML as typed: no link, image or emphasis made of it', (id, c) => {
    const r = drawn(id);
    expect(r.markup).toEqual({ links: [], images: 0, emphasis: 0 });
    expect(flat(r.text)).toContain(flat(c.peopleText!));
  });

  it("still renders the bot's own Markdown in help", () => {
    const help = drawn('message-help-en-light');
    expect(help.markup.emphasis).toBeGreaterThan(5);
    expect(flat(help.text)).not.toContain('**');
  });
});

describe('the contact sheet', () => {
  it('shows every PNG', () => {
    const index = join(OUT_DIR, 'index.html');
    expect(existsSync(index)).toBe(true);
    const html = readFileSync(index, 'utf8');
    for (const c of cases) expect(html).toContain(`src="${c.id}.png"`);
  });

  it('wraps a pasted 140-character ticket link in the status line instead of running off the card', () => {
    // TextRuns never break inside a word in the renderers; the card renderer adds break opportunities.
    const longLinks = [...byId.keys()].filter((id) => id.includes('long-link'));
    expect(longLinks.length).toBeGreaterThan(0);
    for (const id of longLinks) expect(drawn(id).overflow).toEqual([]);
  });
});

describe('npm run cards:render (scripts/render-cards.js)', () => {
  const script = join(packageRoot(), 'scripts', 'render-cards.js');
  const run = (args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: packageRoot(), encoding: 'utf8', timeout: 60_000 });

  it('draws the cards it is asked for from the built tool, and says where', () => {
    const out = mkdtempSync(join(tmpdir(), 'cards-render-'));
    try {
      const r = run(['--out', out, '--only', 'message-help-en-light', '--strict']);
      expect([r.status, r.stderr]).toEqual([0, expect.not.stringContaining('✗')]);
      expect(r.stdout).toMatch(/^1 cards rendered to .* — open .*index\.html\./);
      expect(readdirSync(out).sort()).toEqual(['index.html', 'message-help-en-light.png', 'results.json']);
      expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toEqual([expect.objectContaining({ id: 'message-help-en-light', png: 'message-help-en-light.png', residue: false, overflow: [] })]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses a bad argument with exit 2 and prints its usage on --help', () => {
    expect(run(['--width', '20'])).toMatchObject({ status: 2, stderr: 'render-cards: --width must be a number of pixels ≥ 200\n' });
    expect(run(['--help'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: node scripts\/render-cards\.js /) });
  });
});
