/**
 * The only reader of process.env: parses and validates every variable once, names the variable in every
 * error, and freezes the result. `.env` is read through dotenv first (real environment variables win).
 */
import { config as loadDotenv } from 'dotenv';
import { cronProblem } from './catalog/catalog.schema';
import { parseDuration } from './catalog/duration';
import { TEAMS_LIMITS, parseLimits, type PacerLimits, type RateLimit } from './reminders/pacer';

export type Locale = 'en' | 'ko';
export type AppType = 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `pino`: numeric levels and epoch-millisecond times (pino's tools read these); `iso`: level names and ISO 8601 times. */
export type LogFormat = 'pino' | 'iso';

export interface Config {
  readonly port: number;
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
  /** True when no MicrosoftAppId is set: anonymous Bot Framework traffic is accepted (local mode). */
  readonly localMode: boolean;
  /** Tenant that owns occurrences recorded before any tenant installed the bot. */
  readonly homeTenantId: string;
}

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

  const durationAtLeast = (name: string, fallback: string, minMs: number): number => {
    const raw = get(name) ?? fallback;
    const ms = parseDuration(raw);
    if (ms === undefined || ms < minMs) errors.push(`${name}: "${raw}" must be a duration of at least ${minMs / 1000}s (e.g. ${fallback})`);
    return ms ?? 0;
  };
  const shutdownTimeoutMs = durationAtLeast('SHUTDOWN_TIMEOUT', '20s', 1000);
  const databaseConnectTimeoutMs = durationAtLeast('DATABASE_CONNECT_TIMEOUT', '10s', 1000);

  if (errors.length > 0) throw new ConfigError(errors);
  return Object.freeze({
    port,
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
    limits,
    deliveryReplicas,
    deliveryMaxAttempts,
    deliveryLeaseMs: deliveryLeaseMs!,
    localMode: appId === undefined,
    homeTenantId: appTenantId ?? allowedTenants[0] ?? 'local',
  });
}

/** Reads `.env` (if present) and the process environment. */
export function readConfig(options: ConfigOptions = {}): Config {
  loadDotenv({ quiet: true });
  return parseConfig(process.env, options);
}
