/** Reading @mentions off a card as Teams would (issue 14): its `msteams.entities` and the TextBlocks of its body. */

export interface CardMention {
  readonly type: string;
  readonly text: string;
  readonly mentioned: { readonly id: string; readonly name: string; readonly type?: string };
}

/** The mention entities of a card (`msteams.entities` of type `mention`). */
export function mentionsOf(card: unknown): CardMention[] {
  return ((card as { msteams?: { entities?: CardMention[] } } | undefined)?.msteams?.entities ?? []).filter((e) => e.type === 'mention');
}

/** The texts of a card's TextBlocks: where Teams looks for a mention's `<at>` text (a TextRun is never read for it). */
export function textBlocksOf(card: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk((card as { body?: unknown } | undefined)?.body);
  return out;
}
