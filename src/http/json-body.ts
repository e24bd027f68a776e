/**
 * Reading a JSON request body, in place of restify's bodyParser. That parser inflated `Content-Encoding: gzip`
 * with no error listener (a 15-byte body that is not gzip ended the process), applied its size limit to the
 * compressed bytes (a 199 KB gzip inflated to 200 MB), and parsed multipart and form bodies into files in the
 * temporary folder. This reader accepts one thing: uncompressed UTF-8 JSON, of a bounded size and shape.
 *
 * Compression: Bot Framework does not compress what it POSTs to a bot. botbuilder's own readers of that request
 * (`parseRequest` and `readRequestBodyAsString` in botbuilder/lib/botFrameworkAdapter.js) JSON-parse the raw bytes
 * and never look at Content-Encoding, and its bot-to-bot client (botframework-connector's
 * botFrameworkClientImpl) posts plain JSON; the Agents Playground sends plain JSON too. So a compressed body is
 * refused (415) rather than inflated.
 *
 * Memory: at most `maxInFlight` requests hold a body at once, from the first byte read until their handler has
 * answered (the parsed activity lives that long). Each holds at most `maxBytes` of raw body and, thanks to the
 * shape limits, a parsed value of a few MB (measured: a 512 KB array of `0`s parses to 2.1 MB; 10,000 empty
 * objects take 0.6 MB). With the defaults that is 32 × (0.5 MB + ~3 MB) ≈ 110 MB at the very worst, however
 * many requests arrive. Further requests wait, unread, for a slot (a burst of card actions is absorbed: each
 * takes milliseconds); one that waits `maxQueueMs` is answered 503. A waiting request costs Node's 16 KB read
 * buffer and its socket, and connections are capped in server.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a body may be. */
export interface JsonBodyLimits {
  /** Largest body in bytes, as sent (nothing is inflated). @default 512 KiB */
  readonly maxBytes: number;
  /**
   * Deepest nesting of objects and arrays. V8's JSON.parse itself survives a million levels (in 0.2 s), but the
   * recursive walkers after it throw RangeError far sooner (measured on Node 20: JSON.stringify at 4,175 levels,
   * structuredClone at 3,292, a recursive zod schema at 2,123). A Teams activity nests about 6 levels; an
   * Adaptive Card carried in one 20 to 30. @default 64
   */
  readonly maxDepth: number;
  /**
   * Most objects and arrays in one body. Empty objects are the costliest thing per byte to parse (21 bytes of
   * heap per byte of `[{},{},…]`); a Teams activity has tens of them, a large card a few hundred. @default 10000
   */
  readonly maxContainers: number;
  /** Requests that may hold a body at once (reading or being handled); more wait for a slot. @default 32 */
  readonly maxInFlight: number;
  /**
   * How long a request waits for a slot before it is answered 503. Slots held by real traffic free up within
   * milliseconds; a longer wait means they are held by slow uploads, and Teams wants its answer within seconds.
   * @default 2000
   */
  readonly maxQueueMs: number;
  /**
   * How long the body may take to arrive once a slot is held, before the request is answered 408 and its connection
   * closed. Bot Framework sends at most a few hundred KB at once; a client trickling its body holds a slot, and 32
   * of them held for Node's 30 s request timeout starved every real request (measured in the attack review). With
   * this, a slow upload frees its slot within seconds. @default 5000
   */
  readonly maxBodyMs: number;
  /**
   * A refused body (too large, wrong type) is still read and dropped up to this many bytes, without keeping them,
   * so that the sender gets to read the answer; past that the connection is closed. @default 4 MiB
   */
  readonly maxDrainBytes: number;
}

export const DEFAULT_JSON_BODY_LIMITS: JsonBodyLimits = Object.freeze({
  // Teams' own limit for a message is about 100 KB; this leaves room for large invoke payloads.
  maxBytes: 512 * 1024,
  maxDepth: 64,
  maxContainers: 10_000,
  maxInFlight: 32,
  maxQueueMs: 2000,
  maxBodyMs: 5000,
  maxDrainBytes: 4 * 1024 * 1024,
});

export type BodyErrorCode = 'UnsupportedMediaType' | 'PayloadTooLarge' | 'BadRequest' | 'RequestAborted' | 'RequestTimeout' | 'ServiceUnavailable';

/** Why a body was refused; `status` is the HTTP answer. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 408 | 413 | 415 | 503,
    readonly code: BodyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

/** What reading a body needs of a request. */
type BodyRequest = Pick<IncomingMessage, 'on' | 'removeListener' | 'pause' | 'complete' | 'destroyed'>;

