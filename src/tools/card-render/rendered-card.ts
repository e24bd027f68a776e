/**
 * A card as drawn: its case, what the page found, its PNG, and which of the findings fail it. The command
 * (`scripts/render-cards.js --strict`), the contact sheet and the test read results through this one definition.
 */
import type { CardCase } from './card-fixtures';
import type { CardFindings } from './card-page';

/** `Omit` for each member of a union, keeping it a union (Omit of a union flattens it). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A case without its card JSON (results.json stays small), with the findings. */
export type RenderedCard = OmitEach<CardCase, 'card' | 'peopleText'> &
  CardFindings & {
    /** Absolute path of the screenshot; undefined when the card could not be drawn. */
    readonly png?: string;
    /** A `${` is left in the card JSON or its text: a template expression that was not bound. */
    readonly residue: boolean;
  };

/** Problems that fail the command: the card does not render, overflows or is cut, or keeps a template expression. */
export function problemsOf(result: RenderedCard): string[] {
  const problems: string[] = [];
  if (result.error) problems.push(result.error);
  for (const p of result.parseProblems) problems.push(`parse: ${p}`);
  if (result.error === undefined) for (const o of result.overflow) problems.push(`overflow: ${o}`);
  if (result.residue) problems.push('a "${" is left in the card');
  return problems;
}
