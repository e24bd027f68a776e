/**
 * The wall display's read-only token (DISPLAY_TOKEN on the server). Whoever sets up the display opens
 * `/tab/index.html?team=monitoring#display=<token>` once. The token is in the fragment because a browser sends a
 * fragment neither to the server (no access log holds it) nor in a Referer. The page keeps it in sessionStorage —
 * a reload of this window finds it again, no other window or site can — and removes it from the address bar and
 * from the history entry, so that it is not shown on the wall, bookmarked by accident or offered by autocomplete.
 */

const STORAGE_KEY = 'soc-reminders.tab.display-token';
/** What the server accepts as DISPLAY_TOKEN (src/config.ts); anything else in the fragment is ignored. */
const TOKEN = /^[A-Za-z0-9._~-]{32,512}$/;

function stored(): string | undefined {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined; // Storage can be disabled: the token then lasts as long as the page.
  }
}

function store(token: string | undefined): void {
  try {
    if (token === undefined) window.sessionStorage.removeItem(STORAGE_KEY);
    else window.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Not kept: a reload without the link's fragment will need the link again.
  }
}

/**
 * The display token: from the URL fragment (`#display=…`), which is then removed from the address bar and the
 * history entry (other fragment parameters stay), else the one this window kept. Undefined when there is none.
 */
export function takeDisplayToken(): string | undefined {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const fromLink = fragment.get('display');
  if (fromLink !== null) {
    fragment.delete('display');
    const rest = fragment.toString();
    const url = `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`;
    window.history.replaceState(window.history.state, '', url);
    if (TOKEN.test(fromLink)) {
      store(fromLink);
      return fromLink;
    }
  }
  const kept = stored();
  return kept !== undefined && TOKEN.test(kept) ? kept : undefined;
}

/** Forgets the kept token (the server refused it: changed or revoked). */
export function forgetDisplayToken(): void {
  store(undefined);
}
