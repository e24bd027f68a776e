/**
 * `soc-reminders doctor`: reads the same settings as the service and says, in plain words, what would stop a
 * deployment from working in Teams: the mode, the app registration settings, the tenants, the database, the
 * public host, and what the tab's sign-in needs in Entra ID. It changes nothing (no file created, no
 * migration run) and calls nothing outside the database.
 */
import { ConfigError, type Config } from '../config';
import { parseDatabaseUrl, type StoreLocation } from '../storage/database';
import { networkFilesystemOf, probeDatabase, sqliteFolder } from '../storage/probe';

export type FindingLevel = 'ok' | 'warn' | 'fail' | 'note';

export interface Finding {
  readonly level: FindingLevel;
  readonly text: string;
}

/** Client ids of Teams that the tab's scope must pre-authorize (Microsoft's Teams SSO documentation). */
export const TEAMS_CLIENT_IDS = {
  '1fec8e78-bce4-4aaf-ab1b-5451cc387264': 'Teams desktop and mobile',
  '5e3ce6c0-2b1f-4285-8d4b-75ee78787346': 'Teams web',
} as const;

/** Node lines package.json's engines accepts (^22.12 || ^24). */
function supportedNode(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return (major === 22 && minor >= 12) || major === 24;
}

export interface DoctorOptions {
  /**
   * Base URL of the running deployment (e.g. https://soc-reminders.contoso.com): its /healthz is read to see
   * that it answers, in the mode and at the version these settings describe. Unset: not checked, since the
   * place doctor runs may not reach the public host.
   */
  readonly url?: string;
  /** @default 10 s */
  readonly timeoutMs?: number;
}

/**
 * Runs every check. `config` is what readConfig returned without requiring the client secret, or the
 * ConfigError it threw; `nodeVersion` is process.versions.node.
 */
