// Just enough routing for three screens: the path and query live in the
// address bar (so every view is shareable and survives a reload) and links
// change them without reloading the page.
import { useSyncExternalStore } from 'react';

const NAVIGATED = 'camplane:navigate';

function subscribe(notify: () => void) {
  window.addEventListener('popstate', notify);
  window.addEventListener(NAVIGATED, notify);
  return () => {
    window.removeEventListener('popstate', notify);
    window.removeEventListener(NAVIGATED, notify);
  };
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, () => window.location.pathname + window.location.search);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, query: url.searchParams };
}

/** Goes to `to`; `replace` for changes that are not a step back (typing in a search box). */
export function navigate(to: string, { replace = false } = {}) {
  if (to === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current path with some query parameters changed (empty values removed). */
export function withQuery(changes: Record<string, string | null>): string {
  const query = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') query.delete(key);
    else query.set(key, value);
  }
  const search = query.toString();
  return window.location.pathname + (search ? `?${search}` : '');
}
