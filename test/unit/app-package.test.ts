import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import { packageRoot } from '../../src/package-root';
import {
  buildAppPackage,
  checkIcon,
  fillManifest,
  packageValuesFrom,
  validateLocalization,
  validateManifest,
} from '../../src/tools/app-package/app-package';
import { ACCENT_COLOR, drawColorIcon, drawOutlineIcon } from '../../src/tools/app-package/draw-icons';

// Loose JSON shape for editing fixtures; the code under test takes `unknown`.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const MANIFEST_DIR = join(packageRoot(), 'manifest');
const HOST = 'soc-reminders.contoso.com';
const APP_ID = '3f2a8c1e-5b7d-4e9a-8c61-0d4b2f7e9a13';
const BOT_ID = 'b7e1c2d3-4a5b-4c6d-8e7f-901a2b3c4d5e';
const VALUES: Record<string, string> = { TEAMS_APP_ID: APP_ID, BOT_ID, PUBLIC_HOSTNAME: HOST, APP_VERSION: '1.4.2' };
const COMMANDS = ['help', 'bind', 'unbind', 'teams', 'workload', 'tasks', 'overdue', 'run', 'rotation'];

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of manifest/ that a test may break. */
function manifestCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'app-package-'));
  tempDirs.push(dir);
  cpSync(MANIFEST_DIR, dir, { recursive: true });
  return dir;
}

function editJson(dir: string, file: string, edit: (doc: Json) => void): void {
  const path = join(dir, file);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Json;
  edit(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2));
}

function filledManifest(): Json {
  const { manifest, errors } = fillManifest(readFileSync(join(MANIFEST_DIR, 'manifest.template.json'), 'utf8'), VALUES);
  expect(errors).toEqual([]);
  return manifest;
}

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) image.data.set(pixel(x, y), (y * width + x) * 4);
  }
  return PNG.sync.write(image);
}

function build(dir: string, values: Record<string, string> = VALUES): { zip: Uint8Array | undefined; errors: string[] } {
  return buildAppPackage({ manifestDir: dir, values });
}

/** Expects the build to fail, produce no zip, and report an error containing `fragment`. */
function expectRejected(result: { zip: Uint8Array | undefined; errors: string[] }, ...fragments: string[]): void {
  expect(result.zip).toBeUndefined();
  for (const fragment of fragments) expect(result.errors).toEqual(expect.arrayContaining([expect.stringContaining(fragment)]));
}