export async function runDoctor(config: Config | ConfigError, nodeVersion: string, options: DoctorOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  const ok = (text: string) => findings.push({ level: 'ok', text });
  const warn = (text: string) => findings.push({ level: 'warn', text });
  const fail = (text: string) => findings.push({ level: 'fail', text });
  const note = (text: string) => findings.push({ level: 'note', text });

  if (supportedNode(nodeVersion)) ok(`Node.js ${nodeVersion}`);
  else warn(`Node.js ${nodeVersion} is not a maintained LTS line this release supports: use Node 22 (22.12 or later) or 24`);

  if (config instanceof ConfigError) {
    for (const e of config.errors) fail(`setting ${e}`);
    fail('the service would refuse to start with these settings; the other checks need them fixed first');
    return findings;
  }

  // Mode and app registration.
  if (config.localMode) {
    fail('LOCAL MODE: MicrosoftAppId is not set, so the bot accepts requests without any authentication. Teams cannot use it; set MicrosoftAppId (and its secret) from the Azure Bot\'s app registration');
  } else {
    const appId = config.microsoftAppId!;
    if (config.microsoftAppType === 'UserAssignedMSI') {
      ok(`app ${appId} authenticates with a user-assigned managed identity in tenant ${config.microsoftAppTenantId} (works only on Azure, with that identity attached)`);
    } else if (!config.microsoftAppPassword) {
      fail(`MicrosoftAppPassword is not set: the bot cannot answer Teams without a client secret of app ${appId} (App Service: a Key Vault reference)`);
    } else {
      ok(`app ${appId} (${config.microsoftAppType}${config.microsoftAppTenantId ? `, tenant ${config.microsoftAppTenantId}` : ''}) has a client secret set; whether Entra ID accepts it is not checked here`);
    }
    if (config.microsoftAppType === 'MultiTenant' && config.allowedTenants.length === 0) {
      warn('MultiTenant and ALLOWED_TENANTS is empty: a Teams admin of any organisation who installs the app can use the bot and its data; list your tenant ids in ALLOWED_TENANTS');
    } else if (config.allowedTenants.length > 0) {
      ok(`accepts activities only from tenant${config.allowedTenants.length > 1 ? 's' : ''} ${config.allowedTenants.join(', ')}`);
      if (config.microsoftAppTenantId && config.microsoftAppType === 'SingleTenant' && !config.allowedTenants.includes(config.microsoftAppTenantId)) {
        warn(`ALLOWED_TENANTS does not include the app's own tenant ${config.microsoftAppTenantId}: a SingleTenant bot only ever hears from that one, so nothing would be accepted`);
      }
    } else {
      ok(`${config.microsoftAppType}: only tenant ${config.microsoftAppTenantId} can use the app`);
    }
  }

  // Public host: messaging endpoint, tab, manifest.
  const host = config.publicHostname;
  if (!host) {
    (config.localMode ? warn : fail)('PUBLIC_HOSTNAME is not set: the app package, the tab and its sign-in need the host Teams reaches the bot at (e.g. soc-reminders.contoso.com)');
  } else if (/^(localhost|127\.|0\.0\.0\.0|\[?::1)/i.test(host)) {
    warn(`PUBLIC_HOSTNAME is ${host}: Teams cannot reach a loopback address; use the public HTTPS host (a tunnel for development)`);
  } else {
    ok(`public host ${host}: the Azure Bot's messaging endpoint must be https://${host}/api/messages`);
  }
  if (!config.teamsAppId) warn('TEAMS_APP_ID is not set: `soc-reminders package` needs it (a GUID you generate once and keep for every version of the app)');

  // Database.
  let location: StoreLocation | undefined;
  try {
    location = parseDatabaseUrl(config.databaseUrl);
  } catch (err) {
    fail(`${(err as Error).message}`);
  }
  if (location) {
    if (location.dialect === 'sqlite' && location.target !== ':memory:') {
      const share = networkFilesystemOf(sqliteFolder(location));
      if (share) fail(`the SQLite file is on a network share (${share.type} at ${share.mountPoint}), where its WAL mode can corrupt the database: use PostgreSQL (DATABASE_URL=postgres://…) or a local disk`);
      if (config.deliveryReplicas > 1) fail(`DELIVERY_REPLICAS is ${config.deliveryReplicas} with SQLite: replicas on several machines cannot share one SQLite file; use PostgreSQL`);
    }
    const probe = await probeDatabase(location, config.databaseConnectTimeoutMs);
    if (!probe.ok) fail(`database ${probe.where}: cannot connect (${probe.reason})`);
    else if (!probe.created) ok(`database ${probe.where} does not exist yet; the service creates it on first start`);
    else if (probe.applied > probe.known) fail(`database ${probe.where} has ${probe.applied} migrations, this version knows ${probe.known}: it was used by a newer version`);
    else ok(`database ${probe.where}${probe.server ? ` (${probe.server})` : ''} reachable, ${probe.applied} of ${probe.known} migrations applied${probe.applied < probe.known ? ' (the service applies the rest at start)' : ''}`);
  }

  // The tab's sign-in: what Entra ID must have. Not readable from here without Graph permissions.
  if (!config.localMode && host) {
    const appId = config.microsoftAppId!;
    note(
      `the tab's sign-in needs, in app registration ${appId} → Expose an API: Application ID URI api://${host}/${appId}, ` +
        `a scope access_as_user (Admins and users), and the authorized client applications ${Object.entries(TEAMS_CLIENT_IDS)
          .map(([id, what]) => `${id} (${what})`)
          .join(' and ')}; not checked here`,
    );
  }
  if (!config.localMode && !config.metricsToken) note('METRICS_TOKEN is not set: /metrics is not served in authenticated mode');
  if (options.url) findings.push(...(await probeDeployment(options.url, config, options.timeoutMs ?? 10_000)));
  return findings;
}

/** Reads <url>/healthz of a running deployment and compares it with these settings. */
async function probeDeployment(url: string, config: Config, timeoutMs: number): Promise<Finding[]> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    return [{ level: 'fail', text: `--url "${url}" is not a URL (e.g. https://soc-reminders.contoso.com)` }];
  }
  const health = new URL('/healthz', base);
  let res: Response;
  try {
    res = await fetch(health, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return [{ level: 'fail', text: `${health.href} did not answer within ${timeoutMs / 1000}s (${cause?.code ?? cause?.message ?? (err as Error).message}): Teams could not reach it either` }];
  }
  const body = (await res.json().catch(() => undefined)) as { status?: string; mode?: string; version?: string } | undefined;
  if (!body || typeof body.mode !== 'string') return [{ level: 'fail', text: `${health.href} answered ${res.status} but not as SOC Reminders: is the host name pointing at this service?` }];
  const found: Finding[] = [];
  if (res.status !== 200) found.push({ level: 'fail', text: `${health.href} answered ${res.status} (${body.status ?? 'no status'}): the service is up but not healthy; see its logs and /healthz` });
  else found.push({ level: 'ok', text: `${health.href} answers: ${body.status}, ${body.mode} mode, version ${body.version ?? 'unknown'}` });
  const expected = config.localMode ? 'local' : 'authenticated';
  if (body.mode !== expected) found.push({ level: 'fail', text: `the service at ${base.host} runs in ${body.mode} mode, these settings are for ${expected} mode: it was started with other settings` });
  if (base.protocol !== 'https:') found.push({ level: 'warn', text: `${base.origin} is not HTTPS: Teams only calls https:// endpoints` });
  return found;
}

const LABEL: Record<FindingLevel, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', note: 'note' };

/** The report as the CLI prints it, and whether it found a problem that stops a deployment. */
export function formatFindings(findings: readonly Finding[]): { text: string; failed: boolean } {
  const fails = findings.filter((f) => f.level === 'fail').length;
  const warns = findings.filter((f) => f.level === 'warn').length;
  const lines = findings.map((f) => `  ${LABEL[f.level]}  ${f.text}`);
  const summary = fails === 0 && warns === 0 ? 'no problems found' : `${fails} problem${fails === 1 ? '' : 's'}, ${warns} warning${warns === 1 ? '' : 's'}`;
  return { text: [...lines, summary].join('\n'), failed: fails > 0 };
}
