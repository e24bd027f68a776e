/**
 * Which service URLs the bot talks to. A Teams activity names the URL the bot must answer at (`serviceUrl`), and
 * botbuilder sends there with the bot's Bot Framework bearer token: its `AppCredentials.isTrustedServiceUrl()`
 * answers true for every URL. So an activity (or a stored binding) that names another host would get the bot's
 * token handed to that host. This module is the allow-list that decides, in one place, for the edge (inbound
 * activities), for what is stored, and for every send.
 *
 * A URL is trusted when it is https and its host is one of Microsoft's Teams service hosts for the configured
 * cloud, or matches an entry of `SERVICE_URL_ALLOWLIST` (which replaces the defaults). Local mode also trusts
 * loopback URLs (the Agents Playground, the tests' fake connector).
 *
 * No botbuilder here: config.ts parses the setting with these functions.
 */
import { isLoopbackHost } from '../loopback';

/** One entry of the allow-list. */
export type ServiceUrlRule =
  /** Exactly this host, https only, any port (TLS proves the host, whatever the port). */
  | { readonly kind: 'host'; readonly host: string }
  /** Any subdomain of `suffix` (which starts with a dot), https only. The bare suffix itself is not included. */
  | { readonly kind: 'wildcard'; readonly suffix: string }
  /** Exactly this origin (scheme, host, port), e.g. `http://127.0.0.1:3979`: the one way to trust plain http. */
  | { readonly kind: 'origin'; readonly origin: string };

/** The Azure clouds Teams bots run in, as botbuilder's `ChannelService` setting names them. */
export type TeamsCloud = 'public' | 'usgov' | 'china';

/**
 * `ChannelService` values. Unset is the public cloud (which also carries GCC). The US Government value is
 * botbuilder's `GovernmentConstants.ChannelService` (node_modules/botframework-connector/lib/auth/governmentConstants.js)
 * and covers GCC High and DoD. botbuilder-js has no China constant (a China bot sets the full set of endpoints,
 * docs.azure.cn/bot-service/how-to-deploy-china-cloud); its Bot Framework hosts are under botframework.azure.cn,
 * so that is the value read as China here.
 */
export const CHANNEL_SERVICES: Readonly<Record<Exclude<TeamsCloud, 'public'>, string>> = Object.freeze({
  usgov: 'https://botframework.azure.us',
  china: 'https://botframework.azure.cn',
});

/**
 * Microsoft's Teams service hosts per cloud (the host of the `serviceUrl` Teams puts in activities; regional
 * paths such as /amer/, /emea/, /apac/, /teams/ are on the same host). Where each comes from:
 * - public: `smba.trafficmanager.net` (regional paths) and `smba.onyx.prod.teams.trafficmanager.net`, listed as
 *   the public cloud's allowed service URLs by Microsoft's Teams SDK (microsoft/teams.ts
 *   packages/api/src/auth/cloud-environment.ts `PUBLIC.allowedServiceUrls`; the same in microsoft/teams.net
 *   Libraries/Microsoft.Teams.Api/Auth/CloudEnvironment.cs), and `https://smba.trafficmanager.net/teams/` as
 *   `publicGlobal` in the Agents SDK's TeamsServiceEndpoints (microsoft.github.io/Agents-for-js).
 * - GCC: `smba.infra.gcc.teams.microsoft.com` (Agents SDK TeamsServiceEndpoints `gcc`). GCC bots use the public
 *   Azure Bot Service (no ChannelService), so the Teams SDK lists it with the public cloud, and so do we.
 * - GCC High: `smba.infra.gov.teams.microsoft.us` (TeamsServiceEndpoints `gccHigh`; teams.ts `US_GOV`).
 * - DoD: `smba.infra.dod.teams.microsoft.us` (TeamsServiceEndpoints `dod`; teams.ts `US_GOV_DOD`). Both share
 *   botbuilder's single US Government ChannelService, so that cloud trusts both.
 * - 21Vianet (China): `frontend.botapi.msg.infra.teams.microsoftonline.cn` (teams.ts `CHINA.allowedServiceUrls`;
 *   teams.net `CloudEnvironment.China`).
 * Exact hosts, never `*.trafficmanager.net`: anyone can create an Azure Traffic Manager profile there.
 */
export const TEAMS_SERVICE_HOSTS: Readonly<Record<TeamsCloud, readonly string[]>> = Object.freeze({
  public: Object.freeze(['smba.trafficmanager.net', 'smba.onyx.prod.teams.trafficmanager.net', 'smba.infra.gcc.teams.microsoft.com']),
  usgov: Object.freeze(['smba.infra.gov.teams.microsoft.us', 'smba.infra.dod.teams.microsoft.us']),
  china: Object.freeze(['frontend.botapi.msg.infra.teams.microsoftonline.cn']),
});

/** The cloud a raw `ChannelService` value names, or undefined when it is not one this module knows. */
export function cloudOfChannelService(raw: string | undefined): TeamsCloud | undefined {
  const value = (raw ?? '').trim().toLowerCase().replace(/\/+$/, '');
  if (value === '') return 'public';
  if (value === CHANNEL_SERVICES.usgov) return 'usgov';
  if (value === CHANNEL_SERVICES.china) return 'china';
  return undefined;
}

