/**
 * The bot's words, in English and Korean. Both live in `cards/strings/{en,ko}.json`: `card` holds the labels bound
 * into card templates, `messages` the bot's sentences with `{param}` placeholders. English is the reference shape;
 * the Korean file must have exactly the same keys (test/unit/cards.test.ts checks).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import type { Locale } from './cards/card-views';

export type { Locale } from './cards/card-views';

export const LOCALES: readonly Locale[] = ['en', 'ko'];

// Type-only: the strings are read at run time from `cards/`, but their keys are checked at compile time.
type StringsFile = typeof import('../../cards/strings/en.json');

/** Labels bound into card templates as `${$root.s.…}`. */
export type CardStrings = StringsFile['card'];

type LeafPaths<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string | PluralForms ? `${Prefix}${K}` : LeafPaths<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** Every key of `messages`, dotted: `'bind.done'`, `'status.overdueAck'`… A typo is a compile error. */
export type MessageKey = LeafPaths<StringsFile['messages']>;

export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * A sentence with a count, by plural category (`Intl.PluralRules`): English has `one` and `other`; Korean counts
 * with a counter (작업 3건) and has only `other`, which it gives for every number — its file repeats the same
 * sentence under `one` so both files keep the same keys. Where a sentence for exactly one differs in a language
 * whose rules have no `one` ("missed at 09:00", not "missed 1 time between 09:00 and 09:00"), an exact form `=1`
 * (ICU's syntax) comes before the category.
 */
interface PluralForms {
  readonly one: string;
  readonly other: string;
  readonly '=1'?: string;
}

const pluralRules = new Map<Locale, Intl.PluralRules>();

function pluralForm(node: unknown, locale: Locale, count: unknown): unknown {
  if (typeof node !== 'object' || node === null || !Object.hasOwn(node, 'other')) return node;
  if (typeof count !== 'number') return undefined;
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  const forms = node as Record<string, unknown>;
  const exact = `=${count}`;
  if (Object.hasOwn(forms, exact)) return forms[exact];
  const category = rules.select(count);
  return Object.hasOwn(forms, category) ? forms[category] : forms['other'];
}

let loaded: Readonly<Record<Locale, StringsFile>> | undefined;

function stringsOf(locale: Locale): StringsFile {
  loaded ??= { en: readStrings('en'), ko: readStrings('ko') };
  const strings = loaded[locale];
  if (!strings) throw new Error(`unsupported locale "${String(locale)}"`);
  return strings;
}

function readStrings(locale: Locale): StringsFile {
  const file = join(packageRoot(), 'cards', 'strings', `${locale}.json`);
  return deepFreeze(JSON.parse(readFileSync(file, 'utf8')) as StringsFile);
}

// The strings are shared by every card and message: a caller mutating them would change every later card.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** `true` for the locales the bot speaks. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The bot's language for a Teams locale (`activity.locale`, e.g. `ko-KR`, `en-US`). Any Korean locale gives
 * `ko`; any other locale that Teams states gives `en`, since English is the only other language we have.
 * Without a locale (proactive messages, some channel events) the configured `fallback` applies.
 */
export function localeOf(teamsLocale: string | undefined, fallback: Locale): Locale {
  const tag = teamsLocale?.trim();
  if (!tag) return fallback;
  return /^ko(?:[-_]|$)/i.test(tag) ? 'ko' : 'en';
}

/**
 * A bot sentence from `messages` (for a plural one, the form `Intl.PluralRules` picks for `params.count`), with each `{param}` replaced in a single pass, so a value that itself contains
 * `{name}` is left as written. An unknown key or a missing parameter is a programming error and throws.
 */
export function t(locale: Locale, key: MessageKey, params: MessageParams = {}): string {
  let node: unknown = stringsOf(locale).messages;
  for (const part of key.split('.')) {
    node = typeof node === 'object' && node !== null && Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined;
  }
  node = pluralForm(node, locale, params['count']);
  if (typeof node !== 'string') throw new Error(`unknown message key "${key}" (locale ${locale}), or a plural one without a numeric {count}`);
  return node.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (!Object.hasOwn(params, name)) throw new Error(`message "${key}" needs the parameter {${name}}`);
    return String(params[name]);
  });
}

/** The card labels of a locale (frozen; shared by every card). */
export function cardStrings(locale: Locale): CardStrings {
  return stringsOf(locale).card;
}
