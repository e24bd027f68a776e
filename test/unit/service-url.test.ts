/**
 * The service-URL allow-list: Microsoft's Teams hosts per cloud, SERVICE_URL_ALLOWLIST's hosts, wildcards and
 * origins, loopback only in local mode, and every bad setting named by its variable.
 */
import { ConfigError, parseConfig } from '../../src/config';
import { ServiceUrlPolicy, cloudOfChannelService, defaultServiceUrlRules, isLoopbackHost, parseServiceUrlEntry } from '../../src/teams/service-url';

const APP = { MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'not-a-real-secret-value' };

/** The policy the app builds from this environment. */
function policyOf(env: Record<string, string>): ServiceUrlPolicy {
  const config = parseConfig(env);
  return new ServiceUrlPolicy(config.serviceUrlAllowlist, { allowLoopback: config.localMode });
}

function configErrors(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.errors];
    throw err;
  }
  return [];
}

describe('default allow-list per cloud (ChannelService)', () => {
  it('public cloud (ChannelService unset): Teams regional paths, the onyx host and GCC, https only', () => {
    const p = policyOf(APP);
    for (const url of [
      'https://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net/emea/',
      'https://smba.trafficmanager.net/apac/',
      'https://smba.trafficmanager.net/teams/',
      'https://SMBA.TrafficManager.net/in/',
      'https://smba.onyx.prod.teams.trafficmanager.net/',
      'https://smba.infra.gcc.teams.microsoft.com/teams',
    ]) expect([url, p.isTrusted(url)]).toEqual([url, true]);
    for (const url of [
      'http://smba.trafficmanager.net/amer/', // plain http: the token would travel in clear
      'https://attacker.trafficmanager.net/amer/', // anyone can create a Traffic Manager profile
      'https://smba.trafficmanager.net.evil.example/amer/',
      'https://evil.example/smba.trafficmanager.net/',
      'https://smba.trafficmanager.net@evil.example/amer/',
      'https://user:pw@smba.trafficmanager.net/amer/',
      'https://smba.infra.gov.teams.microsoft.us/teams', // another cloud's host
      'https://webchat.botframework.com/',
      'http://127.0.0.1:3978/', // loopback: only in local mode or when listed
      'not a url',
      'ftp://smba.trafficmanager.net/',
    ]) expect([url, p.isTrusted(url)]).toEqual([url, false]);
  });

  it('US Government (https://botframework.azure.us): GCC High and DoD, not the public hosts', () => {
    const p = policyOf({ ...APP, ChannelService: 'https://botframework.azure.us' });
    expect(p.isTrusted('https://smba.infra.gov.teams.microsoft.us/teams')).toBe(true);
    expect(p.isTrusted('https://smba.infra.dod.teams.microsoft.us/teams')).toBe(true);
    expect(p.isTrusted('https://smba.trafficmanager.net/amer/')).toBe(false);
    expect(p.isTrusted('https://smba.infra.gcc.teams.microsoft.com/teams')).toBe(false);
  });

  it('China (https://botframework.azure.cn): the 21Vianet host only', () => {
    // botbuilder has no 21Vianet constants: its four endpoints are set by hand (README "Sovereign clouds").
    const p = policyOf({
      ...APP,
      ChannelService: 'https://botframework.azure.cn/',
      ToChannelFromBotLoginUrl: 'https://login.partner.microsoftonline.cn/microsoftservices.partner.onmschina.cn',
      ToChannelFromBotOAuthScope: 'https://api.botframework.azure.cn',
      ToBotFromChannelTokenIssuer: 'https://api.botframework.azure.cn',
      ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.azure.cn/v1/.well-known/openidconfiguration',
    });
    expect(p.isTrusted('https://frontend.botapi.msg.infra.teams.microsoftonline.cn/')).toBe(true);
    expect(p.isTrusted('https://smba.trafficmanager.net/amer/')).toBe(false);
  });

  it('reads the cloud from ChannelService as botbuilder names it', () => {
    expect(cloudOfChannelService(undefined)).toBe('public');
    expect(cloudOfChannelService('https://botframework.azure.us')).toBe('usgov');
    expect(cloudOfChannelService('HTTPS://BOTFRAMEWORK.AZURE.US/')).toBe('usgov');
    expect(cloudOfChannelService('https://botframework.azure.cn')).toBe('china');
    expect(cloudOfChannelService('https://botframework.example')).toBeUndefined();
    expect(defaultServiceUrlRules('public').map((r) => r.kind)).toEqual(['host', 'host', 'host']);
  });

  const PRIVATE_CLOUD_ENDPOINTS = {
    ToChannelFromBotLoginUrl: 'https://login.botframework.example/tenant',
    ToChannelFromBotOAuthScope: 'https://api.botframework.example',
    ToBotFromChannelTokenIssuer: 'https://api.botframework.example',
    ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.example/v1/.well-known/openidconfiguration',
  };

  it('refuses to start with an unknown ChannelService unless SERVICE_URL_ALLOWLIST says which hosts to trust', () => {
    const errors = configErrors({ ...APP, ChannelService: 'https://botframework.example' });
    // The Bot Framework endpoints of such a cloud must be named too (bot-framework-auth.config.test.ts).
    expect(errors.filter((e) => !e.startsWith('ChannelService:'))).toEqual([expect.stringMatching(/^SERVICE_URL_ALLOWLIST: required because ChannelService "https:\/\/botframework\.example" is not a cloud/)]);
    const p = policyOf({ ...APP, ...PRIVATE_CLOUD_ENDPOINTS, ChannelService: 'https://botframework.example', SERVICE_URL_ALLOWLIST: 'smba.botframework.example' });
    expect(p.isTrusted('https://smba.botframework.example/x/')).toBe(true);
  });
});

