/**
 * The configurable tab's config page: Teams shows it when someone adds the tab to a channel (and from the tab's
 * Settings). The user picks the SOC team; Save stores `index.html?team=<id>` as the tab's content URL. The team
 * already bound to this channel is chosen in advance.
 */
import { ApiClient, ApiError, type SocTeam } from './api';
import { h } from './dom';
import { setUpPage, teamName } from './page';
import { STRINGS, langOf } from './strings';
import { registerTabConfig, teamsSsoToken, type TabConfig } from './teams-host';

/** entityId of the tab: one per SOC team, so that two tabs in a channel can show two teams. */
const ENTITY_PREFIX = 'soc-workload-';

async function main(): Promise<void> {
  const page = await setUpPage();
  const { strings: s, host } = page;
  const root = document.getElementById('app');
  if (!root) return;
  document.title = `${s.appName}: ${s.configHeading}`;

  let useToken = false;
  const api = new ApiClient(window.location.origin, async () => (useToken ? teamsSsoToken() : undefined), page.params.get('tenant') ?? undefined);
  let teams: readonly SocTeam[];
  try {
    teams = (await api.teams()).teams;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401 && host.inTeams)) throw err;
    useToken = true;
    teams = (await api.teams()).teams;
  }

  const current = host.entityId?.startsWith(ENTITY_PREFIX) ? host.entityId.slice(ENTITY_PREFIX.length) : undefined;
  const boundHere = teams.find((t) => t.binding?.active && t.binding.channelId === host.channelId);
  let chosen = teams.find((t) => t.id === current) ?? boundHere;

  const contentUrl = (team: SocTeam) => new URL(`index.html?team=${encodeURIComponent(team.id)}`, window.location.href).toString();
  const config = (): TabConfig | undefined =>
    chosen && {
      contentUrl: contentUrl(chosen),
      websiteUrl: contentUrl(chosen),
      entityId: `${ENTITY_PREFIX}${chosen.id}`,
      suggestedDisplayName: s.suggestedTabName(teamName(chosen, page.lang)),
    };
  const teamsConfig = host.inTeams ? registerTabConfig(config) : undefined;

  const preview = h('a', { class: 'preview', href: chosen ? contentUrl(chosen) : 'index.html' }, s.configPreview);
  const choices = h(
    'fieldset',
    { class: 'choices' },
    h('legend', {}, s.configIntro),
    ...teams.map((t) => {
      const input = h('input', { type: 'radio', name: 'team', value: t.id, id: `team-${t.id}`, checked: t.id === chosen?.id });
      input.addEventListener('change', () => {
        chosen = t;
        teamsConfig?.setValid(true);
        preview.setAttribute('href', contentUrl(t));
      });
      return h(
        'div',
        { class: 'choice' },
        input,
        h('label', { for: `team-${t.id}` }, teamName(t, page.lang), t === boundHere ? h('span', { class: 'sub' }, s.configBoundHere) : null),
      );
    }),
  );
  teamsConfig?.setValid(chosen !== undefined);

  root.replaceChildren(
    h(
      'main',
      { class: 'config' },
      h('p', { class: 'app-name' }, s.appName),
      h('h1', {}, s.configHeading),
      h('form', { class: 'config-form' }, choices),
      host.inTeams ? null : h('p', { class: 'notice' }, s.configOutsideTeams, ' ', preview),
    ),
  );
}

main().catch(() => {
  const root = document.getElementById('app');
  if (root) root.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert' }, STRINGS[langOf(new URLSearchParams(window.location.search).get('lang') ?? navigator.language)].loadFailed));
});
