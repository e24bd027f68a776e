/**
 * The browser page a card is drawn in: a Teams message around the card (bot avatar, name, time, the bubble), the
 * colours of each Teams theme, and `renderInPage`, which runs inside headless Chromium with the adaptivecards
 * browser renderer (adaptivecards/dist/adaptivecards.min.js) loaded, draws one card and reports what a reviewer
 * would check by eye.
 */
import type * as AdaptiveCards from 'adaptivecards';
import type { AdaptiveCardJson } from '../../teams/cards/card-renderer';
import type { Locale } from '../../teams/cards/card-views';
import type { CardTheme } from './card-fixtures';

/** The Teams page around the card, per theme, and the host config the card is drawn with (cards/host-config/). */
export interface ThemeColours {
  readonly hostConfig: string;
  readonly page: string;
  readonly bubble: string;
  readonly bubbleBorder: string;
  readonly meta: string;
  readonly name: string;
}

export const THEMES: Readonly<Record<CardTheme, ThemeColours>> = {
  light: {
    hostConfig: 'microsoft-teams-light.json',
    page: '#F5F5F5',
    bubble: '#FFFFFF',
    bubbleBorder: '#E0E0E0',
    meta: '#616161',
    name: '#242424',
  },
  dark: {
    hostConfig: 'microsoft-teams-dark.json',
    page: '#1F1F1F',
    bubble: '#2D2C2C',
    bubbleBorder: '#3D3D3D',
    meta: '#ADADAD',
    name: '#FFFFFF',
  },
  contrast: {
    hostConfig: 'microsoft-teams-high-contrast.json',
    page: '#000000',
    bubble: '#000000',
    bubbleBorder: '#FFFFFF',
    meta: '#FFFFFF',
    name: '#FFFFFF',
  },
};

/** Button and input colours, after Teams. */
export interface ChromeColours {
  readonly btnBg: string;
  readonly btnFg: string;
  readonly btnBorder: string;
  readonly btnPrimaryBg: string;
  readonly btnPrimaryFg: string;
  readonly inputBg: string;
  readonly inputFg: string;
  readonly inputBorder: string;
  readonly inputPlaceholder: string;
}

export const CHROME: Readonly<Record<CardTheme, ChromeColours>> = {
  light: { btnBg: '#FFFFFF', btnFg: '#242424', btnBorder: '#D1D1D1', btnPrimaryBg: '#5B5FC7', btnPrimaryFg: '#FFFFFF', inputBg: '#FFFFFF', inputFg: '#242424', inputBorder: '#D1D1D1', inputPlaceholder: '#616161' },
  dark: { btnBg: '#292929', btnFg: '#FFFFFF', btnBorder: '#666666', btnPrimaryBg: '#7F85F5', btnPrimaryFg: '#000000', inputBg: '#1F1F1F', inputFg: '#FFFFFF', inputBorder: '#666666', inputPlaceholder: '#ADADAD' },
  contrast: { btnBg: '#000000', btnFg: '#FFFFFF', btnBorder: '#FFFFFF', btnPrimaryBg: '#1AEBFF', btnPrimaryFg: '#000000', inputBg: '#000000', inputFg: '#FFFFFF', inputBorder: '#FFFFFF', inputPlaceholder: '#FFFF01' },
};

/** A Teams message around the card: bot avatar, name and time, the card in its bubble. */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>card</title>
<style>
  html, body { margin: 0; padding: 0; }
  body { font-family: 'Segoe UI', Tahoma, Geneva, Verdana, sans-serif; background: var(--page); }
  #stage { padding: 16px 20px; display: inline-block; background: var(--page); }
  #message { display: flex; align-items: flex-start; gap: 8px; background: var(--page); padding: 4px; }
  #avatar { flex: 0 0 32px; height: 32px; border-radius: 50%; background: #5B5FC7; color: #fff; font: 600 12px/32px 'Segoe UI', sans-serif; text-align: center; }
  #meta { font-size: 12px; color: var(--meta); margin: 0 0 4px 2px; }
  #meta b { color: var(--name); font-weight: 600; margin-right: 8px; }
  #bubble { background: var(--bubble); border: 1px solid var(--bubbleBorder); border-radius: 4px; overflow: hidden; }
  #host { width: var(--width); }
  /* Teams' card chrome, after adaptivecards-designer's teams-container CSS (MIT, Microsoft). */
  .ac-pushButton { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: center; cursor: pointer;
    font-family: inherit; font-size: 14px; font-weight: 600; padding: 4px 12px 5px; height: 32px; border-radius: 4px;
    background: var(--btn-bg); color: var(--btn-fg); border: 1px solid var(--btn-border); }
  .ac-pushButton.expanded, .ac-pushButton.style-positive { background: var(--btn-primary-bg); color: var(--btn-primary-fg); border-color: var(--btn-primary-bg); }
  .ac-input { font-family: inherit; font-size: 14px; color: var(--input-fg); }
  .ac-input.ac-textInput, .ac-input.ac-multichoiceInput { background: var(--input-bg); border: 1px solid var(--input-border); border-radius: 4px; padding: 4px 8px; height: 32px; box-sizing: border-box; }
  .ac-input::placeholder { color: var(--input-placeholder); }
  .ac-input-container, .ac-input-label { color: inherit; }
  /* A TextRun with a selectAction is an <a>: Teams draws it in the run's own colour, not the browser's #0000EE. */
  #host a { color: inherit; }
