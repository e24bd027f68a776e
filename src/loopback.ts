import { isIP } from 'node:net';

/**
 * True for addresses only this machine can reach: 127.0.0.0/8 (also written ::ffff:127.x.x.x, as HOST may be; a
 * URL's parser rewrites that form to hex, ::ffff:7f00:1, which is not recognised, so such a service URL is refused —
 * the safe side), ::1 (bare or in the brackets a URL's `hostname` keeps), and `localhost`. One answer for the three places that ask: which address local
 * mode may listen on (HOST), which service URLs local mode trusts, which endpoints may be plain http (local stand-ins).
 * Give it a WHATWG-parsed host name where there is a URL: URL normalises IPv4 (127.1, 2130706433 → 127.0.0.1).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
