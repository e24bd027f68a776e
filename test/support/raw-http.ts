/**
 * HTTP/1.1 over a raw TCP socket (node:net), for requests fetch cannot express: lying Content-Length, broken
 * chunking, bodies cut off with the socket closed, junk methods, headers sent a byte at a time.
 */
import { connect } from 'node:net';

/** A piece of what the client sends: bytes, a pause, or closing its side. */
export type RawPart = string | Uint8Array | { readonly pauseMs: number } | { readonly end: true } | { readonly destroy: true };

export interface RawExchange {
  /** Status codes of every response seen, in order. */
  readonly statuses: number[];
  /** Everything received, as latin1 text. */
  readonly text: string;
  /** The server closed (or reset) the connection before the deadline. */
  readonly closedByServer: boolean;
  /** Milliseconds from connecting to the server closing, or to the deadline. */
  readonly ms: number;
}

/**
 * Connects, sends `parts` in order, and collects the answer until the server closes the connection or
 * `deadlineMs` passes (then the client closes it). Socket errors (a reset while still writing) end the exchange
 * like a close: what arrived before them is kept.
 */
export function rawExchange(port: number, parts: readonly RawPart[], deadlineMs = 5000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    let clientClosed = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses, text, closedByServer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), deadlineMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => finish(!clientClosed));
    socket.on('close', () => finish(!clientClosed));
    socket.on('connect', async () => {
      for (const part of parts) {
        if (done || socket.destroyed) return;
        if (typeof part === 'object' && 'pauseMs' in part) {
          await new Promise((r) => setTimeout(r, part.pauseMs));
        } else if (typeof part === 'object' && 'end' in part) {
          socket.end();
        } else if (typeof part === 'object' && 'destroy' in part) {
          clientClosed = true;
          finish(false);
          return;
        } else if (!socket.write(part)) {
          await new Promise<void>((r) => {
            socket.once('drain', r);
            socket.once('close', r);
          });
        }
      }
    });
  });
}

/** A request head: request line, `Host`, the given headers, and the blank line. */
export function head(method: string, path: string, headers: Record<string, string | number> = {}): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** One chunk of a chunked body. */
export function chunk(data: string | Uint8Array): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

export const LAST_CHUNK = '0\r\n\r\n';
