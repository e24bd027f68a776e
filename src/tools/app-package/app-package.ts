/**
 * Builds the Teams app package (manifest.json, icons, localization files in one zip) from `manifest/`, and checks
 * it offline against the JSON schemas bundled in `@microsoft/app-manifest`, because Teams' own validators either
 * fetch the schema online or are a 400 MB install. No I/O besides reading `manifestDir`; the caller writes the zip.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { zipSync, type Zippable } from 'fflate';
import { PNG } from 'pngjs';

/** The placeholders `manifest/manifest.template.json` uses, and what fills each. */
export const PACKAGE_PLACEHOLDERS = {
  TEAMS_APP_ID: 'the Teams app id, a GUID (the manifest id)',
  BOT_ID: "the Azure bot's Microsoft App ID, a GUID",
  PUBLIC_HOSTNAME: 'the public host name serving the bot and the tab, e.g. soc-reminders.contoso.com',
  APP_VERSION: 'the app version, major.minor.patch',
} as const;

export type PackagePlaceholder = keyof typeof PACKAGE_PLACEHOLDERS;

export const TEMPLATE_FILE = 'manifest.template.json';

export type IconKind = 'color' | 'outline';

/** Pixel sizes Teams requires; the schema cannot check them. */
export const ICON_SIZES: Readonly<Record<IconKind, number>> = { color: 192, outline: 32 };

