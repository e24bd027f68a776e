/**
 * The evidence a person gives when pressing Done, checked against what the activity's catalog entry asks for.
 * The catalog schema checked the fields themselves; this checks the values, because they come from a card's
 * inputs, and a card's client-side checks (`isRequired`, `style: url`, `min`/`max`) are hints that an old client,
 * a forwarded card or a crafted invoke skip. Nothing is recorded unless every value passes.
 */
import type { EvidenceField } from '../catalog/catalog.types';
import { httpsUrlProblem } from '../catalog/https-url';
import { InvalidInput } from './errors';
import type { Evidence } from './occurrence.types';

/** Longest text value kept, in characters (a URL has its own bound, `MAX_URL_LENGTH`). */
export const MAX_EVIDENCE_TEXT = 200;

/**
 * The evidence to record, in field order, or `undefined` when the activity asks for none and none was given.
 * Values of ids the activity does not ask for are ignored: a card from before a catalog change may still send them.
 * @throws InvalidInput naming the field (with its labels, so that `teams/` can say which one in either language).
 */
export function checkEvidence(fields: readonly EvidenceField[], given: Readonly<Record<string, unknown>> = {}): Evidence | undefined {
  const out: Record<string, string | number> = {};
  for (const field of fields) {
    const detail = { field: field.id, label: field.label, labelKo: field.label_ko };
    const raw = given[field.id];
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    if (raw !== undefined && raw !== null && typeof raw !== 'string' && typeof raw !== 'number') throw new InvalidInput('evidence-invalid', detail);
    if (text === '') {
      if (field.required) throw new InvalidInput('evidence-required', detail);
      continue;
    }
    switch (field.type) {
      case 'url': {
        const problem = httpsUrlProblem(text);
        if (problem === 'not-https') throw new InvalidInput('evidence-not-https', detail);
        if (problem) throw new InvalidInput(problem === 'too-long' ? 'evidence-too-long' : 'evidence-not-url', detail);
        out[field.id] = text;
        break;
      }
      case 'number': {
        // Number('') is 0 and Number('0x10') is 16: accept plain decimals only, as a person types them.
        if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) throw new InvalidInput('evidence-not-number', detail);
        const value = Number(text);
        if (!Number.isFinite(value)) throw new InvalidInput('evidence-not-number', detail);
        if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
          throw new InvalidInput('evidence-out-of-range', { ...detail, min: field.min ?? '', max: field.max ?? '' });
        }
        out[field.id] = value;
        break;
      }
      case 'text': {
        if (text.length > MAX_EVIDENCE_TEXT) throw new InvalidInput('evidence-too-long', { ...detail, max: MAX_EVIDENCE_TEXT });
        out[field.id] = text;
        break;
      }
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Evidence as stored (JSON text), or null for none. */
export function encodeEvidence(e: Evidence | undefined): string | null {
  return e === undefined ? null : JSON.stringify(e);
}

/**
 * Evidence as read back; a column written by another version, or edited by hand, that is not an object of
 * strings and numbers reads as none rather than failing the card or the export.
 */
export function decodeEvidence(text: string | null | undefined): Evidence | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const entries = Object.entries(value).filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number');
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  } catch {
    return undefined;
  }
}