</style></head>
<body><div id="stage"><div id="message"><div id="avatar">SR</div><div><div id="meta"><b>SOC Reminders</b>09:00</div>
<div id="bubble"><div id="host"></div></div></div></div></div></body></html>`;
}

/** What `renderInPage` is given (serialised into the page). */
export interface PageArgs {
  readonly card: AdaptiveCardJson;
  /** A host config JSON (cards/host-config/). */
  readonly hostConfig: object;
  readonly theme: ThemeColours;
  readonly chrome: ChromeColours;
  readonly width: number;
  readonly locale: Locale;
  readonly expand?: string;
}

export interface LowContrastText {
  readonly text: string;
  readonly ratio: number;
  readonly color: string;
  readonly background: string;
}

/** What the page found on a card it drew. */
export interface DrawnCardFindings {
  readonly error?: undefined;
  /** The box to screenshot: the card and the message around it. */
  readonly stage: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly parseProblems: string[];
  readonly text: string;
  /** What Markdown would have made of text: links, images, bold and italic runs. */
  readonly markup: { readonly links: (string | null)[]; readonly images: number; readonly emphasis: number };
  /** The buttons at the bottom of the card (not those inside an opened form). */
  readonly buttons: string[];
  readonly visibleButtons: string[];
  readonly inputs: string[];
  /** Anything wider than the card, or cut. */
  readonly overflow: string[];
  /** Text under WCAG's contrast (4.5:1, 3:1 for large text): for a designer's eye, not a failure. */
  readonly lowContrast: LowContrastText[];
  readonly minContrast: number | null;
  readonly fontFamily: string;
  readonly width: number;
  readonly height: number;
}

/** A card the page could not draw, or a form button it could not find. */
export interface UndrawnCardFindings {
  readonly error: string;
  readonly parseProblems: string[];
}

export type CardFindings = DrawnCardFindings | UndrawnCardFindings;

type AdaptiveCardsModule = typeof AdaptiveCards;
type Rgba = number[];

/**
 * Runs in the page: renders one card into #host and reports what is on it. Kept self-contained (no closures, no
 * imports at run time): playwright serialises it.
 */
export function renderInPage(args: PageArgs): CardFindings {
  const { card: cardJson, hostConfig, theme, chrome, width, locale, expand } = args;
  const AC = (window as unknown as { AdaptiveCards: AdaptiveCardsModule }).AdaptiveCards;
  const root = document.documentElement;
  root.lang = locale;
  const vars: Record<string, string> = {
    '--page': theme.page, '--bubble': theme.bubble, '--bubbleBorder': theme.bubbleBorder, '--meta': theme.meta, '--name': theme.name,
    '--width': `${width}px`,
    '--btn-bg': chrome.btnBg, '--btn-fg': chrome.btnFg, '--btn-border': chrome.btnBorder,
    '--btn-primary-bg': chrome.btnPrimaryBg, '--btn-primary-fg': chrome.btnPrimaryFg,
    '--input-bg': chrome.inputBg, '--input-fg': chrome.inputFg, '--input-border': chrome.inputBorder, '--input-placeholder': chrome.inputPlaceholder,
  };
  for (const [k, v] of Object.entries(vars)) root.style.setProperty(k, v);

  // Teams' card markdown: bold, italic, links, bulleted and numbered lists, paragraphs. HTML in the text stays text.
  if (!AC.AdaptiveCard.onProcessMarkdown) {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const inline = (s: string) =>
      esc(s)
        .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[\s(])_(\S(?:.*?\S)?)_(?=[\s).,!?:;]|$)/g, '$1<em>$2</em>')
        .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2">$1</a>');
    AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
      const out: string[] = [];
      for (const block of text.split(/\n{2,}/)) {
        const lines = block.split('\n');
        if (lines.every((l) => /^\s*[-*] /.test(l))) out.push(`<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*] /, ''))}</li>`).join('')}</ul>`);
        else if (lines.every((l) => /^\s*\d+\. /.test(l))) out.push(`<ol>${lines.map((l) => `<li>${inline(l.replace(/^\s*\d+\. /, ''))}</li>`).join('')}</ol>`);
        else out.push(`<p>${lines.map(inline).join('<br>')}</p>`);
      }
      result.outputHtml = out.join('');
      result.didProcess = true;
    };
  }

  const host = document.getElementById('host')!;
  host.replaceChildren();
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(hostConfig);
  card.onExecuteAction = () => undefined;
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(cardJson, context);
  const parseProblems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) parseProblems.push(context.getEventAt(i).message);
  for (const e of card.validateProperties().validationEvents) parseProblems.push(e.message);
  const rendered = card.render();
  if (!rendered) return { error: 'the renderer returned nothing', parseProblems };
  host.appendChild(rendered);

  const visible = (el: Element) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const label = (b: HTMLButtonElement) => (b.title || b.textContent || '').trim();
  const topButtons = () => [...rendered.querySelectorAll('button')].filter((b) => b.closest('.ac-adaptiveCard') === rendered && visible(b));
  if (expand) {
    const button = topButtons().find((b) => label(b) === expand);
    if (!button) return { error: `no button "${expand}" to open`, parseProblems };
    button.click();
  }

  const describe = (el: Element) => {
    const field = el as Partial<HTMLInputElement>;
    const text = (field.innerText || field.value || field.placeholder || '').trim().replace(/\s+/g, ' ');
    return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${text.slice(0, 60)}"`;
  };

  // Anything wider than the card, or cut: boxes past the card's edges, and boxes whose content is clipped by
  // overflow:hidden or ellipsised (the renderer clips rather than spills).
  const cardBox = rendered.getBoundingClientRect();
  const overflow: string[] = [];
  if (rendered.scrollWidth > rendered.clientWidth + 1) overflow.push(`the card scrolls: ${rendered.scrollWidth} px of content in ${rendered.clientWidth} px`);
  for (const el of rendered.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const past = Math.max(box.right - cardBox.right, cardBox.left - box.left);
    if (past > 0.5) overflow.push(`${describe(el)} sticks out of the card by ${Math.round(past)} px`);
    const style = getComputedStyle(el);
    const clips = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) overflow.push(`${describe(el)} is cut: ${el.scrollWidth} px of content in ${el.clientWidth} px`);
  }

  // Contrast of every piece of text with what is behind it (WCAG 2 ratio; colours with alpha composed).
  const parse = (c: string): Rgba => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top: Rgba, bottom: Rgba): Rgba => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const backgroundOf = (el: Element) => {
    const layers: Rgba[] = [];
    for (let e: Element | null = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let colour: Rgba = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = (c: Rgba) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const hex = (c: Rgba) => `#${c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
  const lowContrast: LowContrastText[] = [];
  let minContrast = Infinity;
  for (const el of [rendered, ...rendered.querySelectorAll('*')]) {
    if (!visible(el)) continue;
    const ownText = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (!ownText) continue;
    const style = getComputedStyle(el);
    const background = backgroundOf(el);
    const foreground = over(parse(style.color), background);
    const [a, b] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
    const ratio = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
    minContrast = Math.min(minContrast, ratio);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 600);
    if (ratio < (large ? 3 : 4.5)) lowContrast.push({ text: ownText.slice(0, 60), ratio, color: hex(foreground), background: hex(background) });
  }

  const stage = document.getElementById('stage')!.getBoundingClientRect();
  return {
    stage: { x: stage.x, y: stage.y, width: Math.ceil(stage.width), height: Math.ceil(stage.height) },
    parseProblems,
    text: rendered.innerText,
    // What Markdown would have made of text: links, images, bold and italic runs.
    markup: {
      links: [...rendered.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
      images: rendered.querySelectorAll('img').length,
      emphasis: rendered.querySelectorAll('strong, b, em, i').length,
    },
    buttons: topButtons().map(label),
    visibleButtons: [...rendered.querySelectorAll('button')].filter(visible).map(label),
    inputs: [...rendered.querySelectorAll<HTMLInputElement>('input, select, textarea')].filter(visible).map((i) => i.placeholder || i.id || i.tagName),
    overflow,
    lowContrast,
    minContrast: Number.isFinite(minContrast) ? minContrast : null,
    fontFamily: getComputedStyle(rendered).fontFamily,
    width: Math.round(cardBox.width),
    height: Math.round(cardBox.height),
  };
}