// Zip entries carry a local-time DOS timestamp; fflate reads it with local getters, so a Date built from local
// parts gives the same bytes in every time zone. 1980-01-01 is the earliest DOS date.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
// The manifest schema's own `semver` definition; the `version` property does not reference it, but Teams
// rejects anything that is not major.minor.patch when the package is uploaded.
const SEMVER = /^([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const PLACEHOLDER = /\$\{\{\s*([^{}]*?)\s*\}\}/g;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Replaces every `${{NAME}}` in the template with `values[NAME]` (JSON-escaped, since placeholders sit inside JSON
 * strings) and parses the result. A placeholder with no value, or an empty one, is an error naming it and its lines;
 * `manifest` is still returned when the text parses, so validation can report more at once.
 */
export function fillManifest(template: string, values: Record<string, string>): { manifest: unknown; errors: string[] } {
  const { value, errors } = fillJson(template, values);
  return { manifest: value, errors };
}

function fillJson(template: string, values: Record<string, string>): { text: string; value: unknown; errors: string[] } {
  const { text, errors } = fillPlaceholders(template, values);
  try {
    return { text, value: JSON.parse(text) as unknown, errors };
  } catch (err) {
    return { text, value: undefined, errors: [...errors, `not valid JSON after filling placeholders: ${(err as Error).message}`] };
  }
}

function fillPlaceholders(template: string, values: Record<string, string>): { text: string; errors: string[] } {
  const unfilled = new Map<string, number[]>();
  const text = template.replace(PLACEHOLDER, (whole, name: string, offset: number) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined || value.trim() === '') {
      const lines = unfilled.get(name) ?? [];
      lines.push(lineOf(template, offset));
      unfilled.set(name, lines);
      return whole;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  const errors = [...unfilled].map(([name, lines]) => {
    const known = Object.hasOwn(PACKAGE_PLACEHOLDERS, name) ? '' : ' (not a known placeholder)';
    return `placeholder \${{${name}}}${known} has no value (line ${lines.join(', ')})`;
  });
  // A `${{` the pattern did not take (e.g. a missing brace) would otherwise reach Teams as literal text.
  const opening = /\$\{\{/g;
  for (let m = opening.exec(template); m; m = opening.exec(template)) {
    if (!/^\$\{\{\s*[^{}]*?\s*\}\}/.test(template.slice(m.index))) {
      const snippet = template.slice(m.index, m.index + 24).split('\n')[0];
      errors.push(`malformed placeholder "${snippet}" (line ${lineOf(template, m.index)})`);
    }
  }
  return { text, errors };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// ---------------------------------------------------------------------------------------------------------------
// Schema validation

// Resolved and compiled on first use, so that importing this module (e.g. for `packageValuesFrom`) does not need
// the dev-time schema package. Compiled validators are pure functions of the bundled files, and compiling a
// manifest schema takes most of a second: keep them.
let schemaRootDir: string | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function schemaRoot(): string {
  schemaRootDir ??= join(dirname(require.resolve('@microsoft/app-manifest/package.json')), 'build', 'json-schemas', 'teams');
  return schemaRootDir;
}

function schemaCompiler(): Ajv {
  if (!ajv) {
    // `unicodeRegExp: false`: the bundled localization schema has patterns (`\b…]`) that are valid ECMAScript
    // regular expressions but invalid under the `u` flag Ajv uses by default, and compiling would throw.
    ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
  }
  return ajv;
}

type SchemaKind = 'manifest' | 'localization';

function schemaFolder(manifestVersion: string): string | undefined {
  const folder = manifestVersion === 'devPreview' ? 'vDevPreview' : `v${manifestVersion}`;
  return /^v(\d+\.\d+|DevPreview)$/.test(folder) && existsSync(join(schemaRoot(), folder, 'MicrosoftTeams.schema.json')) ? folder : undefined;
}

function bundledVersions(): string[] {
  return readdirSync(schemaRoot())
    .filter((f) => /^v\d+\.\d+$/.test(f))
    .map((f) => f.slice(1))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function validatorFor(folder: string, kind: SchemaKind): ValidateFunction {
  const file = kind === 'manifest' ? 'MicrosoftTeams.schema.json' : 'MicrosoftTeams.Localization.schema.json';
  const key = `${folder}/${file}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = schemaCompiler().compile(JSON.parse(readFileSync(join(schemaRoot(), folder, file), 'utf8')) as object);
    compiled.set(key, validate);
  }
  return validate;
}

function formatError(e: ErrorObject): string {
  const path = e.instancePath || '/';
  const p = e.params as Record<string, unknown>;
  // Ajv's messages for these leave out the one detail a person needs to fix the file.
  if (e.keyword === 'additionalProperties') return `${path} ${e.message} (${String(p.additionalProperty)})`;
  if (e.keyword === 'enum') return `${path} ${e.message}: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') return `${path} ${e.message} ${JSON.stringify(p.allowedValue)}`;
  return `${path} ${e.message}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Schema folder of the manifest, or the errors explaining why there is none. */
function manifestSchemaFolder(manifest: Record<string, unknown>): { folder?: string; errors: string[] } {
  const version = manifest.manifestVersion;
  if (typeof version !== 'string') return { errors: ["/ must have required property 'manifestVersion' (a string such as \"1.22\")"] };
  const folder = schemaFolder(version);
  if (!folder) {
    const versions = bundledVersions();
    return { errors: [`/manifestVersion "${version}" has no bundled schema (bundled: ${versions[0]} to ${versions[versions.length - 1]}, devPreview)`] };
  }
  return { folder, errors: [] };
}

function checkSchemaUrl(doc: Record<string, unknown>, folder: string): string[] {
  const url = doc.$schema;
  if (typeof url !== 'string') return [];
  const named = /\/teams\/(v[^/]+)\//i.exec(url)?.[1];
  return named && named.toLowerCase() !== folder.toLowerCase() ? [`/$schema points at ${named} but manifestVersion selects ${folder}`] : [];
}

/**
 * Validates a filled manifest against the bundled schema of its own `manifestVersion`, plus the rules Teams
 * enforces on upload that the schema does not express (semantic `version`; tab and SSO hosts listed in
 * `validDomains`). Returns every problem as `<instancePath or /> <message>`; empty when valid.
 */
export function validateManifest(manifest: unknown): string[] {
  if (!isRecord(manifest)) return ['/ must be an object'];
  const { folder, errors } = manifestSchemaFolder(manifest);
  if (!folder) return errors;
  const validate = validatorFor(folder, 'manifest');
  const schemaErrors = validate(manifest) ? [] : (validate.errors ?? []).map(formatError);
  return [...schemaErrors, ...checkSchemaUrl(manifest, folder), ...checkVersion(manifest), ...checkDomains(manifest), ...checkTeamOwnerConsent(manifest)];
}

/**
 * The bot reads who owns a Teams team from Graph (`GET /teams/{id}/members`) with the resource-specific consent
 * permission TeamMember.Read.Group, Application type (learn.microsoft.com/graph/api/team-list-members), which a
 * team owner grants when adding the app. Without it every owner is refused `bind`; RSC also needs
 * webApplicationInfo.id, the app registration the permission is granted to.
 */
function checkTeamOwnerConsent(manifest: Record<string, unknown>): string[] {
  const rsc = valueAt(manifest, 'authorization.permissions.resourceSpecific');
  const declared = Array.isArray(rsc) && rsc.some((p) => isRecord(p) && p.name === 'TeamMember.Read.Group' && p.type === 'Application');
  const errors: string[] = [];
  if (!declared) errors.push('/authorization/permissions/resourceSpecific must declare { "name": "TeamMember.Read.Group", "type": "Application" }: the bot reads team owners from Microsoft Graph with it');
  if (!isRecord(manifest.webApplicationInfo) || typeof manifest.webApplicationInfo.id !== 'string') errors.push('/webApplicationInfo/id is required for resource-specific consent (the bot\'s app id)');
  return errors;
}

function checkVersion(manifest: Record<string, unknown>): string[] {
  const version = manifest.version;
  return typeof version === 'string' && !SEMVER.test(version) ? [`/version "${version}" must be major.minor.patch, e.g. 1.0.0`] : [];
}

function checkDomains(manifest: Record<string, unknown>): string[] {
  const domains = Array.isArray(manifest.validDomains) ? manifest.validDomains.filter((d): d is string => typeof d === 'string') : [];
  const urls: [path: string, url: unknown][] = [];
  const collect = (list: unknown, name: string, fields: string[]): void => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      if (isRecord(item)) for (const f of fields) if (item[f] !== undefined) urls.push([`/${name}/${i}/${f}`, item[f]]);
    });
  };
  collect(manifest.configurableTabs, 'configurableTabs', ['configurationUrl']);
  collect(manifest.staticTabs, 'staticTabs', ['contentUrl', 'websiteUrl', 'searchUrl']);
  if (isRecord(manifest.webApplicationInfo) && manifest.webApplicationInfo.resource !== undefined) {
    urls.push(['/webApplicationInfo/resource', manifest.webApplicationInfo.resource]);
  }
  const errors: string[] = [];
  for (const [path, url] of urls) {
    if (typeof url !== 'string') continue;
    let host: string;
    try {
      host = new URL(url).hostname.toLowerCase();
    } catch {
      errors.push(`${path} "${url}" is not a URL`);
      continue;
    }
    if (!domains.some((d) => domainMatches(d, host))) errors.push(`${path} host "${host}" is not listed in validDomains`);
  }
  return errors;
}

function domainMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return p === host;
}

/**
 * Validates a localization file against the bundled localization schema of the manifest's version, and checks that
 * it agrees with the manifest: every key names a string the manifest has, and every localizable string the manifest
 * has (name, descriptions, bot commands, static tab names) is translated. Errors are prefixed with `fileName`.
 */
export function validateLocalization(localization: unknown, manifest: unknown, fileName = 'localization file'): string[] {
  if (!isRecord(manifest)) return [`${fileName}: cannot be checked without a manifest`];
  const { folder, errors: versionErrors } = manifestSchemaFolder(manifest);
  if (!folder) return versionErrors.map((e) => `${fileName}: ${e}`);
  if (!isRecord(localization)) return [`${fileName}: / must be an object`];
  const validate = validatorFor(folder, 'localization');
  const errors = validate(localization) ? [] : (validate.errors ?? []).map(formatError);
  errors.push(...checkSchemaUrl(localization, folder));
  for (const key of Object.keys(localization)) {
    if (key === '$schema' || key === 'localizationKeys') continue;
    if (typeof valueAt(manifest, key) !== 'string') errors.push(`/${key} has no counterpart in the manifest`);
  }
  for (const key of localizableKeys(manifest)) {
    if (!Object.hasOwn(localization, key)) errors.push(`/${key} is missing: the manifest has ${JSON.stringify(valueAt(manifest, key))}`);
  }
  return errors.map((e) => `${fileName}: ${e}`);
}

/** Reads a localization key such as `bots[0].commandLists[1].commands[2].title` out of the manifest. */
function valueAt(manifest: Record<string, unknown>, key: string): unknown {
  let node: unknown = manifest;
  for (const part of key.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (part.startsWith('[')) {
      node = Array.isArray(node) ? node[Number(part.slice(1, -1))] : undefined;
    } else {
      node = isRecord(node) && Object.hasOwn(node, part) ? node[part] : undefined;
    }
  }
  return node;
}

function localizableKeys(manifest: Record<string, unknown>): string[] {
  const keys = ['name.short', 'name.full', 'description.short', 'description.full'].filter((k) => typeof valueAt(manifest, k) === 'string');
  const bots = Array.isArray(manifest.bots) ? manifest.bots : [];
  bots.forEach((bot, b) => {
    const lists = isRecord(bot) && Array.isArray(bot.commandLists) ? bot.commandLists : [];
    lists.forEach((list, l) => {
      const commands = isRecord(list) && Array.isArray(list.commands) ? list.commands : [];
      commands.forEach((_, c) => {
        keys.push(`bots[${b}].commandLists[${l}].commands[${c}].title`, `bots[${b}].commandLists[${l}].commands[${c}].description`);
      });
    });
  });
  const tabs = Array.isArray(manifest.staticTabs) ? manifest.staticTabs : [];
  tabs.forEach((tab, t) => {
    if (isRecord(tab) && typeof tab.name === 'string') keys.push(`staticTabs[${t}].name`);
  });
  return keys.filter((k) => typeof valueAt(manifest, k) === 'string');
}

// ---------------------------------------------------------------------------------------------------------------
// Icons

/**
 * Checks a Teams icon: a decodable PNG of exactly 192x192 (color) or 32x32 (outline). The outline icon must also be
 * white on transparent, as Teams requires: every visible pixel pure white (anti-aliasing lives in alpha alone),
 * with some transparent pixels and some visible ones.
 */
export function checkIcon(png: Uint8Array, kind: IconKind): string[] {
  const label = `${kind} icon`;
  if (png.length < PNG_SIGNATURE.length || !PNG_SIGNATURE.equals(png.subarray(0, PNG_SIGNATURE.length))) {
    return [`${label} is not a PNG file (bad signature)`];
  }
  let image: PNG;
  try {
    image = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch (err) {
    return [`${label} cannot be decoded: ${(err as Error).message}`];
  }
  const size = ICON_SIZES[kind];
  if (image.width !== size || image.height !== size) {
    return [`${label} must be ${size}x${size} pixels, got ${image.width}x${image.height}`];
  }
  if (kind === 'color') return [];

  const { data, width } = image;
  let transparent = 0;
  let visible = 0;
  let coloured = 0;
  let firstColoured = '';
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3];
    if (alpha < 255) transparent++;
    if (alpha === 0) continue;
    visible++;
    if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) {
      if (coloured++ === 0) {
        const p = i / 4;
        firstColoured = ` (first at x=${p % width}, y=${Math.floor(p / width)}: rgba(${data[i]}, ${data[i + 1]}, ${data[i + 2]}, ${alpha}))`;
      }
    }
  }
  const errors: string[] = [];
  if (coloured > 0) errors.push(`${label} must be white on transparent: ${coloured} visible pixels are not white${firstColoured}`);
  if (transparent === 0) errors.push(`${label} has no transparent pixels: it must be white on a transparent background`);
  if (visible === 0) errors.push(`${label} is fully transparent`);
  return errors;
}

// ---------------------------------------------------------------------------------------------------------------
// Package

export interface AppPackageOptions {
  /** Folder holding manifest.template.json, the icons and the localization files it names. */
  readonly manifestDir: string;
  /** Values for the template's placeholders (see `packageValuesFrom`). */
  readonly values: Record<string, string>;
}

/**
 * Fills, validates and zips the app package. Every problem is collected first (template, manifest, icons,
 * localization files); if there is any, `zip` is undefined. The zip holds manifest.json, the colour and outline
 * icons and the localization files at its root, in that order, with a fixed timestamp, so equal inputs give
 * byte-identical packages.
 */
export function buildAppPackage(options: AppPackageOptions): { zip: Uint8Array | undefined; errors: string[] } {
  const { manifestDir, values } = options;
  const templateText = readText(manifestDir, TEMPLATE_FILE);
  if (templateText === undefined) return { zip: undefined, errors: [`${TEMPLATE_FILE}: not found in ${manifestDir}`] };

  const filled = fillManifest(templateText, values);
  const errors = filled.errors.map((e) => `${TEMPLATE_FILE}: ${e}`);
  const manifest = filled.manifest;
  if (!isRecord(manifest)) {
    if (manifest !== undefined) errors.push(`${TEMPLATE_FILE}: / must be an object`);
    return { zip: undefined, errors };
  }
  errors.push(...validateManifest(manifest).map((e) => `manifest.json: ${e}`));

  const entries = new Map<string, Uint8Array>();
  entries.set('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));

  const icons = isRecord(manifest.icons) ? manifest.icons : {};
  for (const kind of ['color', 'outline'] as const) {
    const file = icons[kind];
    if (typeof file !== 'string') continue; // the schema check has already reported it
    const problem = fileNameProblem(file, entries);
    if (problem) {
      errors.push(`manifest.json: /icons/${kind} ${problem}`);
      continue;
    }
    const png = readBytes(manifestDir, file);
    if (!png) {
      errors.push(`${file}: not found in ${manifestDir}`);
      continue;
    }
    errors.push(...checkIcon(png, kind).map((e) => `${file}: ${e}`));
    entries.set(file, png);
  }

  for (const { path, file } of localizationFiles(manifest)) {
    const problem = fileNameProblem(file, entries);
    if (problem) {
      errors.push(`manifest.json: ${path} ${problem}`);
      continue;
    }
    const text = readText(manifestDir, file);
    if (text === undefined) {
      errors.push(`${file}: not found in ${manifestDir}`);
      continue;
    }
    const localized = fillJson(text, values);
    errors.push(...localized.errors.map((e) => `${file}: ${e}`));
    if (localized.value !== undefined) errors.push(...validateLocalization(localized.value, manifest, file));
    entries.set(file, Buffer.from(localized.text, 'utf8'));
  }

  if (errors.length > 0) return { zip: undefined, errors };
  const zippable: Zippable = {};
  for (const [name, data] of entries) zippable[name] = data;
  return { zip: zipSync(zippable, { level: 9, mtime: FIXED_MTIME }), errors: [] };
}

function localizationFiles(manifest: Record<string, unknown>): { path: string; file: string }[] {
  const info = manifest.localizationInfo;
  if (!isRecord(info)) return [];
  const files: { path: string; file: string }[] = [];
  if (typeof info.defaultLanguageFile === 'string') files.push({ path: '/localizationInfo/defaultLanguageFile', file: info.defaultLanguageFile });
  if (Array.isArray(info.additionalLanguages)) {
    info.additionalLanguages.forEach((lang, i) => {
      if (isRecord(lang) && typeof lang.file === 'string') files.push({ path: `/localizationInfo/additionalLanguages/${i}/file`, file: lang.file });
    });
  }
  return files;
}

// Files are read from manifestDir and stored at the zip root, so a path must not leave the folder or nest.
function fileNameProblem(file: string, entries: Map<string, Uint8Array>): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file) || file.includes('..')) return `"${file}" must be a plain file name in the package root`;
  if (entries.has(file)) return `"${file}" is already used by another entry`;
  return undefined;
}

function readBytes(dir: string, file: string): Buffer | undefined {
  const path = join(dir, file);
  return existsSync(path) ? readFileSync(path) : undefined;
}

function readText(dir: string, file: string): string | undefined {
  // A BOM would make JSON.parse fail with an unhelpful message; editors on Windows add one.
  return readBytes(dir, file)?.toString('utf8').replace(/^\uFEFF/, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Values

export interface PackageConfig {
  readonly teamsAppId?: string;
  readonly botId?: string;
  readonly publicHostname?: string;
  readonly version: string;
}

/**
 * Maps configuration to the template's placeholder values, with one clear error per missing or malformed setting.
 * `values` holds only the settings that passed.
 */
export function packageValuesFrom(config: PackageConfig): { values: Record<string, string>; errors: string[] } {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  const take = (setting: string, placeholder: PackagePlaceholder, raw: string | undefined, check: (v: string) => string | undefined): void => {
    const value = raw?.trim();
    if (!value) {
      errors.push(`${setting} is not set: it fills \${{${placeholder}}}, ${PACKAGE_PLACEHOLDERS[placeholder]}`);
      return;
    }
    const problem = check(value);
    if (problem) errors.push(`${setting} ${JSON.stringify(value)} ${problem}`);
    else values[placeholder] = value;
  };
  const guid = (v: string): string | undefined => (GUID.test(v) ? undefined : 'is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)');
  take('teamsAppId', 'TEAMS_APP_ID', config.teamsAppId, guid);
  take('botId', 'BOT_ID', config.botId, guid);
  take('publicHostname', 'PUBLIC_HOSTNAME', config.publicHostname, (v) =>
    HOSTNAME.test(v) && v.includes('.') ? undefined : 'must be a bare host name such as soc-reminders.contoso.com (no scheme, port or path)',
  );
  take('version', 'APP_VERSION', config.version, (v) => (SEMVER.test(v) ? undefined : 'must be major.minor.patch, e.g. 1.0.0'));
  return { values, errors };
}
