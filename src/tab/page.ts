/**
 * What both pages (the tab and its config page) do first: connect to Teams if it hosts us, then settle theme and
 * language. `?theme=default|dark|contrast` and `?lang=en|ko` win over Teams and the browser: wall displays and
 * tests set them in the URL.
 */
import { intlLocale } from './format';
import { STRINGS, langOf, type Lang, type Strings } from './strings';
import { connectToTeams, onTeamsThemeChange, themeOf, type HostContext, type Theme } from './teams-host';

export interface Page {
  readonly host: HostContext;
  readonly params: URLSearchParams;
  readonly lang: Lang;
  readonly strings: Strings;
  /** BCP 47 tag for Intl formatting (`en-GB`, `ko-KR`, or the host's own tag in the same language). */
  readonly locale: string;
}

/** Sets the theme the CSS variables follow (`:root[data-theme=…]`). */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

function browserTheme(): Theme {
  if (window.matchMedia('(forced-colors: active)').matches) return 'contrast';
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'default';
}

export async function setUpPage(): Promise<Page> {
  const params = new URLSearchParams(window.location.search);
  const forcedTheme = themeOf(params.get('theme'));
  // Before waiting for Teams, so that a wall display in dark mode never flashes white.
  applyTheme(forcedTheme ?? browserTheme());

  const host = await connectToTeams();
  if (!forcedTheme) {
    if (host.inTeams) {
      applyTheme(host.theme ?? 'default');
      onTeamsThemeChange(applyTheme);
    } else {
      window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(browserTheme()));
    }
  }

  const langTag = params.get('lang') ?? host.locale ?? navigator.language;
  const lang = langOf(langTag);
  document.documentElement.lang = lang;
  return { host, params, lang, strings: STRINGS[lang], locale: intlLocale(lang, langTag) };
}

/** A SOC team's name in the page's language. */
export function teamName(team: { name: string; name_ko: string }, lang: Lang): string {
  return lang === 'ko' ? team.name_ko : team.name;
}
