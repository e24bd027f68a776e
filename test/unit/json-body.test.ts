/**
 * The JSON body rules on their own: which headers are accepted, and the shape scan that refuses deep or
 * container-heavy JSON before it is parsed (checked against the real depth of random JSON).
 */
import fc from 'fast-check';
import { BodyError, checkJsonHeaders, jsonShapeProblem, parseJsonBody } from '../../src/http/json-body';

const LIMITS = { maxDepth: 64, maxContainers: 10_000 };

function refusal(fn: () => unknown): { status: number; message: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    return { status: err.status, message: err.message };
  }
}

/** Nesting depth of a parsed JSON value, the way the scan counts it (each object or array is a level). */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

function containersOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + v.reduce<number>((n, x) => n + containersOf(x), 0);
  if (v !== null && typeof v === 'object') return 1 + Object.values(v).reduce<number>((n, x) => n + containersOf(x), 0);
  return 0;
}

describe('checkJsonHeaders', () => {
  it('accepts JSON in UTF-8, however the header is spelled, chunked or not', () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json; charset="utf-8"', 'application/json ; foo=bar']) {
      expect(refusal(() => checkJsonHeaders({ 'content-type': type, 'content-length': '2' }, 1024))).toBeUndefined();
    }
    expect(refusal(() => checkJsonHeaders({ 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'content-encoding': 'identity' }, 1024))).toBeUndefined();
  });

  it('refuses other media types, charsets, content and transfer codings with 415, and a declared oversize with 413', () => {
    const cases: Record<string, string>[] = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json-patch+json' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json; charset=utf-16' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'identity, gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'BR' },
      { 'content-type': 'application/json', 'transfer-encoding': 'gzip, chunked' },
    ];
    for (const headers of cases) expect(refusal(() => checkJsonHeaders(headers, 1024))?.status).toBe(415);
    expect(refusal(() => checkJsonHeaders({ 'content-type': 'application/json', 'content-length': '1025' }, 1024))?.status).toBe(413);
  });
});

describe('parseJsonBody', () => {
  const parse = (text: string | Uint8Array) => parseJsonBody(typeof text === 'string' ? Buffer.from(text) : text, LIMITS);

  it('parses JSON, with or without a byte order mark', () => {
    expect(parse('{"a":[1,{"b":"[{"}]}')).toEqual({ a: [1, { b: '[{' }] });
    expect(parse('\uFEFF{"a":1}')).toEqual({ a: 1 });
  });

  it('refuses empty, non-UTF-8, invalid, too deep and too many containers with 400, never echoing the body', () => {
    expect(refusal(() => parse(''))).toEqual({ status: 400, message: expect.stringMatching(/empty/) });
    expect(refusal(() => parse(Buffer.from([0x22, 0xc3, 0x28, 0x22])))).toEqual({ status: 400, message: expect.stringMatching(/UTF-8/) });
    expect(refusal(() => parse('{"secret-looking": nope}'))).toEqual({ status: 400, message: 'The body is not valid JSON.' });
    expect(refusal(() => parse('['.repeat(65) + ']'.repeat(65)))?.message).toMatch(/deeper than 64/);
    expect(parse('['.repeat(64) + ']'.repeat(64))).toBeInstanceOf(Array);
    expect(refusal(() => parse(`[${Array(10_000).fill('[]').join(',')}]`))?.message).toMatch(/more than 10000/);
  });

  it('a million levels are refused quickly, without parsing', () => {
    const started = Date.now();
    expect(refusal(() => parse('['.repeat(1_000_000)))?.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('jsonShapeProblem', () => {
  it('counts exactly the real depth and containers of any JSON, whatever its strings hold', () => {
    const tricky = fc.oneof(fc.string(), fc.constantFrom('[', ']', '{', '}', '\\', '"', '\\"[', '[[[{{{', '\\\\"'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.constant(null), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(tricky, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const text = JSON.stringify(v);
        const depth = depthOf(v);
        const containers = containersOf(v);
        expect(jsonShapeProblem(text, depth, containers)).toBeUndefined();
        if (depth > 0) expect(jsonShapeProblem(text, depth - 1, Infinity)).toMatch(/deeper/);
        if (containers > 0) expect(jsonShapeProblem(text, Infinity, containers - 1)).toMatch(/more than/);
      }),
      { numRuns: 500, seed: 20261203 },
    );
  });
});