/**
 * Checks the headers of a request that should carry JSON: no content coding other than identity, no transfer
 * coding other than chunked, a media type of `application/json` with no charset or `utf-8`, and a declared length
 * within the limit. Throws BodyError.
 */
export function checkJsonHeaders(headers: IncomingMessage['headers'], maxBytes: number): void {
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new BodyError(415, 'UnsupportedMediaType', 'Compressed bodies are not accepted: send the JSON without Content-Encoding.');
  }
  // Node decodes `chunked` and nothing else: with `Transfer-Encoding: gzip, chunked` it would hand over the
  // compressed bytes as if they were the body. RFC 9112 suggests 501; a 4xx keeps a sender's mistake out of the
  // server-error figures.
  const transfer = headers['transfer-encoding'];
  if (transfer !== undefined && transfer.trim().toLowerCase() !== 'chunked') {
    throw new BodyError(415, 'UnsupportedMediaType', 'Transfer-Encoding other than chunked is not accepted.');
  }
  const mediaType = parseMediaType(headers['content-type']);
  if (mediaType?.type !== 'application/json') {
    throw new BodyError(415, 'UnsupportedMediaType', 'The body must be JSON (Content-Type: application/json).');
  }
  if (mediaType.charset !== undefined && mediaType.charset !== 'utf-8') {
    throw new BodyError(415, 'UnsupportedMediaType', 'The body must be UTF-8 (charset=utf-8, or no charset).');
  }
  if (declaredLength(headers) > maxBytes) {
    throw new BodyError(413, 'PayloadTooLarge', `The body is larger than ${maxBytes} bytes.`);
  }
}

/** Content-Length as a number (Node has checked its syntax); 0 when there is none (chunked, or no body). */
function declaredLength(headers: IncomingMessage['headers']): number {
  const declared = headers['content-length'];
  return declared === undefined ? 0 : Number(declared);
}

/** `type/subtype` and the charset of a Content-Type header, lower-cased; undefined when there is none. */
function parseMediaType(header: string | undefined): { type: string; charset?: string } | undefined {
  if (header === undefined) return undefined;
  const [type, ...params] = header.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    charset = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

/** How reading a body ended. */
export type BodyRead =
  | { readonly kind: 'complete'; readonly bytes: Buffer }
  /** Longer than `keepBytes`; `ended` is false when reading stopped at `readBytes` with more to come. */
  | { readonly kind: 'too-large'; readonly ended: boolean }
  /** The client went away (or the socket failed) before the body ended. */
  | { readonly kind: 'aborted' };

/**
 * Reads the body, keeping at most `keepBytes` in memory. Past that, bytes are dropped as they arrive, and at
 * `readBytes` in all reading stops (the request is paused). An aborted upload or a socket error is a result, never
 * an 'error' event without a listener.
 */
export function readBody(req: BodyRequest, keepBytes: number, readBytes: number): Promise<BodyRead> {
  return new Promise<BodyRead>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('aborted', onAborted);
      req.removeListener('close', onClose);
      // 'error' keeps its listener: a late socket error must not become an unhandled 'error' event.
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= keepBytes) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      if (size > readBytes) {
        req.pause();
        finish({ kind: 'too-large', ended: false });
      }
    };
    const onEnd = () => finish(size <= keepBytes ? { kind: 'complete', bytes: Buffer.concat(chunks, size) } : { kind: 'too-large', ended: true });
    const onAborted = () => finish({ kind: 'aborted' });
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    // Already gone: its 'aborted' and 'close' will not come again, and waiting for them would hold a slot for ever.
    if (req.destroyed && !req.complete) return finish({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onAborted);
    req.on('close', onClose);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes and parses a JSON body within the shape limits. Throws BodyError (400) for bytes that are not UTF-8,
 * text that is not JSON, and JSON nested deeper than `maxDepth` or with more than `maxContainers` objects and
 * arrays. The shape is checked on the text before parsing, so a hostile body never becomes objects.
 */
export function parseJsonBody(bytes: Uint8Array, limits: Pick<JsonBodyLimits, 'maxDepth' | 'maxContainers'>): unknown {
  if (bytes.length === 0) throw new BodyError(400, 'BadRequest', 'The body is empty; a JSON object is expected.');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BodyError(400, 'BadRequest', 'The body is not valid UTF-8.');
  }
  const shape = jsonShapeProblem(text, limits.maxDepth, limits.maxContainers);
  if (shape) throw new BodyError(400, 'BadRequest', shape);
  try {
    return JSON.parse(text);
  } catch {
    // V8's message quotes the body back; the sender already has it.
    throw new BodyError(400, 'BadRequest', 'The body is not valid JSON.');
  }
}

