/**
 * The contact sheet (index.html beside the PNGs): every rendering grouped by card (the reminder card by theme),
 * each with its problems and contrast notes, for a person to look over in one page.
 */
import { relative } from 'node:path';
import { problemsOf, type RenderedCard } from './rendered-card';

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The page, with image links relative to `outDir` (where it is written). */
export function contactSheet(results: readonly RenderedCard[], outDir: string, width: number, rendererVersion: string): string {
  const groups = new Map<string, RenderedCard[]>();
  for (const r of results) {
    const key = r.kind === 'reminder' ? `reminder card — ${r.theme}` : `${r.kind} card`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const figure = (r: RenderedCard) => {
    const problems = problemsOf(r);
    const notes = [
      ...problems.map((p) => `<li class="bad">${esc(p)}</li>`),
      ...(r.error === undefined ? r.lowContrast : []).map((l) => `<li class="warn">contrast ${l.ratio}:1 — "${esc(l.text)}" ${l.color} on ${l.background}</li>`),
    ];
    return `<figure class="${esc(r.theme)}"><figcaption><b>${esc(r.variant)}</b> · ${esc(r.locale)} · ${esc(r.theme)}${problems.length ? ' <span class="bad">✗</span>' : ''}</figcaption>
${r.png ? `<a href="${esc(relative(outDir, r.png))}"><img loading="lazy" src="${esc(relative(outDir, r.png))}" alt="${esc(r.id)}"></a>` : ''}
${notes.length ? `<ul>${notes.join('')}</ul>` : ''}</figure>`;
  };
  const total = results.length;
  const failing = results.filter((r) => problemsOf(r).length).length;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SOC Reminders — cards</title><style>
body { font: 14px system-ui, sans-serif; margin: 24px; background: #fafafa; color: #222; }
h2 { margin-top: 32px; border-bottom: 1px solid #ddd; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; padding: 8px; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; max-width: ${width + 110}px; }
figure.dark { background: #1f1f1f; color: #eee; } figure.contrast { background: #000; color: #fff; }
figure img { display: block; max-width: 100%; }
figcaption { margin-bottom: 6px; } ul { margin: 6px 0 0; padding-left: 18px; font-size: 12px; }
.bad { color: #c4314b; } .warn { color: #a0660d; } figure.dark .warn, figure.contrast .warn { color: #ffb74d; }
</style></head><body>
<h1>SOC Reminders — every card, drawn with Teams' host configs</h1>
<p>${total} renderings at ${width} px with Teams' host configs (cards/host-config/) and the adaptivecards ${esc(rendererVersion)} renderer in headless Chromium.
${failing ? `<span class="bad">${failing} with problems.</span>` : 'No overflow, no clipping, no template residue.'}
Contrast notes (WCAG: 4.5:1 for text, 3:1 for large text) are for a designer's eye; the colours come from the host config.</p>
${[...groups].map(([name, rs]) => `<h2>${esc(name)}</h2><div class="grid">${rs.map(figure).join('\n')}</div>`).join('\n')}
</body></html>`;
}
