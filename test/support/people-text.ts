/**
 * People's text that Teams would turn into something else if it read it as Markdown or HTML, and where a card
 * shows it. Teams reads Markdown (and `<at>` mentions) in a TextBlock's `text` and a FactSet's `title` and
 * `value`; a TextRun's `text` is literal (Adaptive Cards schema: "Markdown is not supported").
 */

/** Each is something an attacker can put in a Teams display name, a team or channel name, a note or a reason. */
export const MARKUP_SAMPLES = [
  '[x](https://evil.example)',
  '**bold**',
  '<at>x</at>',
  '![i](https://evil.example/p.png)',
  '&lt;script&gt;',
] as const;

/** All of them in one string, as one display name or note. */
export const HOSTILE_TEXT = MARKUP_SAMPLES.join(' ');

type Json = Record<string, unknown>;

function objectsOf(value: unknown): Json[] {
  if (Array.isArray(value)) return value.flatMap(objectsOf);
  if (typeof value !== 'object' || value === null) return [];
  const node = value as Json;
  return [node, ...Object.values(node).flatMap(objectsOf)];
}

/** Every string of a card that Teams renders as Markdown: TextBlock texts, FactSet titles and values. */
export function markdownTexts(card: unknown): string[] {
  const out: string[] = [];
  for (const node of objectsOf(card)) {
    if (node['type'] === 'TextBlock' && typeof node['text'] === 'string') out.push(node['text']);
    if (node['type'] === 'FactSet' && Array.isArray(node['facts'])) {
      for (const fact of node['facts'] as Json[]) out.push(String(fact['title'] ?? ''), String(fact['value'] ?? ''));
    }
  }
  return out;
}

/** Every TextRun text of a card, with the renderer's invisible line-break opportunities (U+200B) removed. */
export function literalTexts(card: unknown): string[] {
  return objectsOf(card)
    .filter((node) => node['type'] === 'TextRun' && typeof node['text'] === 'string')
    .map((node) => String(node['text']).replace(/\u200B/g, ''));
}

/**
 * What a test asserts about a card that carries `hostile`: no Markdown-read string holds any part of it, and a
 * TextRun holds it whole. Returns the problems, empty when the card is safe (so a failure names them).
 */
export function markupProblems(card: unknown, hostile: string = HOSTILE_TEXT): string[] {
  const problems: string[] = [];
  for (const text of markdownTexts(card)) {
    for (const sample of MARKUP_SAMPLES) if (text.includes(sample)) problems.push(`read as Markdown: ${JSON.stringify(text)}`);
  }
  if (!literalTexts(card).some((text) => text.includes(hostile))) problems.push(`no TextRun shows ${JSON.stringify(hostile)} as written`);
  return [...new Set(problems)];
}
