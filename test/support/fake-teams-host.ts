/**
 * A page that plays the Teams host for the tab in headless Chromium: it frames the tab on the tab's own origin,
 * answers teams-js' messages (initialize, getContext, the SSO token, saving a config page, opening a deep link)
 * and records every call in `window.hostLog`; `window.sendToTab(func, args)` sends the tab a host event
 * (`themeChange`, `settings.save`).
 */

export interface FakeTeamsHostOptions {
  /** `content` for a tab, `settings` for its config page. */
  readonly frameContext: 'content' | 'settings';
  /** The legacy context teams-js reads (`locale`, `theme`, `tid`, `userObjectId`, `channelId`, …). */
  readonly context: Readonly<Record<string, unknown>>;
  /** The framed page, e.g. `/tab/my-tasks.html`. */
  readonly src: string;
  /** What `authentication.getAuthToken` answers: a token, or a refusal. @default no SSO here */
  readonly ssoToken?: string;
  /** The tab frame's size in CSS pixels (390 × 844: a phone). @default 1200 × 900 */
  readonly width?: number;
  readonly height?: number;
}

export function fakeTeamsHost(options: FakeTeamsHostOptions): string {
  const runtime = { apiVersion: 4, isLegacyTeams: false, supports: { app: {}, appInitialization: {}, authentication: {}, pages: { appButton: {}, config: {}, tabs: {} }, teamsCore: {} } };
  const token = options.ssoToken === undefined ? "[false, 'no SSO here']" : `[true, ${JSON.stringify(options.ssoToken)}]`;
  return `<!doctype html><html><body>
<iframe id="tab" title="tab" src="${options.src}" width="${options.width ?? 1200}" height="${options.height ?? 900}" style="border: 0"></iframe>
<script>
  const frame = document.getElementById('tab');
  window.hostLog = [];
  window.sendToTab = (func, args) => frame.contentWindow.postMessage({ func, args }, '*');
  window.addEventListener('message', (e) => {
    if (e.source !== frame.contentWindow) return;
    const m = e.data;
    window.hostLog.push({ func: m.func, args: m.args });
    const reply = (args) => frame.contentWindow.postMessage({ id: m.id, uuidAsString: m.uuidAsString, args }, '*');
    if (m.func === 'initialize') reply(['${options.frameContext}', 'web', ${JSON.stringify(JSON.stringify(runtime))}, '2.58.0']);
    else if (m.func === 'getContext') reply([${JSON.stringify(options.context)}]);
    else if (m.func === 'authentication.getAuthToken') reply(${token});
    else if (m.func === 'settings.setSettings') { window.savedSettings = m.args[0]; reply([true]); }
    else if (m.func === 'executeDeepLink') reply([true]);
  });
</script></body></html>`;
}
