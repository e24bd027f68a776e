/** The database location shown in logs, /readyz, /healthz and `soc-reminders doctor` never carries a secret. */
import { redactUrl } from '../../src/storage/database';

describe('redactUrl', () => {
  it.each([
    ['postgres://soc:S3cretPW@db.contoso.com:5432/soc', 'postgres://soc:***@db.contoso.com:5432/soc'],
    // Found in the attack review: each of these printed the password in full.
    ['postgres://:S3cretPW@127.0.0.1:1/db', 'postgres://:***@127.0.0.1:1/db'],
    ['postgres://u:pa@S3cretPW@127.0.0.1:1/db', 'postgres://u:***@127.0.0.1:1/db'],
    ['postgres://127.0.0.1:1/db?password=S3cretPW', 'postgres://127.0.0.1:1/db?password=***'],
    ['postgres://u@127.0.0.1:1/db?sslmode=require&sslpassword=S3cretPW&application_name=soc', 'postgres://u@127.0.0.1:1/db?sslmode=require&sslpassword=***&application_name=soc'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
    expect(redactUrl(url)).not.toContain('S3cretPW');
  });

  it('leaves a location without secrets as it is', () => {
    expect(redactUrl('postgres://postgres@127.0.0.1:55432/soc')).toBe('postgres://postgres@127.0.0.1:55432/soc');
    expect(redactUrl('/var/lib/soc/soc.db')).toBe('/var/lib/soc/soc.db');
  });
});
