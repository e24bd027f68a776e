/**
 * The only reader of process.env: parses and validates every variable once, names the variable in every
 * error, and freezes the result. `.env` is read through dotenv first (real environment variables win).
 */
import { config as loadDotenv } from 'dotenv';
import { isIP } from 'node:net';
import { cronProblem } from './catalog/catalog.schema';
import { parseDuration } from './catalog/duration';
import { isLoopbackHost } from './loopback';
import { TEAMS_LIMITS, parseLimits, type PacerLimits, type RateLimit } from './reminders/pacer';
import { CHANNEL_SERVICES, cloudOfChannelService, defaultServiceUrlRules, parseServiceUrlEntry, type ServiceUrlRule } from './teams/service-url';

export type Locale = 'en' | 'ko';
export type AppType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `pino`: numeric levels and epoch-millisecond times (pino's tools read these); `iso`: level names and ISO 8601 times. */
export type LogFormat = 'pino' | 'iso';

export interface Config {
  readonly port: number;
  /**
   * Address the HTTP server listens on (HOST). Default: 127.0.0.1 in local mode, 0.0.0.0 in authenticated mode.
   * In local mode it is a loopback address unless `localModeOnNetwork` is set.
   */
  readonly host: string;
  /** LOCAL_MODE_ON_NETWORK=true: local mode may listen beyond loopback (start-up then warns every time). */
  readonly localModeOnNetwork: boolean;
  /** Raw DATABASE_URL (may hold a password: never log it; see storage's redactUrl). */
  readonly databaseUrl?: string;
  readonly catalogFile?: string;
  /** IANA zone: SOC_TIMEZONE, else the machine's. */
  readonly timezone: string;
  readonly locale: Locale;
  readonly catchupMs: number;
  readonly microsoftAppId?: string;
  readonly microsoftAppPassword?: string;
  readonly microsoftAppType: AppType;
  readonly microsoftAppTenantId?: string;
  /** Empty: every tenant is allowed. */
  readonly allowedTenants: readonly string[];
  readonly logLevel: LogLevel;
  /** LOG_FORMAT. @default 'pino' */
  readonly logFormat: LogFormat;
  /** SHUTDOWN_TIMEOUT: how long a stop may take before the process exits anyway (ms). @default 20 s */
  readonly shutdownTimeoutMs: number;
  /** DATABASE_CONNECT_TIMEOUT: how long opening a PostgreSQL connection may take (ms). @default 10 s */
  readonly databaseConnectTimeoutMs: number;
  /** Cron of the weekly digest to SOC Oversight (in the catalog's time zone). */
  readonly digestCron: string;
  /** Host name the tab and manifest are served from (app package). */
  readonly publicHostname?: string;
  /** The Teams app (manifest) id. */
  readonly teamsAppId?: string;
  /** Teams' rate limits the delivery worker paces itself under (Microsoft may change them). */
  readonly limits: PacerLimits;
  /** How many replicas share the limits (each paces to its share). */
  readonly deliveryReplicas: number;
  /** Attempts before a delivery is dead-lettered. */
  readonly deliveryMaxAttempts: number;
  /** How long a replica holds a claimed delivery before another may take it over (ms). */
  readonly deliveryLeaseMs: number;
  /** Bearer token for GET /metrics in authenticated mode (unset: /metrics is not served there). */
  readonly metricsToken?: string;
  /**
   * The wall display's read-only access to the JSON API and the tab (DISPLAY_TOKEN), for one tenant; unset: there
   * is no such access. Never accepted by /api/messages or /metrics.
   */
  readonly display?: { readonly token: string; readonly tenantId: string };
  /** True when no MicrosoftAppId is set: anonymous Bot Framework traffic is accepted (local mode). */
  readonly localMode: boolean;
  /** Tenant that owns occurrences recorded before any tenant installed the bot. */
  readonly homeTenantId: string;
  /**
   * Service URLs the bot may receive activities from, store and send to (with its token): SERVICE_URL_ALLOWLIST,
   * else the Teams service hosts of the `ChannelService` cloud. Local mode adds loopback (see teams/service-url.ts).
   */
  readonly serviceUrlAllowlist: readonly ServiceUrlRule[];
  /** Bot Framework endpoints (public cloud, a sovereign cloud, or local stand-ins), complete: see BotFrameworkAuthSettings. */
  readonly botFrameworkAuth: BotFrameworkAuthSettings;
  /**
   * SOC_ADMINS: Entra object ids (GUIDs) and UPNs, lower-cased, of the people who may do everything everywhere.
   * Empty: in local mode everyone is an admin (the one-minute try-out); in authenticated mode nobody is.
   */
  readonly socAdmins: readonly string[];
  /** GRAPH_ENDPOINT: Microsoft Graph's base URL for this cloud, no trailing slash. @default https://graph.microsoft.com */
  readonly graphEndpoint: string;
  /**
   * HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case names), as set: the forward proxy for the calls to the
   * Bot Connector, given to Node's agents as their `proxyEnv`. A proxy URL is checked here, because Node ignores one
   * it cannot parse and goes direct without a word.
   */
  readonly outboundProxy: Readonly<Record<string, string>>;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;

export class ConfigError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`Invalid configuration:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The machine's IANA time zone (what `SOC_TIMEZONE` defaults to). */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export interface ConfigOptions {
  /**
   * False for commands that never call Teams (building the app package, `doctor`): MicrosoftAppId is taken
   * without its client secret, so an admin can build the package without holding the secret.
   * @default true
   */
  readonly requireAppPassword?: boolean;
}

/** Parses an environment (process.env or a test's object) into a frozen Config, or throws ConfigError. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>, options: ConfigOptions = {}): Config {
  const errors: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };

  let port = 3978;
  const rawPort = get('PORT');
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port < 0 || port > 65535) errors.push(`PORT: "${rawPort}" is not a port number (0-65535)`);
  }

  const timezone = get('SOC_TIMEZONE') ?? machineTimeZone();
  if (!isTimeZone(timezone)) errors.push(`SOC_TIMEZONE: unknown time zone "${timezone}" (use an IANA name such as Asia/Seoul)`);

  const rawLocale = get('SOC_LOCALE') ?? 'en';
  const locale = rawLocale.toLowerCase().split(/[-_]/)[0];
  if (locale !== 'en' && locale !== 'ko') errors.push(`SOC_LOCALE: "${rawLocale}" is not supported (en or ko)`);

  const rawCatchup = get('SOC_CATCHUP') ?? '24h';
  const catchupMs = rawCatchup === '0' ? 0 : parseDuration(rawCatchup);
  if (catchupMs === undefined) errors.push(`SOC_CATCHUP: "${rawCatchup}" is not a duration (e.g. 24h, 90m, 2d, or 0)`);

  const appId = get('MicrosoftAppId');
  if (appId !== undefined && !GUID.test(appId)) errors.push('MicrosoftAppId: must be the Azure bot registration\'s application (client) id, a GUID');
  const rawType = get('MicrosoftAppType') ?? 'MultiTenant';
  const appType = (['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const).find((t) => t.toLowerCase() === rawType.toLowerCase());
  if (!appType) errors.push(`MicrosoftAppType: "${rawType}" is not one of MultiTenant, SingleTenant, UserAssignedMSI`);
  const appTenantId = get('MicrosoftAppTenantId');
  if (appTenantId !== undefined && !GUID.test(appTenantId)) errors.push('MicrosoftAppTenantId: must be a tenant id (GUID)');
  const password = get('MicrosoftAppPassword');
  if (appId !== undefined && appType !== 'UserAssignedMSI' && password === undefined && options.requireAppPassword !== false) errors.push('MicrosoftAppPassword: required when MicrosoftAppId is set (except with MicrosoftAppType=UserAssignedMSI)');
  if (appId !== undefined && appType !== 'MultiTenant' && appTenantId === undefined) errors.push(`MicrosoftAppTenantId: required with MicrosoftAppType=${appType}`);
  if (appId === undefined && password !== undefined) errors.push('MicrosoftAppPassword: set without MicrosoftAppId');

  // Local mode accepts anyone's Bot Framework traffic unauthenticated, so it listens on this machine only unless
  // the operator says otherwise in so many words; authenticated mode must be reachable by Teams.
  const rawOnNetwork = get('LOCAL_MODE_ON_NETWORK')?.toLowerCase();
  if (rawOnNetwork !== undefined && rawOnNetwork !== 'true' && rawOnNetwork !== 'false') errors.push(`LOCAL_MODE_ON_NETWORK: "${get('LOCAL_MODE_ON_NETWORK')}" must be true or false`);
  const localModeOnNetwork = rawOnNetwork === 'true';
  const host = get('HOST') ?? (appId === undefined ? '127.0.0.1' : '0.0.0.0');
  if (!isHostAddress(host)) errors.push(`HOST: "${host}" is not an IP address or host name to listen on (e.g. 127.0.0.1, 0.0.0.0, ::1)`);
  else if (appId === undefined && !localModeOnNetwork && !isLoopbackHost(host)) {
    errors.push(`HOST: "${host}" is not a loopback address, and local mode (no MicrosoftAppId) accepts unauthenticated Bot Framework traffic from anyone who reaches it; use 127.0.0.1, or set LOCAL_MODE_ON_NETWORK=true to accept that`);
  }

  const allowedTenants = (get('ALLOWED_TENANTS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const t of allowedTenants) if (!GUID.test(t) && t !== 'local') errors.push(`ALLOWED_TENANTS: "${t}" is not a tenant id (GUID)`);

  const rawLevel = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  const levels: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(rawLevel as LogLevel)) errors.push(`LOG_LEVEL: "${rawLevel}" is not one of ${levels.join(', ')}`);

  const rawFormat = (get('LOG_FORMAT') ?? 'pino').toLowerCase();
  if (rawFormat !== 'pino' && rawFormat !== 'iso') errors.push(`LOG_FORMAT: "${rawFormat}" is not one of pino, iso`);

  const digestCron = get('SOC_DIGEST_CRON') ?? '0 16 * * 5';
  const digestProblem = cronProblem(digestCron);
  if (digestProblem) errors.push(`SOC_DIGEST_CRON: "${digestCron}" is not a valid cron expression (${digestProblem})`);

  const metricsToken = get('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) errors.push('METRICS_TOKEN: use at least 16 characters');

  // A secret in a URL (the display's link carries it in the fragment): long enough not to be guessed, made of
  // characters that survive a URL fragment unencoded, and not a secret that guards something else.
  const displayToken = get('DISPLAY_TOKEN');
  let display: Config['display'];
  if (displayToken !== undefined) {
    // The home tenant, as for records made before any tenant installed the bot.
    const home = appTenantId ?? allowedTenants[0];
    if (displayToken.length < 32 || displayToken.length > 512) errors.push('DISPLAY_TOKEN: use 32 to 512 characters (e.g. the output of: openssl rand -hex 32)');
    else if (!/^[A-Za-z0-9._~-]+$/.test(displayToken)) errors.push('DISPLAY_TOKEN: use only letters, digits and . _ ~ - (it is put in a URL; e.g. openssl rand -hex 32)');
    else if (displayToken === metricsToken || displayToken === password) errors.push('DISPLAY_TOKEN: must differ from METRICS_TOKEN and MicrosoftAppPassword (it is shown in the display\'s link)');
    else if (appId !== undefined && (home === undefined || !GUID.test(home))) errors.push('DISPLAY_TOKEN: names no tenant to show: set MicrosoftAppTenantId, or put the home tenant first in ALLOWED_TENANTS');
    else display = Object.freeze({ token: displayToken, tenantId: home ?? 'local' });
  }

  const teamsAppId = get('TEAMS_APP_ID');
  if (teamsAppId !== undefined && !GUID.test(teamsAppId)) errors.push('TEAMS_APP_ID: must be a GUID');
  const publicHostname = get('PUBLIC_HOSTNAME');
  if (publicHostname !== undefined && !/^[a-z0-9.-]+(:\d+)?$/i.test(publicHostname)) errors.push(`PUBLIC_HOSTNAME: "${publicHostname}" must be a bare host name, without https:// or a path`);

  const limit = (name: string, fallback: readonly RateLimit[]): readonly RateLimit[] => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const parsed = parseLimits(raw, parseDuration);
    if (!parsed || parsed.length === 0) errors.push(`${name}: "${raw}" is not a list of limits such as 7/1s,8/2s,60/30s,1800/1h`);
    return parsed ?? fallback;
  };
  const limits: PacerLimits = { perThread: limit('TEAMS_LIMIT_PER_THREAD', TEAMS_LIMITS.perThread), perTenant: limit('TEAMS_LIMIT_PER_TENANT', TEAMS_LIMITS.perTenant) };
  const wholeNumber = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) errors.push(`${name}: "${raw}" must be a whole number from ${min} to ${max}`);
    return n;
  };
  const deliveryReplicas = wholeNumber('DELIVERY_REPLICAS', 1, 1, 100);
  const deliveryMaxAttempts = wholeNumber('DELIVERY_MAX_ATTEMPTS', 8, 1, 100);
  const rawLease = get('DELIVERY_LEASE') ?? '60s';
  const deliveryLeaseMs = parseDuration(rawLease);
  if (deliveryLeaseMs === undefined || deliveryLeaseMs < 1000) errors.push(`DELIVERY_LEASE: "${rawLease}" must be a duration of at least 1s (e.g. 60s)`);

  // ChannelService is botbuilder's own setting (which cloud's Bot Framework to use); it picks the default hosts.
  const channelService = get('ChannelService');
  const cloud = cloudOfChannelService(channelService);
  const rawAllowlist = get('SERVICE_URL_ALLOWLIST');
  let serviceUrlAllowlist: readonly ServiceUrlRule[] = cloud ? defaultServiceUrlRules(cloud) : [];
  if (rawAllowlist !== undefined) {
    const rules: ServiceUrlRule[] = [];
    for (const entry of rawAllowlist.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const rule = parseServiceUrlEntry(entry);
      if (typeof rule === 'string') errors.push(`SERVICE_URL_ALLOWLIST: ${rule}`);
      else rules.push(rule);
    }
    if (rules.length === 0 && !errors.some((e) => e.startsWith('SERVICE_URL_ALLOWLIST'))) errors.push('SERVICE_URL_ALLOWLIST: lists no host (unset it for the defaults of the ChannelService cloud)');
    serviceUrlAllowlist = Object.freeze(rules);
  } else if (!cloud) {
    errors.push(
      `SERVICE_URL_ALLOWLIST: required because ChannelService "${channelService}" is not a cloud with known Teams service hosts (unset: public, ${CHANNEL_SERVICES.usgov}: US Government, ${CHANNEL_SERVICES.china}: China); list its Teams service hosts`,
    );
  }
  const botFrameworkAuth = parseBotFrameworkAuth(get, errors);
  const durationAtLeast = (name: string, fallback: string, minMs: number): number => {
    const raw = get(name) ?? fallback;
    const ms = parseDuration(raw);
    if (ms === undefined || ms < minMs) errors.push(`${name}: "${raw}" must be a duration of at least ${minMs / 1000}s (e.g. ${fallback})`);
    return ms ?? 0;
  };
  const shutdownTimeoutMs = durationAtLeast('SHUTDOWN_TIMEOUT', '20s', 1000);
  const databaseConnectTimeoutMs = durationAtLeast('DATABASE_CONNECT_TIMEOUT', '10s', 1000);

  const socAdmins: string[] = [];
  for (const entry of (get('SOC_ADMINS') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (GUID.test(entry) || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(entry)) socAdmins.push(entry.toLowerCase());
    else errors.push(`SOC_ADMINS: "${entry.slice(0, 80)}" is neither an Entra object id (GUID) nor a UPN (name@domain)`);
  }
  const graphEndpoint = (get('GRAPH_ENDPOINT') ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+$/i.test(graphEndpoint)) errors.push(`GRAPH_ENDPOINT: "${graphEndpoint.slice(0, 120)}" must be the Graph host's URL without a path (e.g. https://graph.microsoft.us)`);
  else if (appId !== undefined && !/^https:/i.test(graphEndpoint) && !isLoopbackHost(new URL(graphEndpoint).hostname)) errors.push('GRAPH_ENDPOINT: must use https (the bot sends its token there)');

  const outboundProxy: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) {
    const value = get(name);
    if (value === undefined) continue;
    outboundProxy[name] = value;
    if (name.toLowerCase() === 'no_proxy') continue;
    let protocol: string | undefined;
    try {
      protocol = new URL(value).protocol;
    } catch {
      protocol = undefined;
    }
    // The value is not repeated: a proxy URL may hold a user name and password.
    if (protocol !== 'http:' && protocol !== 'https:') errors.push(`${name}: must be the proxy's http:// or https:// URL (e.g. http://proxy.example.com:3128)`);
  }

  if (errors.length > 0) throw new ConfigError(errors);
  return Object.freeze({
    port,
    host,
    localModeOnNetwork,
    databaseUrl: get('DATABASE_URL'),
    catalogFile: get('SOC_CATALOG_FILE'),
    timezone,
    locale: locale as Locale,
    catchupMs: catchupMs!,
    microsoftAppId: appId,
    microsoftAppPassword: password,
    microsoftAppType: appType!,
    microsoftAppTenantId: appTenantId,
    allowedTenants: Object.freeze(allowedTenants),
    logLevel: rawLevel as LogLevel,
    logFormat: rawFormat as LogFormat,
    shutdownTimeoutMs,
    databaseConnectTimeoutMs,
    digestCron,
    publicHostname,
    teamsAppId,
    metricsToken,
    display,
    limits,
    deliveryReplicas,
    deliveryMaxAttempts,
    deliveryLeaseMs: deliveryLeaseMs!,
    localMode: appId === undefined,
    homeTenantId: appTenantId ?? allowedTenants[0] ?? 'local',
    serviceUrlAllowlist,
    botFrameworkAuth: botFrameworkAuth!,
    socAdmins: Object.freeze(socAdmins),
    graphEndpoint,
    outboundProxy: Object.freeze(outboundProxy),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Bot Framework endpoints (sovereign clouds)
// ---------------------------------------------------------------------------------------------------------------

/**
 * The endpoint settings botbuilder's ConfigurationBotFrameworkAuthentication reads, under its own names (which are
 * also the environment variables), always complete. botbuilder 4.23 uses its built-in public or US Government
 * constants only when NONE of them is set; set one and it takes every other as given, so a lone
 * ToBotFromChannelOpenIdMetadataUrl would leave the issuer and the login URL undefined. Filling the unset ones from
 * the cloud ChannelService names keeps a partial override safe.
 */
export interface BotFrameworkAuthSettings {
  /** '' (public cloud), `https://botframework.azure.us` (US Government), or another cloud's value (everything set by hand). */
  readonly ChannelService: string;
  /** Where the bot gets its outbound token (Entra ID authority). Under login.microsoftonline.com/.us botbuilder puts MicrosoftAppTenantId (or its default tenant) after the host; elsewhere the URL is the authority as written. */
  readonly ToChannelFromBotLoginUrl: string;
  /** Audience of the bot's outbound token. @default https://api.botframework.com */
  readonly ToChannelFromBotOAuthScope: string;
  /** The only `iss` accepted on inbound channel tokens. @default https://api.botframework.com */
  readonly ToBotFromChannelTokenIssuer: string;
  /** OpenID metadata whose keys sign inbound channel tokens. @default https://login.botframework.com/v1/.well-known/openidconfiguration */
  readonly ToBotFromChannelOpenIdMetadataUrl: string;
  /** Emulator and skill tokens' metadata (this bot refuses those tokens; botbuilder still wants the value). */
  readonly ToBotFromEmulatorOpenIdMetadataUrl?: string;
  /** Bot Framework token service (user sign-in; unused by this bot, passed on for completeness). */
  readonly OAuthUrl?: string;
  /** `callerId` botbuilder stamps on authenticated activities. @default urn:botframework:azure */
  readonly CallerId?: string;
  /** Passed on to botbuilder, which in 4.23 stores it and never uses it (MSAL validates authorities itself). @default true */
  readonly ValidateAuthority: boolean;
}

/** botframework-connector's AuthenticationConstants / GovernmentConstants and CallerIdConstants (4.23.3). */
const PUBLIC_CLOUD: Omit<BotFrameworkAuthSettings, 'ValidateAuthority'> = {
  ChannelService: '',
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  OAuthUrl: 'https://api.botframework.com',
  CallerId: 'urn:botframework:azure',
};
const US_GOVERNMENT_CHANNEL_SERVICE = 'https://botframework.azure.us';
const US_GOVERNMENT_CLOUD: Omit<BotFrameworkAuthSettings, 'ValidateAuthority'> = {
  ChannelService: US_GOVERNMENT_CHANNEL_SERVICE,
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.us/MicrosoftServices.onmicrosoft.us',
  ToChannelFromBotOAuthScope: 'https://api.botframework.us',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.us',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.us/cab8a31a-1906-4287-a0d8-4eef66b95f6e/v2.0/.well-known/openid-configuration',
  OAuthUrl: 'https://api.botframework.azure.us',
  CallerId: 'urn:botframework:azureusgov',
};

function parseBotFrameworkAuth(get: (name: string) => string | undefined, errors: string[]): BotFrameworkAuthSettings | undefined {
  const rawService = get('ChannelService');
  const service = rawService?.replace(/\/+$/, '').toLowerCase();
  const base = service === undefined ? PUBLIC_CLOUD : service === US_GOVERNMENT_CHANNEL_SERVICE ? US_GOVERNMENT_CLOUD : undefined;
  // A trailing slash is the same cloud (botbuilder compares ChannelService after normalising it, too).
  const serviceUrlShape = /^https:\/\/[^\s/]+\/*$/i;
  if (rawService !== undefined && base === undefined && !serviceUrlShape.test(rawService)) {
    errors.push(`ChannelService: "${rawService}" is not a cloud's channel service URL (e.g. ${US_GOVERNMENT_CHANNEL_SERVICE}; unset for the public cloud)`);
  }
  // An endpoint the bot fetches (metadata, authority): https, or http on a loopback host for a local stand-in. MSAL
  // refuses an http authority, so the login URL is https even there.
  const fetched = (name: string, alias?: string, httpsOnly = false): string | undefined => {
    const used = get(name) !== undefined || alias === undefined || get(alias) === undefined ? name : alias;
    const raw = get(used);
    if (raw === undefined) return undefined;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || !(url.protocol === 'https:' || (!httpsOnly && url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
      errors.push(`${used}: "${raw}" must be an https:// URL${httpsOnly ? '' : ' (http:// only on a loopback host, for a local stand-in)'}`);
    }
    return raw;
  };
  // An identifier compared as a string (issuer, audience): an absolute https URI, as every Microsoft cloud uses.
  const identifier = (name: string): string | undefined => {
    const raw = get(name);
    if (raw !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/i.test(raw)) errors.push(`${name}: "${raw}" must be an https:// URI such as https://api.botframework.us`);
    return raw;
  };
  const given = {
    ToChannelFromBotLoginUrl: fetched('ToChannelFromBotLoginUrl', undefined, true),
    ToChannelFromBotOAuthScope: identifier('ToChannelFromBotOAuthScope'),
    ToBotFromChannelTokenIssuer: identifier('ToBotFromChannelTokenIssuer'),
    // BotOpenIdMetadata and OAuthApiEndpoint are botbuilder's older names; the newer ones win, as in botbuilder.
    ToBotFromChannelOpenIdMetadataUrl: fetched('ToBotFromChannelOpenIdMetadataUrl', 'BotOpenIdMetadata'),
    ToBotFromEmulatorOpenIdMetadataUrl: fetched('ToBotFromEmulatorOpenIdMetadataUrl'),
    OAuthUrl: fetched('OAuthUrl', 'OAuthApiEndpoint'),
  };
  const callerId = get('CallerId');
  if (callerId !== undefined && !/^urn:\S+$/.test(callerId)) errors.push(`CallerId: "${callerId}" must be a URN such as urn:botframework:azureusgov`);
  const rawValidate = get('ValidateAuthority')?.toLowerCase();
  if (rawValidate !== undefined && rawValidate !== 'true' && rawValidate !== 'false') errors.push(`ValidateAuthority: "${get('ValidateAuthority')}" must be true or false`);

  if (base === undefined && rawService !== undefined && serviceUrlShape.test(rawService)) {
    // A cloud botbuilder has no constants for (21Vianet, a private cloud): nothing may be guessed from the public one.
    const required = ['ToChannelFromBotLoginUrl', 'ToChannelFromBotOAuthScope', 'ToBotFromChannelTokenIssuer', 'ToBotFromChannelOpenIdMetadataUrl'] as const;
    const missing = required.filter((k) => given[k] === undefined);
    if (missing.length > 0) errors.push(`ChannelService: "${rawService}" is not the public or US Government cloud, so set ${missing.join(', ')} too`);
  }
  if (errors.length > 0) return undefined;
  const defaults: Partial<BotFrameworkAuthSettings> = base ?? {};
  return Object.freeze({
    ChannelService: base?.ChannelService ?? rawService!,
    ToChannelFromBotLoginUrl: (given.ToChannelFromBotLoginUrl ?? defaults.ToChannelFromBotLoginUrl)!,
    ToChannelFromBotOAuthScope: (given.ToChannelFromBotOAuthScope ?? defaults.ToChannelFromBotOAuthScope)!,
    ToBotFromChannelTokenIssuer: (given.ToBotFromChannelTokenIssuer ?? defaults.ToBotFromChannelTokenIssuer)!,
    ToBotFromChannelOpenIdMetadataUrl: (given.ToBotFromChannelOpenIdMetadataUrl ?? defaults.ToBotFromChannelOpenIdMetadataUrl)!,
    ToBotFromEmulatorOpenIdMetadataUrl: given.ToBotFromEmulatorOpenIdMetadataUrl ?? defaults.ToBotFromEmulatorOpenIdMetadataUrl,
    OAuthUrl: given.OAuthUrl ?? defaults.OAuthUrl,
    CallerId: callerId ?? defaults.CallerId,
    ValidateAuthority: rawValidate !== 'false',
  });
}

/** An IP address (v4 or v6, without brackets) or an RFC 1123 host name. */
function isHostAddress(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return host.length <= 253 && /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(host);
}


/** Reads `.env` (if present) and the process environment. */
export function readConfig(options: ConfigOptions = {}): Config {
  loadDotenv({ quiet: true });
  return parseConfig(process.env, options);
}
