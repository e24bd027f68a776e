/**
 * Cards are pure functions of their view models: a template from `cards/`, the view and the locale's labels
 * bound as data, an Adaptive Card 1.5 object out. Templates and strings are read once and cached; each template
 * is compiled once, at first use, into a function that binds it (card-template.ts), with the semantics of
 * adaptivecards-templating, which stays the reference (`cardRenderers(expandWithEngine)`) and the fallback for a
 * template the compiler does not support.
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
import { compileTemplate, UnsupportedTemplate, type CompiledTemplate } from './card-template';

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

/**
 * How a template is bound to its data: `$root` in, the expanded JSON and the fields it read that the data lacks
 * out. Throws on an expression that fails.
 */
export type TemplateExpander = (name: TemplateName, root: unknown) => { readonly expanded: unknown; readonly unbound: readonly string[] };

/** Every card's renderer, binding templates with `expand`. */
export function cardRenderers(expand: TemplateExpander) {
  const render = (name: TemplateName, view: { readonly locale: Locale }, extra: Record<string, unknown> = {}) => renderCard(expand, name, view, extra);
  return {
    reminder(view: ReminderCardView): AdaptiveCardJson {
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
    },
    nudge: (view: NudgeCardView): AdaptiveCardJson => render('nudge.json', view),
    escalation: (view: EscalationCardView): AdaptiveCardJson => render('escalation.json', view),
    workload: (view: WorkloadCardView): AdaptiveCardJson => render('workload.json', view),
    taskList: (view: TaskListCardView): AdaptiveCardJson => render('task-list.json', view),
    teamsList: (view: TeamsListCardView): AdaptiveCardJson => render('teams-list.json', view),
    digest: (view: DigestCardView): AdaptiveCardJson => render('digest.json', view),
    /**
     * A titled text: help, welcome, chat replies, confirmations, errors. `text` goes into TextRuns, one per paragraph
     * (a TextRun has no Markdown, so what people typed shows as typed); only the bot's own `markdown` is a TextBlock.
     */
    message(view: MessageCardView): AdaptiveCardJson {
      const paragraphs = (view.text ?? '')
        .split(/\n[ \t]*\n/)
        .map((text) => text.trim())
        .filter((text) => text !== '')
        .map((text) => ({ text: breakLongWords(text) }));
      return render('message.json', { locale: view.locale }, { title: view.title ?? '', markdown: view.markdown ?? '', paragraphs });
    },
  };
}

function templateJson(name: TemplateName): unknown {
  return JSON.parse(readFileSync(join(packageRoot(), 'cards', name), 'utf8'));
}

const compiled = new Map<TemplateName, CompiledTemplate | 'engine'>();

/**
 * The service's expander: each template compiled at first use. One the compiler does not support is expanded by
 * the engine (test/unit/card-template.test.ts fails for it, so that the compiler learns the construct).
 */
export const expandCompiled: TemplateExpander = (name, root) => {
  const template = compiledTemplateOf(name);
  if (template === 'engine') return expandWithEngine(name, root);
  const unbound: string[] = [];
  return { expanded: template(root, { unbound, unboundMarker: UNBOUND }), unbound };
};

function compiledTemplateOf(name: TemplateName): CompiledTemplate | 'engine' {
  let template = compiled.get(name);
  if (!template) {
    try {
      template = compileTemplate(templateJson(name));
    } catch (err) {
      if (!(err instanceof UnsupportedTemplate)) throw err;
      template = 'engine';
    }
    compiled.set(name, template);
  }
  return template;
}

/** True when `name` is bound by its compiled form, not by the engine. */
export function isCompiledTemplate(name: TemplateName): boolean {
  return compiledTemplateOf(name) !== 'engine';
}

let templating: typeof Templating | undefined;
const engineTemplates = new Map<TemplateName, Templating.Template>();

/**
 * adaptivecards-templating itself, loaded on first use (the service does not need it while every template
 * compiles). People's text is carried through it escaped (see `encodeData`), and a `${` left in its output
 * (an expression it could not evaluate) is refused.
 */
export const expandWithEngine: TemplateExpander = (name, root) => {
  templating ??= require('adaptivecards-templating') as typeof Templating;
  const { GlobalSettings, Template } = templating;
  let template = engineTemplates.get(name);
  if (!template) {
    template = new Template(templateJson(name));
    engineTemplates.set(name, template);
  }
  const unbound: string[] = [];
  // Without this hook the templating library leaves an unbound `${path}` in the card, which Teams would show.
  // The hook is global, so it is set only for this synchronous expansion.
  const previous = GlobalSettings.getUndefinedFieldValueSubstitutionString;
  GlobalSettings.getUndefinedFieldValueSubstitutionString = (path: string) => {
    unbound.push(path);
    return UNBOUND;
  };
  let expanded: unknown;
  try {
    expanded = template.expand({ $root: encodeData(root) });
  } finally {
    GlobalSettings.getUndefinedFieldValueSubstitutionString = previous;
  }
  if (unbound.length > 0) return { expanded, unbound };
  const residue = findResidue(expanded, '$');
  if (residue) throw new Error(`unexpanded expression at ${residue}`);
  return { expanded: decodeData(expanded), unbound };
};

const service = cardRenderers(expandCompiled);
export const renderReminderCard = service.reminder;
export const renderNudgeCard = service.nudge;
export const renderEscalationCard = service.escalation;
export const renderWorkloadCard = service.workload;
export const renderTaskListCard = service.taskList;
export const renderTeamsListCard = service.teamsList;
export const renderDigestCard = service.digest;
export const renderMessageCard = service.message;

function renderCard(expand: TemplateExpander, name: TemplateName, view: { readonly locale: Locale }, extra: Record<string, unknown>): AdaptiveCardJson {
  const root = { ...view, ...extra, s: cardStrings(view.locale) };
  let result: ReturnType<TemplateExpander>;
  try {
    result = expand(name, root);
  } catch (error) {
    throw new CardTemplateError(name, `expansion failed: ${(error as Error).message}`);
  }
  const { expanded, unbound } = result;
  if (unbound.length > 0) throw new CardTemplateError(name, `unbound field(s) ${[...new Set(unbound)].join(', ')}`);
  const card = prune(expanded);
  if (!isObject(card) || card['type'] !== 'AdaptiveCard') throw new CardTemplateError(name, 'did not expand to an AdaptiveCard');
  return card;
}

// User text may contain `${…}` itself. It is bound as data, so the engine never evaluates it, but it would be
// indistinguishable from a template expression the engine left unexpanded. Data strings are therefore carried
// through the engine's expansion with `${` (and the escape character itself) replaced by private-use characters,
// so that any `${` in the expanded card is the template's, and restored afterwards. The compiled templates need
// none of this: every `${` of a template is compiled, and one that cannot be evaluated throws.
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
    const items: unknown[] = [];
    for (const item of value) {
      if (item === null || item === undefined) continue;
      const pruned = prune(item);
      if (!isHollowElement(pruned)) items.push(pruned);
    }
    return items;
  }
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const key in value) {
    const child = value[key];
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
