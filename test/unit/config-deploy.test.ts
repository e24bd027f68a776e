/** The settings a deployment adds: log format, shutdown and connection deadlines, and packaging without the secret. */
import { ConfigError, parseConfig } from '../../src/config';

const APP_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

function errorsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
  return [];
}

describe('deployment settings', () => {
  it('defaults: pino log format, 20 s to stop, 10 s to connect', () => {
    const c = parseConfig({});
    expect(c.logFormat).toBe('pino');
    expect(c.shutdownTimeoutMs).toBe(20_000);
    expect(c.databaseConnectTimeoutMs).toBe(10_000);
  });

  it('reads LOG_FORMAT, SHUTDOWN_TIMEOUT and DATABASE_CONNECT_TIMEOUT', () => {
    const c = parseConfig({ LOG_FORMAT: 'ISO', SHUTDOWN_TIMEOUT: '45s', DATABASE_CONNECT_TIMEOUT: '3s' });
    expect([c.logFormat, c.shutdownTimeoutMs, c.databaseConnectTimeoutMs]).toEqual(['iso', 45_000, 3_000]);
  });

  it('names the variable of every bad value', () => {
    expect(errorsOf({ LOG_FORMAT: 'xml', SHUTDOWN_TIMEOUT: 'soon', DATABASE_CONNECT_TIMEOUT: '10ms' })).toEqual([
      'LOG_FORMAT: "xml" is not one of pino, iso',
      'SHUTDOWN_TIMEOUT: "soon" must be a duration of at least 1s (e.g. 20s)',
      'DATABASE_CONNECT_TIMEOUT: "10ms" must be a duration of at least 1s (e.g. 10s)',
    ]);
  });

  it('asks for MicrosoftAppPassword for the service, not for commands that never call Teams', () => {
    expect(errorsOf({ MicrosoftAppId: APP_ID })).toEqual([expect.stringMatching(/^MicrosoftAppPassword: required/)]);
    const c = parseConfig({ MicrosoftAppId: APP_ID, PUBLIC_HOSTNAME: 'soc.contoso.com' }, { requireAppPassword: false });
    expect(c.microsoftAppId).toBe(APP_ID);
    expect(c.localMode).toBe(false);
  });
});
