/**
 * The catalog's `evidence:` and `links:`: what a catalog author may write, every mistake reported at once with its
 * path, defaults applied; and the built-in catalog's links into the Microsoft tools.
 */
import { CatalogError, loadCatalog, parseCatalog } from '../../src/catalog/catalog.loader';
import { httpsUrlProblem } from '../../src/catalog/https-url';

const HEAD = `
teams:
  - id: secops
    name: SecOps
activities:
  - id: patch
    title: Patch
    description: Patch things
    teams: [secops]
`;

function errorsOf(extra: string): string[] {
  try {
    parseCatalog(HEAD + extra, { defaultTimezone: 'UTC', source: 'test.yaml' });
  } catch (err) {
    if (err instanceof CatalogError) return err.errors;
    throw err;
  }
  throw new Error('the catalog parsed');
}

describe('catalog evidence and links', () => {
  it('applies defaults: Korean labels fall back to English, fields are optional unless said', () => {
    const c = parseCatalog(
      `${HEAD}    evidence:
      - { id: ticket, type: url, label: Ticket link, label_ko: 티켓 링크, required: true }
      - { id: secureScore, type: number, label: Secure Score, min: 0, max: 100 }
    links:
      - { label: Secure Score, url: https://security.microsoft.com/securescore }
`,
      { defaultTimezone: 'UTC' },
    );
    const [a] = c.activities;
    expect(a!.evidence).toEqual([
      { id: 'ticket', type: 'url', label: 'Ticket link', label_ko: '티켓 링크', required: true },
      { id: 'secureScore', type: 'number', label: 'Secure Score', label_ko: 'Secure Score', required: false, min: 0, max: 100 },
    ]);
    expect(a!.links).toEqual([{ label: 'Secure Score', label_ko: 'Secure Score', url: 'https://security.microsoft.com/securescore' }]);
  });

  it('reports every bad field and link at once, each with its path', () => {
    const errors = errorsOf(`    evidence:
      - { id: ticket, type: url, label: Ticket }
      - { id: ticket, type: url, label: Again }
      - { id: 1bad, type: url, label: Bad id }
      - { id: score, type: number, label: Score, min: 10, max: 5 }
      - { id: size, type: number, label: Size, min: "ten" }
      - { id: file, type: file, label: File }
      - { id: note, type: text, label: Note, colour: red }
      - { id: empty, type: text, label: "" }
    links:
      - { label: Portal, url: http://security.microsoft.com/ }
      - { label: Script, url: "javascript:alert(1)" }
      - { label: Nothing, url: security.microsoft.com }
      - { url: https://security.microsoft.com/ }
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        'activities[0].evidence[1].id: duplicate evidence id "ticket"',
        expect.stringMatching(/^activities\[0\]\.evidence\[2\]\.id: invalid evidence id "1bad"/),
        'activities[0].evidence[3].min: min must not be greater than max',
        'activities[0].evidence[4].min: expected number, got text "ten"',
        expect.stringMatching(/^activities\[0\]\.evidence\[5\]\.type: /),
        'activities[0].evidence[6].colour: unknown key',
        'activities[0].evidence[7].label: must not be empty',
        'activities[0].links[0].url: "http://security.microsoft.com/" is not an https:// link (only https links are put on cards)',
        'activities[0].links[1].url: "javascript:alert(1)" is not an https:// link (only https links are put on cards)',
        'activities[0].links[2].url: "security.microsoft.com" is not a link (https://host/path)',
        'activities[0].links[3].label: required',
      ]),
    );
    expect(errors).toHaveLength(11);
  });

  it('bounds how much a card carries: at most 8 fields and 8 links, labels of 60 characters', () => {
    const many = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join('\n');
    const errors = errorsOf(`    evidence:
${many(9, (i) => `      - { id: f${i}, type: text, label: F${i} }`)}
    links:
${many(9, (i) => `      - { label: L${i}, url: https://example.com/${i} }`)}
`);
    expect(errors).toEqual(['activities[0].evidence: at most 8 evidence fields', 'activities[0].links: at most 8 links']);
    expect(errorsOf(`    links:\n      - { label: ${'x'.repeat(61)}, url: https://example.com/long }\n`)).toEqual(['activities[0].links[0].label: must be at most 60 characters']);
  });

  it('accepts https links only, with a host and no user info or whitespace', () => {
    expect(httpsUrlProblem('https://security.microsoft.com/securescore')).toBeUndefined();
    expect(httpsUrlProblem('https://admin.microsoft.com/Adminportal/Home#/MessageCenter')).toBeUndefined();
    expect(httpsUrlProblem('http://tickets.contoso.com/1')).toBe('not-https');
    expect(httpsUrlProblem('HTTPS://tickets.contoso.com/1')).toBeUndefined();
    expect(httpsUrlProblem('https://alice@evil.example/')).toBe('not-a-url');
    expect(httpsUrlProblem('https://tickets.contoso.com/1\nhttps://evil.example')).toBe('not-a-url');
    expect(httpsUrlProblem(`https://x.example/${'a'.repeat(2000)}`)).toBe('too-long');
  });

  it('ships links into the Microsoft tools for every built-in activity, and asks for evidence where an audit would', () => {
    const c = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
    for (const a of c.activities) {
      expect([a.id, a.links.length > 0]).toEqual([a.id, true]);
      for (const l of a.links) expect([a.id, l.url, httpsUrlProblem(l.url)]).toEqual([a.id, l.url, undefined]);
      expect([a.id, a.links.every((l) => l.label_ko !== '')]).toEqual([a.id, true]);
    }
    const byId = (id: string) => c.activities.find((a) => a.id === id)!;
    expect(byId('secure-score-report').links.map((l) => l.url)).toContain('https://security.microsoft.com/securescore');
    expect(byId('tvm-remediation-tracking').links.map((l) => l.url)).toEqual(
      expect.arrayContaining(['https://security.microsoft.com/security-recommendations', 'https://security.microsoft.com/tvm_dashboard']),
    );
    expect(byId('escalation-ticket-update').links.map((l) => l.url)).toContain('https://security.microsoft.com/incidents');
    expect(byId('portal-license-review').links.map((l) => l.url)).toContain('https://admin.microsoft.com/Adminportal/Home#/MessageCenter');
    expect(byId('secure-score-report').evidence.map((f) => [f.id, f.type])).toEqual([
      ['secureScore', 'number'],
      ['report', 'url'],
    ]);
    expect(byId('escalation-ticket-update').evidence).toEqual([{ id: 'ticket', type: 'url', label: 'Ticket link', label_ko: '티켓 링크', required: true }]);
  });
});
