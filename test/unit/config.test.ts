/** Configuration: defaults, and every bad value named by its variable. */
import { ConfigError, parseConfig } from '../../src/config';

describe('parseConfig', () => {
  it('runs with nothing set: local mode, port 3978, English, 24 h catch-up, Teams limits', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ port: 3978, locale: 'en', catchupMs: 86_400_000, localMode: true, homeTenantId: 'local', microsoftAppType: 'MultiTenant', allowedTenants: [] });
    expect(c.limits.perTenant).toEqual([{ count: 50, windowMs: 1000 }]);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every bad variable at once, by name', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig({
        PORT: '99999',
        SOC_TIMEZONE: 'Mars/Base',
        SOC_LOCALE: 'de',
        SOC_CATCHUP: 'soon',
        MicrosoftAppId: 'abc',
        MicrosoftAppType: 'Sometimes',
        ALLOWED_TENANTS: 'contoso',
        LOG_LEVEL: 'loud',
        SOC_DIGEST_CRON: '0 16 * * FRIDAYS',
        TEAMS_LIMIT_PER_THREAD: 'seven',
        DELIVERY_REPLICAS: '0',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = error!.errors.map((e) => e.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['PORT', 'SOC_TIMEZONE', 'SOC_LOCALE', 'SOC_CATCHUP', 'MicrosoftAppId', 'MicrosoftAppType', 'ALLOWED_TENANTS', 'LOG_LEVEL', 'SOC_DIGEST_CRON', 'TEAMS_LIMIT_PER_THREAD', 'DELIVERY_REPLICAS']),
    );
  });

  it('reads SOC_ADMINS (object ids and UPNs, lower-cased) and GRAPH_ENDPOINT, and names each in its error (issue 13)', () => {
    const config = parseConfig({ SOC_ADMINS: ' 0B6C2D4E-1F3A-4E5B-8C7D-000000000004 , Lead@Contoso.com ', GRAPH_ENDPOINT: 'https://graph.microsoft.us/' });
    expect(config.socAdmins).toEqual(['0b6c2d4e-1f3a-4e5b-8c7d-000000000004', 'lead@contoso.com']);
    expect(config.graphEndpoint).toBe('https://graph.microsoft.us');
    expect(parseConfig({}).graphEndpoint).toBe('https://graph.microsoft.com');
    expect(parseConfig({}).socAdmins).toEqual([]);
    let error: ConfigError | undefined;
    try {
      parseConfig({ SOC_ADMINS: 'alex,lead@contoso.com', GRAPH_ENDPOINT: 'https://graph.microsoft.com/v1.0' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error!.errors).toEqual([
      'SOC_ADMINS: "alex" is neither an Entra object id (GUID) nor a UPN (name@domain)',
      'GRAPH_ENDPOINT: "https://graph.microsoft.com/v1.0" must be the Graph host\'s URL without a path (e.g. https://graph.microsoft.us)',
    ]);
  });

  it('requires the password with an app id, and the tenant with SingleTenant', () => {
    expect(() => parseConfig({ MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' })).toThrow(/MicrosoftAppPassword: required/);
    expect(() => parseConfig({ MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'p', MicrosoftAppType: 'SingleTenant' })).toThrow(/MicrosoftAppTenantId: required/);
    const c = parseConfig({ MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'p', MicrosoftAppType: 'singletenant', MicrosoftAppTenantId: '11111111-2222-3333-4444-555555555555' });
    expect(c).toMatchObject({ localMode: false, microsoftAppType: 'SingleTenant', homeTenantId: '11111111-2222-3333-4444-555555555555' });
  });

  it('never puts the password in an error message', () => {
    expect(() => parseConfig({ MicrosoftAppPassword: 'S3cr3t-Do-Not-Print' })).toThrow(/set without MicrosoftAppId/);
    try {
      parseConfig({ MicrosoftAppPassword: 'S3cr3t-Do-Not-Print', PORT: 'x' });
    } catch (err) {
      expect((err as Error).message).not.toContain('S3cr3t');
    }
  });

  it('keeps the proxy variables for the posts to Teams, and refuses a proxy URL Node would ignore without repeating it', () => {
    expect(parseConfig({}).outboundProxy).toEqual({});
    expect(parseConfig({ HTTPS_PROXY: 'http://proxy.contoso.com:3128', no_proxy: 'localhost,.internal', PATH: '/usr/bin' }).outboundProxy).toEqual({ HTTPS_PROXY: 'http://proxy.contoso.com:3128', no_proxy: 'localhost,.internal' });
    const error = (() => {
      try {
        parseConfig({ HTTPS_PROXY: 'proxy.contoso.com:3128', http_proxy: 'socks5://user:Pr0xyPass@proxy:1080' });
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/HTTPS_PROXY: must be the proxy's http:\/\/ or https:\/\/ URL/);
    expect(error?.message).toMatch(/http_proxy: must be/);
    expect(error?.message).not.toContain('Pr0xyPass');
  });

  it('reads custom Teams limits and the Korean locale from a Teams-style tag', () => {
    const c = parseConfig({ TEAMS_LIMIT_PER_TENANT: '25/1s', SOC_LOCALE: 'ko-KR', SOC_CATCHUP: '0' });
    expect(c.limits.perTenant).toEqual([{ count: 25, windowMs: 1000 }]);
    expect(c.locale).toBe('ko');
    expect(c.catchupMs).toBe(0);
  });
});

describe('DISPLAY_TOKEN', () => {
  const APP = { MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'x-not-a-real-secret' };
  const HOME = '11111111-2222-3333-4444-555555555555';
  const TOKEN = '0123456789abcdef0123456789abcdef';
  const errorsOf = (env: Record<string, string>): string[] => {
    try {
      parseConfig(env);
      return [];
    } catch (err) {
      return [...(err as ConfigError).errors];
    }
  };

  it('is off when unset', () => {
    expect(parseConfig({}).display).toBeUndefined();
    expect(parseConfig({ ...APP, MicrosoftAppTenantId: HOME }).display).toBeUndefined();
  });

  it('grants the home tenant: MicrosoftAppTenantId, else the first of ALLOWED_TENANTS', () => {
    expect(parseConfig({ ...APP, MicrosoftAppTenantId: HOME, ALLOWED_TENANTS: '99999999-8888-7777-6666-555555555555', DISPLAY_TOKEN: TOKEN }).display).toEqual({ token: TOKEN, tenantId: HOME });
    expect(parseConfig({ ...APP, ALLOWED_TENANTS: `${HOME},99999999-8888-7777-6666-555555555555`, DISPLAY_TOKEN: TOKEN }).display).toEqual({ token: TOKEN, tenantId: HOME });
    // Local mode reads everything anyway; the display's tenant is the local one.
    expect(parseConfig({ DISPLAY_TOKEN: TOKEN }).display).toEqual({ token: TOKEN, tenantId: 'local' });
  });

  it.each([
    ['too short', { DISPLAY_TOKEN: TOKEN.slice(1) }, /DISPLAY_TOKEN: use 32 to 512 characters/],
    ['not URL-safe', { DISPLAY_TOKEN: `${TOKEN}+/=` }, /DISPLAY_TOKEN: use only letters, digits/],
    ['with a space', { DISPLAY_TOKEN: `${TOKEN} x` }, /DISPLAY_TOKEN: use only letters, digits/],
    ['the metrics token', { DISPLAY_TOKEN: TOKEN, METRICS_TOKEN: TOKEN }, /DISPLAY_TOKEN: must differ from METRICS_TOKEN/],
    ['the app password', { ...APP, MicrosoftAppPassword: TOKEN, MicrosoftAppTenantId: HOME, DISPLAY_TOKEN: TOKEN }, /DISPLAY_TOKEN: must differ/],
    ['without a home tenant in authenticated mode', { ...APP, DISPLAY_TOKEN: TOKEN }, /DISPLAY_TOKEN: names no tenant to show: set MicrosoftAppTenantId/],
  ])('is refused %s, naming the variable and never its value', (_name, env, message) => {
    const errors = errorsOf(env as Record<string, string>);
    expect(errors).toEqual([expect.stringMatching(message)]);
    expect(errors.join('\n')).not.toContain(TOKEN.slice(1, 20));
  });
});

describe('HOST and LOCAL_MODE_ON_NETWORK', () => {
  const AUTHENTICATED = { MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'p' };
  const problems = (env: Record<string, string>): readonly string[] => {
    try {
      parseConfig(env);
      return [];
    } catch (err) {
      return (err as ConfigError).errors;
    }
  };

  it('listens on loopback in local mode and on every interface in authenticated mode, by default', () => {
    expect(parseConfig({})).toMatchObject({ host: '127.0.0.1', localMode: true, localModeOnNetwork: false });
    expect(parseConfig(AUTHENTICATED)).toMatchObject({ host: '0.0.0.0', localMode: false });
  });

  it('accepts any loopback address in local mode', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) expect(parseConfig({ HOST: host }).host).toBe(host);
  });

  it('refuses a network address in local mode, naming HOST and the way out', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'soc.contoso.com', '128.0.0.1']) {
      const errors = problems({ HOST: host });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^HOST: "${host.replace(/\./g, '\\.')}" is not a loopback address.*LOCAL_MODE_ON_NETWORK=true`));
    }
  });

  it('allows local mode on the network only when LOCAL_MODE_ON_NETWORK=true says so', () => {
    expect(parseConfig({ HOST: '0.0.0.0', LOCAL_MODE_ON_NETWORK: 'true' })).toMatchObject({ host: '0.0.0.0', localMode: true, localModeOnNetwork: true });
    expect(parseConfig({ HOST: '0.0.0.0', LOCAL_MODE_ON_NETWORK: 'TRUE' }).localModeOnNetwork).toBe(true);
    expect(problems({ HOST: '0.0.0.0', LOCAL_MODE_ON_NETWORK: 'false' })[0]).toMatch(/^HOST: /);
    expect(problems({ HOST: '0.0.0.0', LOCAL_MODE_ON_NETWORK: 'yes' }).map((e) => e.split(':')[0])).toEqual(['LOCAL_MODE_ON_NETWORK', 'HOST']);
  });

  it('takes any address in authenticated mode, and refuses what is not an address', () => {
    expect(parseConfig({ ...AUTHENTICATED, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
    expect(parseConfig({ ...AUTHENTICATED, HOST: '::' }).host).toBe('::');
    expect(parseConfig({ ...AUTHENTICATED, HOST: 'bot.internal' }).host).toBe('bot.internal');
    for (const host of ['http://0.0.0.0', '0.0.0.0:3978', 'a b', '999.1.1.1', '[::1]']) expect(problems({ ...AUTHENTICATED, HOST: host })[0]).toMatch(/^HOST: .* is not an IP address or host name/);
  });
});
