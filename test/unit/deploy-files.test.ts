/**
 * The deployment kit has no daemon or cloud to run against here, so these check what would break it silently:
 * YAML that does not parse, files that name paths or variables that do not exist, an Entra registration that
 * does not match the manifest's SSO resource, and the settings an outage would come from (Always On, the
 * readiness probe, replicas pacing to their share, the secret only in Key Vault).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TEAMS_CLIENT_IDS } from '../../src/cli/doctor';
import { SEMI_SPACE_MB } from '../../src/young-generation';
import { ROOT } from '../support/process';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const yaml = (path: string) => parse(read(path), { uniqueKeys: true, strict: true });

describe('compose.yaml', () => {
  const compose = yaml('compose.yaml');

  it('runs two bot replicas on one PostgreSQL, each pacing to half of Teams\' limits', () => {
    const bot = compose.services.bot;
    expect(bot.deploy.replicas).toBe(2);
    expect(bot.environment.DELIVERY_REPLICAS).toBe(String(bot.deploy.replicas));
    expect(bot.environment.DATABASE_URL).toMatch(/^postgres:\/\/soc:\$\{POSTGRES_PASSWORD\}@postgres:5432\/soc_reminders$/);
    expect(bot.environment.HOST).toBe('0.0.0.0');
    expect(bot.depends_on.postgres.condition).toBe('service_healthy');
  });

  it('puts the replicas behind one port through nginx, which proxies to the bot\'s port', () => {
    const proxy = compose.services.proxy;
    expect(proxy.ports).toEqual(['${SOC_BIND:-127.0.0.1}:${SOC_PORT:-3978}:8080']);
    const nginx = read('deploy/nginx.conf');
    expect(nginx).toMatch(/listen 8080;/);
    expect(nginx).toContain(`set $bot http://bot:${compose.services.bot.environment.PORT};`);
    expect(proxy.volumes).toContain('./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro');
  });
});

describe('package.json', () => {
  it('starts the service with the young generation\'s size given, so that it does not re-execute itself to set it', () => {
    expect(JSON.parse(read('package.json')).scripts.start).toBe(`node --max-semi-space-size=${SEMI_SPACE_MB} dist/src/index.js`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));

  it('builds with the tested production-install steps and runs without a compiler, as an unprivileged user', () => {
    expect(dockerfile).toContain('node scripts/install-packed.js /tmp/pack/soc-reminders-*.tgz /app');
    expect(runtime).not.toMatch(/apt-get|npm (ci|install)|g\+\+/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^VOLUME \/data$/m);
    expect(runtime).toMatch(/HOST=0\.0\.0\.0/);
    // npm does not pass SIGTERM on (see production-install.test.ts): node itself is the command, with the young
    // generation's size given so that the process does not re-execute itself to set it.
    expect(runtime).toMatch(/^CMD \["node", "--max-semi-space-size=(\d+)", "dist\/src\/index\.js"\]$/m);
    expect(/--max-semi-space-size=(\d+)/.exec(runtime)![1]).toBe(String(SEMI_SPACE_MB));
  });

  it('reports healthy only when the service is ready', () => {
    expect(runtime).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|3978\)\+'\/readyz'/m);
  });
});

describe('Azure (infra/main.bicep)', () => {
  const bicep = read('infra/main.bicep');
  const params = new Set([...bicep.matchAll(/^param (\w+) /gm)].map((m) => m[1]));
  const outputs = new Set([...bicep.matchAll(/^output (\w+) /gm)].map((m) => m[1]));

  it('keeps reminders running: Always On, readiness health check, node as the start command', () => {
    expect(bicep).toMatch(/alwaysOn: true/);
    expect(bicep).toMatch(/healthCheckPath: '\/readyz'/);
    expect(bicep).toContain(`appCommandLine: 'node --max-semi-space-size=${SEMI_SPACE_MB} dist/src/index.js'`);
    expect(bicep).toMatch(/linuxFxVersion: nodeStack/);
    expect(bicep).toMatch(/\{ name: 'DELIVERY_REPLICAS', value: string\(instanceCount\) \}/);
  });

  it('gives the app its client secret and database URL only as Key Vault references', () => {
    expect(bicep).toMatch(/\{ name: 'MicrosoftAppPassword', value: '@Microsoft\.KeyVault\(SecretUri=\$\{vault\.properties\.vaultUri\}secrets\/\$\{botPasswordSecret\.name\}\/\)' \}/);
    expect(bicep).toMatch(/\{ name: 'DATABASE_URL', value: '@Microsoft\.KeyVault\(SecretUri=/);
    expect(bicep).toMatch(/@secure\(\)\nparam botAppPassword string/);
    expect(bicep).toMatch(/@secure\(\)\nparam postgresAdminPassword string/);
  });

  it('registers the Azure Bot with the Teams channel at the app\'s messaging endpoint', () => {
    expect(bicep).toMatch(/endpoint: 'https:\/\/\$\{host\}\/api\/messages'/);
    expect(bicep).toMatch(/channelName: 'MsTeamsChannel'/);
  });

  it('takes every parameter the toolkit\'s parameter file and the bicepparam file set', () => {
    const fromJson = Object.keys(JSON.parse(read('infra/main.parameters.json')).parameters);
    const fromBicepparam = [...read('infra/main.bicepparam').matchAll(/^param (\w+) =/gm)].map((m) => m[1]);
    for (const name of [...fromJson, ...fromBicepparam]) expect(params).toContain(name);
    // The toolkit reads these outputs back by name.
    for (const name of ['PUBLIC_HOSTNAME', 'BOT_AZURE_APP_SERVICE_RESOURCE_ID']) expect(outputs).toContain(name);
  });
});

describe('Microsoft 365 Agents Toolkit', () => {
  const files = ['m365agents.yml', 'm365agents.local.yml'];
  const template = read('manifest/manifest.template.json');
  const placeholders = new Set([...template.matchAll(/\$\{\{(\w+)\}\}/g)].map((m) => m[1]));

  it.each(files)('%s names only files that exist', (file) => {
    const doc = yaml(file);
    const paths: string[] = [];
    for (const stage of ['provision', 'deploy', 'publish']) {
      for (const step of doc[stage] ?? []) {
        for (const key of ['manifestPath', 'path', 'parameters']) if (typeof step.with?.[key] === 'string') paths.push(step.with[key]);
        for (const t of step.with?.templates ?? []) paths.push(t.path, t.parameters);
      }
    }
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect([p, existsSync(join(ROOT, p))]).toEqual([p, true]);
  });

  it.each(files)('%s fills every placeholder of the manifest template', (file) => {
    const doc = yaml(file);
    const env = read(`env/.env.${file === 'm365agents.yml' ? 'dev' : 'local'}`);
    const provided = new Set([...env.matchAll(/^(\w+)=/gm)].map((m) => m[1]));
    for (const step of doc.provision) {
      for (const v of Object.values(step.writeToEnvironmentFile ?? {})) provided.add(v as string);
      for (const m of String(step.with?.run ?? '').matchAll(/set-teamsfx-env (\w+)=/g)) provided.add(m[1]);
    }
    for (const p of placeholders) expect([p, provided.has(p)]).toEqual([p, true]);
  });

  it('maps the toolkit\'s variables to the settings the service reads', () => {
    const envs = yaml('m365agents.local.yml').deploy.find((s: any) => s.uses === 'file/createOrUpdateEnvironmentFile').with.envs;
    expect(envs).toMatchObject({ MicrosoftAppId: '${{BOT_ID}}', MicrosoftAppPassword: '${{SECRET_BOT_PASSWORD}}', MicrosoftAppTenantId: '${{AAD_APP_TENANT_ID}}', PUBLIC_HOSTNAME: '${{BOT_DOMAIN}}', TEAMS_APP_ID: '${{TEAMS_APP_ID}}' });
    expect(JSON.parse(read('package.json')).scripts['start:local']).toBe(`node --max-semi-space-size=${SEMI_SPACE_MB} --env-file=.localConfigs dist/src/index.js`);
  });

  it('registers in Entra ID exactly the SSO resource the manifest asks Teams for, with Teams\' clients pre-authorized', () => {
    const entra = JSON.parse(read('infra/entra-app.manifest.json'));
    const manifest = JSON.parse(template);
    expect(entra.identifierUris).toEqual([manifest.webApplicationInfo.resource]);
    expect(manifest.webApplicationInfo.id).toBe(entra.appId);
    expect(entra.oauth2Permissions.map((p: any) => p.value)).toEqual(['access_as_user']);
    expect(entra.preAuthorizedApplications.map((a: any) => a.appId).sort()).toEqual(Object.keys(TEAMS_CLIENT_IDS).sort());
  });
});