/** The default allow-list of a cloud: its Teams service hosts. */
export function defaultServiceUrlRules(cloud: TeamsCloud): readonly ServiceUrlRule[] {
  return Object.freeze(TEAMS_SERVICE_HOSTS[cloud].map((host): ServiceUrlRule => Object.freeze({ kind: 'host', host })));
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * Parses one `SERVICE_URL_ALLOWLIST` entry: a host (`smba.trafficmanager.net`), a wildcard host
 * (`*.contoso.com`), or an origin (`http://127.0.0.1:3979`). Returns the rule, or a sentence saying what is wrong
 * (config.ts puts the variable's name in front).
 */
export function parseServiceUrlEntry(raw: string): ServiceUrlRule | string {
  const entry = raw.trim().toLowerCase();
  if (entry.includes('://')) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return `"${raw}" is not a URL`;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${raw}": only http and https origins can be listed`;
    if (url.username || url.password) return `"${raw}": an origin carries no user name or password`;
    if (url.pathname !== '/' || url.search || url.hash) return `"${raw}": list an origin (scheme://host[:port]) without a path`;
    return { kind: 'origin', origin: url.origin };
  }
  if (entry.startsWith('*.')) {
    const suffix = entry.slice(2);
    if (!HOST_NAME.test(suffix)) return `"${raw}" is not a wildcard host such as *.contoso.com`;
    if (!suffix.includes('.')) return `"${raw}" is too broad: a wildcard needs a domain of at least two labels`;
    if (suffix === 'trafficmanager.net') return `"${raw}" is too broad: anyone can create an Azure Traffic Manager profile under trafficmanager.net (list smba.trafficmanager.net)`;
    return { kind: 'wildcard', suffix: `.${suffix}` };
  }
  if (entry.includes(':')) return `"${raw}": a host entry has no port; list the origin (https://host:port) instead`;
  if (!HOST_NAME.test(entry)) return `"${raw}" is not a host name, a *.wildcard host or an origin`;
  return { kind: 'host', host: entry };
}

/** The entry as an operator would write it (for logs). */
export function describeServiceUrlRule(rule: ServiceUrlRule): string {
  switch (rule.kind) {
    case 'host':
      return rule.host;
    case 'wildcard':
      return `*${rule.suffix}`;
    case 'origin':
      return rule.origin;
  }
}

export type ServiceUrlVerdict =
  | { readonly trusted: true }
  | {
      readonly trusted: false;
      /** The URL's host (with its port), for messages and logs: never the whole URL. */
      readonly host: string;
      readonly reason: string;
    };

export { isLoopbackHost };

export interface ServiceUrlPolicyOptions {
  /** Local mode: also trust loopback URLs, http or https, any port. */
  readonly allowLoopback: boolean;
}

/** The allow-list, ready to judge URLs. */
export class ServiceUrlPolicy {
  readonly rules: readonly ServiceUrlRule[];

  constructor(
    rules: readonly ServiceUrlRule[],
    readonly options: ServiceUrlPolicyOptions,
  ) {
    this.rules = Object.freeze([...rules]);
  }

  /** Judges a service URL. Bound, so it can be handed on as a plain function. */
  readonly check = (serviceUrl: string): ServiceUrlVerdict => {
    let url: URL;
    try {
      url = new URL(serviceUrl);
    } catch {
      return { trusted: false, host: String(serviceUrl).slice(0, 100), reason: 'the service URL is not a URL' };
    }
    const host = url.host.slice(0, 255);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { trusted: false, host, reason: `the service URL's scheme ${url.protocol} is not https` };
    // Credentials in the URL would go to the host in an Authorization header of their own: Teams never sends them.
    if (url.username || url.password) return { trusted: false, host, reason: `the service URL for "${host}" carries a user name or password` };
    if (this.options.allowLoopback && isLoopbackHost(url.hostname)) return { trusted: true };
    const https = url.protocol === 'https:';
    for (const rule of this.rules) {
      if (rule.kind === 'origin' && url.origin === rule.origin) return { trusted: true };
      if (rule.kind === 'host' && https && url.hostname === rule.host) return { trusted: true };
      if (rule.kind === 'wildcard' && https && url.hostname.endsWith(rule.suffix) && url.hostname.length > rule.suffix.length) return { trusted: true };
    }
    const listedButHttp = !https && this.rules.some((r) => (r.kind === 'host' && url.hostname === r.host) || (r.kind === 'wildcard' && url.hostname.endsWith(r.suffix)));
    return {
      trusted: false,
      host,
      reason: listedButHttp
        ? `the service URL for "${host}" is plain http (only https is trusted for a listed host)`
        : `"${host}" is not a Microsoft Teams service host on this bot's allow-list (SERVICE_URL_ALLOWLIST, or the defaults of the ChannelService cloud)`,
    };
  };

  isTrusted(serviceUrl: string): boolean {
    return this.check(serviceUrl).trusted;
  }

  /** The list as an operator would write it (start-up log). */
  describe(): string {
    const listed = this.rules.map(describeServiceUrlRule);
    if (this.options.allowLoopback) listed.push('loopback (local mode)');
    return listed.join(', ');
  }
}
