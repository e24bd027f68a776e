/**
 * The one test of "a link we may put on a card": the catalog's tool links and the evidence a person gives on Done
 * both pass through it. https only — a card button that opens `http:`, `javascript:` or `file:` would either leak
 * what it opens over plain text or run in the client — and with a host, no user info (`https://good@evil.example`
 * reads as the first host but opens the second) and no whitespace or control characters.
 */

/** Longest URL kept, in characters: ticket and report links are far shorter; a card has a size limit (28 KB). */
export const MAX_URL_LENGTH = 2000;

/** Why `text` is not a link we accept, or `undefined` when it is one. */
export function httpsUrlProblem(text: string): 'not-a-url' | 'not-https' | 'too-long' | undefined {
  if (text.length > MAX_URL_LENGTH) return 'too-long';
  // WHATWG URL parsing would silently strip tabs and newlines inside the text; refuse them instead.
  if (/[\s\u0000-\u001f\u007f]/.test(text)) return 'not-a-url';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not-a-url';
  }
  if (url.protocol !== 'https:') return 'not-https';
  if (url.hostname === '' || url.username !== '' || url.password !== '') return 'not-a-url';
  return undefined;
}

/** True for an https link we may show and open. */
export function isHttpsUrl(text: string): boolean {
  return httpsUrlProblem(text) === undefined;
}