describe('buildAppPackage', () => {
  it('builds a package holding exactly the filled manifest, both icons and the Korean file', () => {
    const { zip, errors } = build(MANIFEST_DIR);
    expect(errors).toEqual([]);
    const files = unzipSync(zip!);
    expect(Object.keys(files)).toEqual(['manifest.json', 'color.png', 'outline.png', 'ko.json']);

    const text = strFromU8(files['manifest.json']);
    expect(text).not.toContain('${{');
    const manifest = JSON.parse(text) as Json;
    expect(manifest.manifestVersion).toBe('1.22');
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.version).toBe('1.4.2');
    expect(manifest.bots[0].botId).toBe(BOT_ID);
    expect(manifest.validDomains).toEqual([HOST]);
    expect(manifest.developer.privacyUrl).toBe(`https://${HOST}/privacy`);
    expect(manifest.configurableTabs[0].configurationUrl).toBe(`https://${HOST}/tab/config.html`);
    expect(manifest.staticTabs.find((t: Json) => t.entityId === 'workload').contentUrl).toBe(`https://${HOST}/tab/index.html`);
    // My tasks: a personal tab of its own, named in both languages.
    const myTasks = manifest.staticTabs.findIndex((t: Json) => t.entityId === 'my-tasks');
    expect(manifest.staticTabs[myTasks]).toEqual({ entityId: 'my-tasks', name: 'My tasks', contentUrl: `https://${HOST}/tab/my-tasks.html`, scopes: ['personal'] });
    expect(JSON.parse(strFromU8(files['ko.json']))[`staticTabs[${myTasks}].name`]).toBe('내 작업');
    expect(manifest.webApplicationInfo).toEqual({ id: BOT_ID, resource: `api://${HOST}/${BOT_ID}` });
    expect(manifest.accentColor).toBe(ACCENT_COLOR);
    expect(validateManifest(manifest)).toEqual([]);

    expect(Buffer.from(files['color.png']).equals(readFileSync(join(MANIFEST_DIR, 'color.png')))).toBe(true);
    expect(Buffer.from(files['outline.png']).equals(readFileSync(join(MANIFEST_DIR, 'outline.png')))).toBe(true);
    expect(JSON.parse(strFromU8(files['ko.json']))).toEqual(JSON.parse(readFileSync(join(MANIFEST_DIR, 'ko.json'), 'utf8')));
  });

  it('offers every command in each of the bot scopes, in English and in Korean', () => {
    const manifest = filledManifest();
    const ko = JSON.parse(readFileSync(join(MANIFEST_DIR, 'ko.json'), 'utf8')) as Record<string, string>;
    const lists = manifest.bots[0].commandLists as Json[];
    expect(lists.map((l) => l.scopes)).toEqual([['team'], ['personal'], ['groupChat']]);
    lists.forEach((list, l) => {
      expect(list.commands.map((c: Json) => c.title)).toEqual(COMMANDS);
      expect(COMMANDS.map((_, c) => ko[`bots[0].commandLists[${l}].commands[${c}].title`])).toEqual([
        '도움말', '연결', '연결 해제', '팀', '업무량', '내 작업', '지연', '실행', '순번',
      ]);
    });
    expect(validateLocalization(ko, manifest, 'ko.json')).toEqual([]);
  });

  it('gives byte-identical zips for the same inputs, whatever the time zone', () => {
    const savedTz = process.env.TZ;
    try {
      process.env.TZ = 'UTC';
      const first = build(MANIFEST_DIR).zip!;
      process.env.TZ = 'Asia/Seoul';
      const second = build(MANIFEST_DIR).zip!;
      expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
      // Local file header: DOS time at offset 10, date at 12; 1980-01-01 00:00 is time 0, date (0<<9)|(1<<5)|1.
      const header = Buffer.from(first);
      expect(header.readUInt32LE(0)).toBe(0x04034b50);
      expect(header.readUInt16LE(10)).toBe(0);
      expect(header.readUInt16LE(12)).toBe(0x21);
    } finally {
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    }
    const other = build(MANIFEST_DIR, { ...VALUES, APP_VERSION: '1.4.3' }).zip!;
    expect(Buffer.from(other).equals(Buffer.from(build(MANIFEST_DIR).zip!))).toBe(false);
  });

  it('rejects a manifest missing a required field', () => {
    const dir = manifestCopy();
    editJson(dir, 'manifest.template.json', (m) => delete m.developer);
    expectRejected(build(dir), "manifest.json: / must have required property 'developer'");
  });

  it('rejects a bot id that is not a GUID, naming the path', () => {
    const result = build(MANIFEST_DIR, { ...VALUES, BOT_ID: 'soc-reminders-bot' });
    expectRejected(
      result,
      'manifest.json: /bots/0/botId must match pattern "^[0-9a-fA-F]{8}-',
      'manifest.json: /webApplicationInfo/id must match pattern',
    );
  });

  it('rejects an app version that is not major.minor.patch', () => {
    expectRejected(build(MANIFEST_DIR, { ...VALUES, APP_VERSION: '1.0' }), 'manifest.json: /version "1.0" must be major.minor.patch');
  });

  it('rejects a placeholder left without a value, naming it and its line', () => {
    const dir = manifestCopy();
    editJson(dir, 'manifest.template.json', (m) => {
      m.developer.websiteUrl = 'https://${{SUPPORT_HOST}}/';
    });
    const template = readFileSync(join(dir, 'manifest.template.json'), 'utf8');
    const line = template.split('\n').findIndex((l) => l.includes('SUPPORT_HOST')) + 1;
    expectRejected(build(dir), `manifest.template.json: placeholder \${{SUPPORT_HOST}} (not a known placeholder) has no value (line ${line})`);

    const { PUBLIC_HOSTNAME: _omitted, ...withoutHost } = VALUES;
    expectRejected(build(MANIFEST_DIR, withoutHost), 'manifest.template.json: placeholder ${{PUBLIC_HOSTNAME}} has no value (line ');
  });

  it('rejects an invalid localization file', () => {
    const dir = manifestCopy();
    editJson(dir, 'ko.json', (ko) => {
      ko['name.short'] = 'SOC 리마인더 — 보안 운영 팀을 위한 정기 점검 알림 봇';
      ko.bogus = 'x';
      delete ko['bots[0].commandLists[2].commands[7].title'];
      ko['staticTabs[5].name'] = '없는 탭';
    });
    expectRejected(
      build(dir),
      'ko.json: /name.short must NOT have more than 30 characters',
      'ko.json: / must NOT have additional properties (bogus)',
      'ko.json: /bots[0].commandLists[2].commands[7].title is missing: the manifest has "run"',
      'ko.json: /staticTabs[5].name has no counterpart in the manifest',
    );
  });

  it('rejects a package whose localization file is missing or not JSON', () => {
    const dir = manifestCopy();
    rmSync(join(dir, 'ko.json'));
    expectRejected(build(dir), 'ko.json: not found in');
    writeFileSync(join(dir, 'ko.json'), '{ "name.short": ');
    expectRejected(build(dir), 'ko.json: not valid JSON after filling placeholders');
  });

  it('rejects a wrong-size icon in the package', () => {
    const dir = manifestCopy();
    writeFileSync(join(dir, 'color.png'), png(100, 100, () => [26, 76, 139, 255]));
    expectRejected(build(dir), 'color.png: color icon must be 192x192 pixels, got 100x100');
  });

  it('rejects a tab served from a host missing from validDomains', () => {
    const dir = manifestCopy();
    editJson(dir, 'manifest.template.json', (m) => {
      m.validDomains = ['tabs.contoso.com'];
    });
    expectRejected(
      build(dir),
      `manifest.json: /configurableTabs/0/configurationUrl host "${HOST}" is not listed in validDomains`,
      `manifest.json: /webApplicationInfo/resource host "${HOST}" is not listed in validDomains`,
    );
  });

  it('collects every problem before giving up', () => {
    const dir = manifestCopy();
    writeFileSync(join(dir, 'outline.png'), png(32, 32, () => [255, 255, 255, 255]));
    editJson(dir, 'ko.json', (ko) => delete ko['description.full']);
    const result = build(dir, { ...VALUES, TEAMS_APP_ID: 'nope' });
    expectRejected(
      result,
      'manifest.json: /id must match pattern',
      'outline.png: outline icon has no transparent pixels',
      "ko.json: / must have required property 'description.full'",
    );
  });

  it('refuses icon paths that would leave the manifest folder', () => {
    const dir = manifestCopy();
    editJson(dir, 'manifest.template.json', (m) => {
      m.icons.color = '../secrets.png';
    });
    expectRejected(build(dir), 'manifest.json: /icons/color "../secrets.png" must be a plain file name in the package root');
  });

  it('reports a missing template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'app-package-empty-'));
    tempDirs.push(dir);
    expectRejected(build(dir), 'manifest.template.json: not found in');
  });
});

