/**
 * Cards are pure functions of their view models: a template from `cards/`, the view and the locale's labels
 * bound as data, an Adaptive Card 1.5 object out. Templates and strings are read once and cached.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Templating from 'adaptivecards-templating';
import { packageRoot } from '../../package-root';
import { SNOOZE_MINUTES, type OccurrenceStatus } from '../../reminders/occurrence.types';
import { cardStrings } from '../i18n';
import type {
  DigestCardView,
  EscalationCardView,
  Locale,
  MessageCardView,
  NudgeCardView,
  ReminderCardView,
  TaskListCardView,
  TeamsListCardView,
  WorkloadCardView,
} from './card-views';

/** An Adaptive Card as JSON, ready to be an attachment's `content`. */
export type AdaptiveCardJson = Record<string, unknown>;

/** Teams refreshes a card automatically for at most this many users (`refresh.userIds`). */
export const MAX_REFRESH_USERS = 60;

type TextColor = 'default' | 'accent' | 'good' | 'warning' | 'attention';
type ContainerStyle = 'emphasis' | 'accent' | 'good' | 'warning' | 'attention';

/**
 * How each status looks on the reminder card. Semantic colours only: Teams picks the shade for its light, dark and
 * high-contrast themes. The label carries the meaning too, so colour is never the only signal.
 */
// The band carries the colour; a label in the band's own colour was unreadable on it (1.2:1 to 3.9:1 in Teams'
// host configs), so labels use the default text colour, which every band is designed for.
export const STATUS_LOOK: Readonly<Record<OccurrenceStatus, { readonly color: TextColor; readonly style: ContainerStyle }>> = {
  pending: { color: 'default', style: 'emphasis' },
  posted: { color: 'default', style: 'accent' },
  acknowledged: { color: 'default', style: 'accent' },
  snoozed: { color: 'default', style: 'warning' },
  overdue: { color: 'default', style: 'attention' },
  escalated: { color: 'default', style: 'attention' },
  done: { color: 'default', style: 'good' },
  skipped: { color: 'default', style: 'emphasis' },
  missed: { color: 'default', style: 'warning' },
};

/** A template that does not fit its view model (an unbound `${…}`, a missing label): a programming error. */
export class CardTemplateError extends Error {
  constructor(
    readonly template: TemplateName,
    message: string,
  ) {
    super(`card template ${template}: ${message}`);
    this.name = 'CardTemplateError';
  }
}

export type TemplateName =
  | 'reminder.json'
  | 'nudge.json'
  | 'escalation.json'
  | 'workload.json'
  | 'task-list.json'
  | 'teams-list.json'
  | 'digest.json'
  | 'message.json';

/** Words longer than this get break opportunities. */
const LONG_WORD = 40;

/**
 * The status line is TextRuns, which the renderers never break inside a word: a pasted ticket link ran off the
 * card. Zero-width spaces after the link's separators let it wrap; what a person copies is unchanged but for them.
 */