describe('SERVICE_URL_ALLOWLIST', () => {
  it('replaces the defaults: hosts, *.wildcards (subdomains only, https) and exact origins (the only way to http)', () => {
    const p = policyOf({ ...APP, SERVICE_URL_ALLOWLIST: ' smba.contoso.com , *.bots.contoso.com,http://127.0.0.1:3979, https://relay.contoso.com:8443 ' });
    expect(p.isTrusted('https://smba.trafficmanager.net/amer/')).toBe(false); // replaced, not added to
    expect(p.isTrusted('https://smba.contoso.com/emea/')).toBe(true);
    expect(p.isTrusted('https://smba.contoso.com:444/emea/')).toBe(true); // a host entry trusts the host's TLS on any port
    expect(p.isTrusted('http://smba.contoso.com/emea/')).toBe(false);
    expect(p.check('http://smba.contoso.com/emea/')).toMatchObject({ trusted: false, host: 'smba.contoso.com', reason: expect.stringMatching(/plain http/) });
    expect(p.isTrusted('https://eu.bots.contoso.com/')).toBe(true);
    expect(p.isTrusted('https://a.b.bots.contoso.com/')).toBe(true);
    expect(p.isTrusted('https://bots.contoso.com/')).toBe(false);
    expect(p.isTrusted('https://evilbots.contoso.com/')).toBe(false);
    expect(p.isTrusted('http://127.0.0.1:3979/')).toBe(true);
    expect(p.isTrusted('http://127.0.0.1:3979/some/prefix/')).toBe(true);
    expect(p.isTrusted('http://127.0.0.1:3980/')).toBe(false);
    expect(p.isTrusted('https://127.0.0.1:3979/')).toBe(false);
    expect(p.isTrusted('http://localhost:3979/')).toBe(false);
    expect(p.isTrusted('https://relay.contoso.com:8443/')).toBe(true);
    expect(p.isTrusted('https://relay.contoso.com/')).toBe(false);
    expect(p.describe()).toBe('smba.contoso.com, *.bots.contoso.com, http://127.0.0.1:3979, https://relay.contoso.com:8443');
  });

  it('names the variable in every error and refuses entries that would trust too much', () => {
    const errors = configErrors({ ...APP, SERVICE_URL_ALLOWLIST: '*, *.net, *.trafficmanager.net, smba.contoso.com:443, https://x.contoso.com/teams/, ftp://x.contoso.com, exa mple.com, https://u:p@x.contoso.com' });
    expect(errors).toHaveLength(8);
    for (const e of errors) expect(e).toMatch(/^SERVICE_URL_ALLOWLIST: /);
    expect(errors.join('\n')).toMatch(/"\*\.net" is too broad/);
    expect(errors.join('\n')).toMatch(/"\*\.trafficmanager\.net" is too broad: anyone can create an Azure Traffic Manager profile/);
    expect(errors.join('\n')).toMatch(/"smba\.contoso\.com:443": a host entry has no port/);
    expect(errors.join('\n')).toMatch(/without a path/);
    expect(configErrors({ SERVICE_URL_ALLOWLIST: ' , ,' })).toEqual(['SERVICE_URL_ALLOWLIST: lists no host (unset it for the defaults of the ChannelService cloud)']);
  });

  it('parses one entry into a rule', () => {
    expect(parseServiceUrlEntry('Smba.Contoso.com')).toEqual({ kind: 'host', host: 'smba.contoso.com' });
    expect(parseServiceUrlEntry('*.contoso.com')).toEqual({ kind: 'wildcard', suffix: '.contoso.com' });
    expect(parseServiceUrlEntry('https://relay.contoso.com:443')).toEqual({ kind: 'origin', origin: 'https://relay.contoso.com' });
    expect(parseServiceUrlEntry('http://[::1]:3979')).toEqual({ kind: 'origin', origin: 'http://[::1]:3979' });
  });
});

