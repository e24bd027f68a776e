/**
 * The tab's only contact with teams-js. Named imports of the three namespaces used keep the rest of the library
 * (meetings, media, calendar, …) out of the bundle.
 */
import { app, authentication, pages } from '@microsoft/teams-js';

export type Theme = 'default' | 'dark' | 'contrast';

export interface HostContext {
  /** False in a plain browser (a wall display) or in a frame that is not a Teams host. */
  readonly inTeams: boolean;
  readonly locale?: string;
  readonly theme?: Theme;
  /** Teams channel id (`19:…@thread.tacv2`) of a channel tab. */
  readonly channelId?: string;
  readonly channelName?: string;
  readonly teamName?: string;
  readonly userName?: string;
  /** The configured tab's entity id (config page: the current settings). */
  readonly entityId?: string;
}

/**
 * How long to wait for a Teams host to answer. Outside any frame teams-js fails at once; in a frame that is not
 * Teams (a dashboard embedding the page) `app.initialize()` never settles, so we stop waiting.
 */
const INITIALIZE_TIMEOUT_MS = 3000;

/** Teams themes by their context names; anything unknown is treated as the default (light) theme. */
export function themeOf(name: string | undefined | null): Theme | undefined {
  if (!name) return undefined;
  return name === 'dark' ? 'dark' : name === 'contrast' ? 'contrast' : name === 'default' ? 'default' : undefined;
}

function couldBeHosted(): boolean {
  // Teams hosts tabs in an iframe (desktop, web) or in a frameless web view exposing `nativeInterface` (mobile).
  return window.parent !== window || window.opener != null || 'nativeInterface' in window;
}

/** Initializes teams-js and reads the context; resolves `{ inTeams: false }` outside Teams. Never rejects. */
export async function connectToTeams(timeoutMs = INITIALIZE_TIMEOUT_MS): Promise<HostContext> {
  if (!couldBeHosted()) return { inTeams: false };
  let timer: number | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = window.setTimeout(() => reject(new Error('no Teams host answered')), timeoutMs);
    });
    await Promise.race([app.initialize(), timeout]);
    const ctx = await Promise.race([app.getContext(), timeout]);
    return {
      inTeams: true,
      locale: ctx.app.locale,
      theme: themeOf(ctx.app.theme),
      channelId: ctx.channel?.id,
      channelName: ctx.channel?.displayName,
      teamName: ctx.team?.displayName,
      userName: ctx.user?.displayName,
      entityId: ctx.page.id,
    };
  } catch {
    return { inTeams: false };
  } finally {
    window.clearTimeout(timer);
  }
}

/** Calls `handler` when the user switches the Teams theme. */
export function onTeamsThemeChange(handler: (theme: Theme) => void): void {
  app.registerOnThemeChangeHandler((name) => handler(themeOf(name) ?? 'default'));
}

/** Tells Teams the app has drawn (hides Teams' loading indicator when the manifest asks for one). */
export function notifyTeamsLoaded(): void {
  void app.notifySuccess().catch(() => undefined);
}

/**
 * Opens a Teams deep link (a channel message) through Teams itself: inside the Teams frame a plain link would
 * open a second Teams in a browser tab. Returns false when Teams would not, so the caller can follow the link.
 */
export async function openInTeams(url: string): Promise<boolean> {
  try {
    await app.openLink(url);
    return true;
  } catch {
    return false;
  }
}

/** The Teams SSO token for our API (Teams caches and renews it); undefined when Teams gives none. */
export async function teamsSsoToken(): Promise<string | undefined> {
  try {
    return await authentication.getAuthToken();
  } catch {
    return undefined;
  }
}

export interface TabConfig {
  readonly contentUrl: string;
  readonly websiteUrl: string;
  readonly entityId: string;
  readonly suggestedDisplayName: string;
}

/**
 * Wires the configurable tab's config page: `current()` is read when the user presses Save (undefined: nothing
 * chosen, Save stays disabled through `setValid`).
 */
export function registerTabConfig(current: () => TabConfig | undefined): { setValid(valid: boolean): void } {
  pages.config.registerOnSaveHandler((save) => {
    const config = current();
    if (!config) {
      save.notifyFailure('No SOC team chosen');
      return;
    }
    pages.config.setConfig(config).then(
      () => save.notifySuccess(),
      (err: unknown) => save.notifyFailure(err instanceof Error ? err.message : String(err)),
    );
  });
  return { setValid: (valid) => pages.config.setValidityState(valid) };
}