export function breakLongWords(text: string): string {
  return text.replace(/\S+/g, (word) => (word.length > LONG_WORD ? word.replace(/([/?&=#._-])(?=\S)/g, '$1\u200B') : word));
}

export function renderReminderCard(view: ReminderCardView): AdaptiveCardJson {
  const choiceLabels: Readonly<Record<string, string | undefined>> = cardStrings(view.locale).snoozeChoices;
  const snoozeChoices = SNOOZE_MINUTES.map((minutes) => {
    const title = choiceLabels[String(minutes)];
    if (!title) throw new CardTemplateError('reminder.json', `no label card.snoozeChoices.${minutes} (${view.locale})`);
    return { title, value: String(minutes) };
  });
  const look = STATUS_LOOK[view.status];
  return render('reminder.json', view, {
    statusText: breakLongWords(view.statusText),
    // A report link is one long word too; the link it opens (`url`) is left exactly as recorded.
    evidenceShown: view.evidenceShown.map((e) => ({ ...e, text: breakLongWords(e.text) })),
    statusColor: look.color,
    statusStyle: look.style,
    snoozeChoices,
    snoozeDefault: snoozeChoices[0]?.value,
    // Teams ignores the whole refresh block beyond its limit; the first users (the caller's order) keep it.
    refreshUserIds: view.refreshUserIds.slice(0, MAX_REFRESH_USERS),
  });
}

export function renderNudgeCard(view: NudgeCardView): AdaptiveCardJson {
  return render('nudge.json', view);
}

export function renderEscalationCard(view: EscalationCardView): AdaptiveCardJson {
  return render('escalation.json', view);
}

export function renderWorkloadCard(view: WorkloadCardView): AdaptiveCardJson {
  return render('workload.json', view);
}

export function renderTaskListCard(view: TaskListCardView): AdaptiveCardJson {
  return render('task-list.json', view);
}

export function renderTeamsListCard(view: TeamsListCardView): AdaptiveCardJson {
  return render('teams-list.json', view);
}

export function renderDigestCard(view: DigestCardView): AdaptiveCardJson {
  return render('digest.json', view);
}

/**
 * A titled text: help, welcome, chat replies, confirmations, errors. `text` goes into TextRuns, one per paragraph
 * (a TextRun has no Markdown, so what people typed shows as typed); only the bot's own `markdown` is a TextBlock.
 */
export function renderMessageCard(view: MessageCardView): AdaptiveCardJson {
  const paragraphs = (view.text ?? '')
    .split(/\n[ \t]*\n/)
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .map((text) => ({ text: breakLongWords(text) }));
  return render('message.json', { locale: view.locale }, { title: view.title ?? '', markdown: view.markdown ?? '', paragraphs });
}

const templates = new Map<TemplateName, Templating.Template>();

let templating: typeof Templating | undefined;

/** adaptivecards-templating (its expression engine: 7 MB of heap), required at the first render, not at start. */
function templatingLibrary(): typeof Templating {
  templating ??= require('adaptivecards-templating') as typeof Templating;
  return templating;
}

function templateOf(name: TemplateName): Templating.Template {
  let template = templates.get(name);
  if (!template) {
    const json: unknown = JSON.parse(readFileSync(join(packageRoot(), 'cards', name), 'utf8'));
    template = new (templatingLibrary().Template)(json);
    templates.set(name, template);
  }
  return template;
}

function render(name: TemplateName, view: { readonly locale: Locale }, extra: Record<string, unknown> = {}): AdaptiveCardJson {
  const root = encodeData({ ...view, ...extra, s: cardStrings(view.locale) });
  const unbound: string[] = [];
  // Without this hook the templating library leaves an unbound `${path}` in the card, which Teams would show.
  // The hook is global, so it is set only for this synchronous expansion.
  const { GlobalSettings } = templatingLibrary();
  const previous = GlobalSettings.getUndefinedFieldValueSubstitutionString;
  GlobalSettings.getUndefinedFieldValueSubstitutionString = (path: string) => {
    unbound.push(path);
    return UNBOUND;
  };
  let expanded: unknown;
  try {
    expanded = templateOf(name).expand({ $root: root });
  } catch (error) {
    throw new CardTemplateError(name, `expansion failed: ${(error as Error).message}`);
  } finally {
    GlobalSettings.getUndefinedFieldValueSubstitutionString = previous;
  }
  if (unbound.length > 0) throw new CardTemplateError(name, `unbound field(s) ${[...new Set(unbound)].join(', ')}`);
  const residue = findResidue(expanded, '$');
  if (residue) throw new CardTemplateError(name, `unexpanded expression at ${residue}`);
  const card = decodeData(prune(expanded));
  if (!isObject(card) || card['type'] !== 'AdaptiveCard') throw new CardTemplateError(name, 'did not expand to an AdaptiveCard');
  return card;
}

// User text may contain `${…}` itself. It is bound as data, so the engine never evaluates it, but it would be
// indistinguishable from a template expression left unexpanded. Data strings are therefore carried through the
// expansion with `${` (and the escape character itself) replaced by private-use characters, so that any `${`
// in the expanded card is the template's, and restored afterwards.
const ESCAPE = '\uE000';
const ESCAPED_ESCAPE = '\uE000\uE001';
const ESCAPED_OPEN = '\uE000\uE002';
const UNBOUND = '\uE000\uE003';

function encodeData(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll(ESCAPE, ESCAPED_ESCAPE).replaceAll('${', ESCAPED_OPEN);
  if (Array.isArray(value)) return value.map(encodeData);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, encodeData(child)]));
  return value;
}

function decodeData(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/\uE000([\uE001\uE002])/g, (_match, code: string) => (code === '\uE001' ? ESCAPE : '${'));
  }
  if (Array.isArray(value)) return value.map(decodeData);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, decodeData(child)]));
  return value;
}

function findResidue(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('${') || value.includes(UNBOUND) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, child] of value.entries()) {
      const found = findResidue(child, `${path}[${index}]`);
      if (found) return found;
    }
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const found = findResidue(child, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

// Elements whose collection the templating emptied (a `$data` over an empty list, every child dropped by `$when`).
// Teams renders some of them as blank boxes and rejects others; the card is better without them.
const REQUIRED_COLLECTION: Readonly<Record<string, string>> = {
  ActionSet: 'actions',
  ColumnSet: 'columns',
  Container: 'items',
  FactSet: 'facts',
  RichTextBlock: 'inlines',
};

/**
 * Removes what the templating leaves behind: `null` where an object's `$when` was false, an empty `actions`
 * (a closed reminder card has none, and Teams rejects an empty action list on some clients) and hollow elements.
 */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(prune).filter((item) => item !== null && item !== undefined && !isHollowElement(item));
  }
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null || child === undefined) continue;
    const pruned = prune(child);
    // `msteams.entities` too: a card without a mention carries none rather than an empty list.
    if ((key === 'actions' || key === 'entities') && Array.isArray(pruned) && pruned.length === 0) continue;
    result[key] = pruned;
  }
  return result;
}

function isHollowElement(value: unknown): boolean {
  if (!isObject(value) || typeof value['type'] !== 'string') return false;
  const collection = REQUIRED_COLLECTION[value['type']];
  if (!collection) return false;
  const items = value[collection];
  return !Array.isArray(items) || items.length === 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