/**
 * Why the JSON text is too deep or too large in structure, or undefined. One pass that skips string contents
 * (with their escapes); it does not validate the JSON, JSON.parse does that next.
 */
export function jsonShapeProblem(text: string, maxDepth: number, maxContainers: number): string | undefined {
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return `The JSON is nested deeper than ${maxDepth} levels.`;
      if (++containers > maxContainers) return `The JSON has more than ${maxContainers} objects and arrays.`;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Writes a JSON error answer. `close`: unread body bytes may follow on the connection, so the answer closes it
 * (Node would otherwise read and drop the rest of a declared body, however long).
 */
export function sendBodyError(res: ServerResponse, err: BodyError, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = err.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (err.status === 503) res.setHeader('Retry-After', '1');
  if (close) res.setHeader('Connection', 'close');
  res.end(JSON.stringify({ error: { code: err.code, message: err.message } }));
}

export interface JsonBodyReader {
  /**
   * Reads the request's JSON body and runs `handler` with it; a refused body gets its 4xx (or 503 when no slot
   * came free in time) and the handler is not run. The slot is held until the handler has settled.
   */
  handle(req: IncomingMessage, res: ServerResponse, handler: (body: unknown) => Promise<void>): Promise<void>;
  /** Requests holding a body now, and waiting for a slot (for tests and metrics). */
  readonly inFlight: number;
  readonly waiting: number;
}

/** A body reader with its own in-flight limit (one per server). `onRefused` hears every refusal (for the log). */
export function createJsonBodyReader(limits: Partial<JsonBodyLimits> = {}, onRefused?: (err: BodyError) => void): JsonBodyReader {
  const l: JsonBodyLimits = { ...DEFAULT_JSON_BODY_LIMITS, ...limits };
  let inFlight = 0;
  /** Waiting requests in arrival order; a release hands its slot straight to the first. */
  const queue: (() => void)[] = [];
  const refuse = (res: ServerResponse, err: BodyError, close: boolean) => {
    onRefused?.(err);
    sendBodyError(res, err, close);
  };
  /** True once the request holds a slot; false when it waited too long or went away meanwhile. */
  const acquire = (req: IncomingMessage): Promise<boolean> | boolean => {
    if (inFlight < l.maxInFlight) {
      inFlight++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const leave = (granted: boolean) => {
        clearTimeout(timer);
        req.removeListener('close', gone);
        const at = queue.indexOf(grant);
        if (at >= 0) queue.splice(at, 1);
        resolve(granted);
      };
      const grant = () => leave(true);
      const gone = () => leave(false);
      const timer = setTimeout(gone, l.maxQueueMs);
      req.once('close', gone);
      queue.push(grant);
    });
  };
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else inFlight--;
  };
  return {
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return queue.length;
    },
    async handle(req, res, handler) {
      if (!(await acquire(req))) return refuse(res, new BodyError(503, 'ServiceUnavailable', 'Too many requests are being handled; retry shortly.'), true);
      // A body that has not arrived in time gives its slot back: answered 408, connection closed (the read then ends
      // as aborted, and nothing more is written).
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        refuse(res, new BodyError(408, 'RequestTimeout', `The body did not arrive within ${l.maxBodyMs} ms.`), true);
        req.destroy();
      }, l.maxBodyMs);
      try {
        try {
          checkJsonHeaders(req.headers, l.maxBytes);
        } catch (err) {
          if (!(err instanceof BodyError)) throw err;
          // Closing on a client that is still sending resets the connection, and the reset wipes our answer from
          // its receive buffer: drop what it sends, up to the drain limit, so that it can read why.
          const drained = declaredLength(req.headers) <= l.maxDrainBytes ? await readBody(req, 0, l.maxDrainBytes) : undefined;
          if (timedOut) return;
          const unread = !drained || drained.kind === 'aborted' || (drained.kind === 'too-large' && !drained.ended);
          return refuse(res, err, unread);
        }
        const read = await readBody(req, l.maxBytes, l.maxDrainBytes);
        clearTimeout(deadline);
        if (timedOut) return;
        if (read.kind === 'aborted') return refuse(res, new BodyError(400, 'RequestAborted', 'The request ended before its body did.'), true);
        if (read.kind === 'too-large') return refuse(res, new BodyError(413, 'PayloadTooLarge', `The body is larger than ${l.maxBytes} bytes.`), !read.ended);
        let body: unknown;
        try {
          body = parseJsonBody(read.bytes, l);
        } catch (err) {
          if (!(err instanceof BodyError)) throw err;
          return refuse(res, err, false);
        }
        await handler(body);
      } finally {
        clearTimeout(deadline);
        release();
      }
    },
  };
}