describe('loopback', () => {
  it('is trusted in local mode (http or https, any port, 127.0.0.0/8, ::1, localhost) and nothing else is added', () => {
    const p = policyOf({});
    for (const url of ['http://127.0.0.1:3978/', 'https://127.0.0.1/', 'http://127.8.9.10:1/', 'http://[::1]:56150/', 'http://localhost:56150/', 'http://127.1:80/', 'http://2130706433/'])
      expect([url, p.isTrusted(url)]).toEqual([url, true]);
    for (const url of ['http://10.0.0.5:3978/', 'http://192.168.1.10/', 'http://[::ffff:7f00:1]/', 'http://localhost.evil.example/', 'http://0.0.0.0:3978/', 'https://evil.example/'])
      expect([url, p.isTrusted(url)]).toEqual([url, false]);
    expect(p.isTrusted('https://smba.trafficmanager.net/amer/')).toBe(true); // Microsoft's hosts still are
  });

  it('is not trusted in authenticated mode unless listed', () => {
    expect(policyOf(APP).isTrusted('http://127.0.0.1:3978/')).toBe(false);
    expect(policyOf(APP).isTrusted('http://localhost:3978/')).toBe(false);
    expect(policyOf({ ...APP, SERVICE_URL_ALLOWLIST: 'http://127.0.0.1:3978' }).isTrusted('http://127.0.0.1:3978/')).toBe(true);
  });

  it('knows loopback hosts as URL writes them', () => {
    expect(isLoopbackHost(new URL('http://127.000.000.001/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://[0:0:0:0:0:0:0:1]/').hostname)).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });
});

describe('verdicts', () => {
  it('name the host, never the whole URL', () => {
    const v = policyOf(APP).check('https://evil.example:8443/steal?token=abc');
    expect(v).toEqual({ trusted: false, host: 'evil.example:8443', reason: expect.stringMatching(/"evil\.example:8443" is not a Microsoft Teams service host/) });
    expect(JSON.stringify(v)).not.toContain('token=abc');
  });
});