describe('validateManifest', () => {
  it('accepts the filled template and reports schema errors with their paths', () => {
    const manifest = filledManifest();
    expect(validateManifest(manifest)).toEqual([]);
    manifest.bots[0].scopes = ['team', 'everywhere'];
    manifest.surprise = true;
    manifest.accentColor = 'blue';
    expect(validateManifest(manifest)).toEqual(
      expect.arrayContaining([
        '/bots/0/scopes/1 must be equal to one of the allowed values: "team", "personal", "groupChat", "copilot"',
        '/ must NOT have additional properties (surprise)',
        '/accentColor must match pattern "^#[0-9a-fA-F]{6}$"',
      ]),
    );
  });

  it('validates against the schema the manifest names, and only bundled ones', () => {
    const manifest = filledManifest();
    manifest.manifestVersion = '1.99';
    expect(validateManifest(manifest)).toEqual([expect.stringMatching(/^\/manifestVersion "1.99" has no bundled schema \(bundled: 1.0 to 1.30/)]);
    // 1.20 allows 10 commands a list with titles of at most 32 characters; 1.22's extra `$schema` mismatch is reported too.
    manifest.manifestVersion = '1.20';
    manifest.bots[0].commandLists[0].commands[0].title = 'x'.repeat(40);
    expect(validateManifest(manifest)).toEqual(
      expect.arrayContaining([
        '/bots/0/commandLists/0/commands/0/title must NOT have more than 32 characters',
        '/$schema points at v1.22 but manifestVersion selects v1.20',
      ]),
    );
    expect(validateManifest([])).toEqual(['/ must be an object']);
    expect(validateManifest({})).toEqual(["/ must have required property 'manifestVersion' (a string such as \"1.22\")"]);
  });
});

describe('checkIcon', () => {
  const colorPng = readFileSync(join(MANIFEST_DIR, 'color.png'));
  const outlinePng = readFileSync(join(MANIFEST_DIR, 'outline.png'));

  it('passes the committed icons, which are what draw-icons draws today', () => {
    expect(checkIcon(colorPng, 'color')).toEqual([]);
    expect(checkIcon(outlinePng, 'outline')).toEqual([]);
    expect(colorPng.equals(drawColorIcon())).toBe(true);
    expect(outlinePng.equals(drawOutlineIcon())).toBe(true);
  });

  it('draws the colour icon on an opaque accent background and the outline with a visible mark', () => {
    const color = PNG.sync.read(colorPng);
    const accent = [1, 3, 5].map((i) => parseInt(ACCENT_COLOR.slice(i, i + 2), 16));
    expect([...color.data.subarray(0, 4)]).toEqual([...accent, 255]);
    const outline = PNG.sync.read(outlinePng);
    let opaque = 0;
    for (let i = 3; i < outline.data.length; i += 4) if (outline.data[i] === 255) opaque++;
    // A recognisable mark, not a speck nor a filled square.
    expect(opaque).toBeGreaterThan(32 * 32 * 0.1);
    expect(opaque).toBeLessThan(32 * 32 * 0.6);
  });

  it('rejects wrong sizes', () => {
    expect(checkIcon(outlinePng, 'color')).toEqual(['color icon must be 192x192 pixels, got 32x32']);
    expect(checkIcon(colorPng, 'outline')).toEqual(['outline icon must be 32x32 pixels, got 192x192']);
    expect(checkIcon(png(32, 31, () => [255, 255, 255, 0]), 'outline')).toEqual(['outline icon must be 32x32 pixels, got 32x31']);
  });

  it('rejects files that are not PNGs', () => {
    expect(checkIcon(Buffer.from('GIF89a not a png'), 'color')).toEqual(['color icon is not a PNG file (bad signature)']);
    expect(checkIcon(colorPng.subarray(0, 40), 'color')).toEqual([expect.stringMatching(/^color icon cannot be decoded: /)]);
  });

  it('rejects an outline icon without transparency', () => {
    expect(checkIcon(png(32, 32, () => [255, 255, 255, 255]), 'outline')).toEqual([
      'outline icon has no transparent pixels: it must be white on a transparent background',
    ]);
  });

  it('rejects coloured pixels in the outline icon, wherever they are visible', () => {
    const tinted = png(32, 32, (x, y) => (x === 3 && y === 4 ? [200, 30, 30, 128] : x > 16 ? [255, 255, 255, 255] : [0, 0, 0, 0]));
    expect(checkIcon(tinted, 'outline')).toEqual([
      'outline icon must be white on transparent: 1 visible pixels are not white (first at x=3, y=4: rgba(200, 30, 30, 128))',
    ]);
    // Colour under zero alpha is invisible, so it is allowed.
    expect(checkIcon(png(32, 32, (x) => (x > 16 ? [255, 255, 255, 255] : [0, 0, 0, 0])), 'outline')).toEqual([]);
    expect(checkIcon(png(32, 32, () => [255, 255, 255, 0]), 'outline')).toEqual(['outline icon is fully transparent']);
  });
});

describe('fillManifest', () => {
  it('fills every placeholder, JSON-escaping the values', () => {
    const { manifest, errors } = fillManifest('{"a": "${{X}}", "b": ["${{ X }}", "${{Y}}"]}', { X: 'say "hi"\\', Y: 'y' });
    expect(errors).toEqual([]);
    expect(manifest).toEqual({ a: 'say "hi"\\', b: ['say "hi"\\', 'y'] });
  });

  it('reports unfilled, empty and malformed placeholders with their lines', () => {
    const template = '{\n "id": "${{TEAMS_APP_ID}}",\n "bot": "${{BOT_ID}}",\n "x": "${{WHO}}",\n "y": "${{WHO}}",\n "z": "${{BOT_ID}"\n}';
    const { manifest, errors } = fillManifest(template, { TEAMS_APP_ID: '   ' });
    expect(errors).toEqual([
      'placeholder ${{TEAMS_APP_ID}} has no value (line 2)',
      'placeholder ${{BOT_ID}} has no value (line 3)',
      'placeholder ${{WHO}} (not a known placeholder) has no value (line 4, 5)',
      'malformed placeholder "${{BOT_ID}"" (line 6)',
    ]);
    expect(manifest).toEqual({ id: '${{TEAMS_APP_ID}}', bot: '${{BOT_ID}}', x: '${{WHO}}', y: '${{WHO}}', z: '${{BOT_ID}' });
  });

  it('does not treat inherited object keys as values', () => {
    expect(fillManifest('{"a": "${{constructor}}"}', {}).errors).toEqual([
      'placeholder ${{constructor}} (not a known placeholder) has no value (line 1)',
    ]);
  });

  it('returns no manifest when the filled text is not JSON', () => {
    const { manifest, errors } = fillManifest('{"a": ${{X}}}', { X: 'not json' });
    expect(manifest).toBeUndefined();
    expect(errors).toEqual([expect.stringMatching(/^not valid JSON after filling placeholders: /)]);
  });
});

describe('packageValuesFrom', () => {
  it('maps configuration to placeholder values that build a package', () => {
    const { values, errors } = packageValuesFrom({ teamsAppId: APP_ID, botId: ` ${BOT_ID} `, publicHostname: HOST, version: '1.4.2' });
    expect(errors).toEqual([]);
    expect(values).toEqual(VALUES);
    expect(build(MANIFEST_DIR, values).errors).toEqual([]);
  });

  it('names each missing setting and the placeholder it fills', () => {
    const { values, errors } = packageValuesFrom({ teamsAppId: '', version: '0.1.0' });
    expect(values).toEqual({ APP_VERSION: '0.1.0' });
    expect(errors).toEqual([
      'teamsAppId is not set: it fills ${{TEAMS_APP_ID}}, the Teams app id, a GUID (the manifest id)',
      "botId is not set: it fills ${{BOT_ID}}, the Azure bot's Microsoft App ID, a GUID",
      'publicHostname is not set: it fills ${{PUBLIC_HOSTNAME}}, the public host name serving the bot and the tab, e.g. soc-reminders.contoso.com',
    ]);
  });

  it('rejects malformed settings', () => {
    const { errors } = packageValuesFrom({ teamsAppId: APP_ID, botId: 'my-bot', publicHostname: `https://${HOST}/`, version: 'v1' });
    expect(errors).toEqual([
      'botId "my-bot" is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
      `publicHostname "https://${HOST}/" must be a bare host name such as soc-reminders.contoso.com (no scheme, port or path)`,
      'version "v1" must be major.minor.patch, e.g. 1.0.0',
    ]);
    expect(packageValuesFrom({ teamsAppId: APP_ID, botId: BOT_ID, publicHostname: 'localhost:3978', version: '1.0.0' }).errors).toHaveLength(1);
  });
});
