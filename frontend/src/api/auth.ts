// Who is logged in, for the whole console. The session itself is an HttpOnly
// cookie the browser sends by itself; what the console keeps is the user it
// belongs to and the CSRF token that unsafe requests must repeat.
import type { components } from './schema';

export type Session = components['schemas']['Session'];
export type User = components['schemas']['User'];
export type Role = components['schemas']['Role'];

/** Why nobody is logged in: says what the login page tells the operator. */
export type SignedOutReason = 'none' | 'expired' | 'logged-out' | 'unreachable';

export type Auth =
  | { kind: 'checking' }
  | { kind: 'signed-out'; reason: SignedOutReason }
  | { kind: 'signed-in'; session: Session };

let auth: Auth = { kind: 'checking' };
const listeners = new Set<() => void>();

export function getAuth(): Auth {
  return auth;
}

export function setAuth(next: Auth) {
  auth = next;
  for (const listener of listeners) listener();
}

export function subscribeAuth(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentSession(): Session | null {
  return auth.kind === 'signed-in' ? auth.session : null;
}

/** The server answered 401: whatever the console believed, nobody is logged in. */
export function sessionEnded() {
  if (auth.kind === 'signed-in') setAuth({ kind: 'signed-out', reason: 'expired' });
  else if (auth.kind === 'checking') setAuth({ kind: 'signed-out', reason: 'none' });
}

/**
 * Whether a request must carry `X-CSRF-Token`: every method that may change
 * something. A cross-site page can make the browser send the cookie, but
 * can't read the token to repeat it.
 */
export function needsCsrf(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(method.toUpperCase());
}
