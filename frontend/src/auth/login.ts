// Where the login page sends the operator, and what it says when a login fails.
import type { LoginFailure } from '../api/session';

const HOME = '/live';

/** The login page's address, remembering where the operator was (path and query). */
export function loginPath(current: string): string {
  return current === '/' || current === HOME || isLogin(current) ? '/login' : `/login?next=${encodeURIComponent(current)}`;
}

/**
 * Where to go after logging in: a path of this console, never another site
 * (`//evil.example` is a path to the browser only in appearance).
 */
export function returnPath(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || isLogin(next)) return HOME;
  return next;
}

/** Pages the service serves itself (the API explorer), not screens of this console: reached by loading them. */
export function isServerPage(path: string): boolean {
  return path.startsWith('/api/');
}

function isLogin(path: string): boolean {
  return path === '/login' || path.startsWith('/login?');
}

/** Seconds to wait from a Retry-After header (seconds or an HTTP date), or null without a usable one. */
export function retryAfterSeconds(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isInteger(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The message for a refused login, and until when (a Date.now() time) the server asked to wait. */
export function describeLoginFailure(failure: LoginFailure, now: number): { message: string; until: number | null } {
  switch (failure.status) {
    case 0:
      return { message: 'The server cannot be reached. Check the network and retry.', until: null };
    case 401:
      return { message: 'Wrong username or password.', until: null };
    case 422:
      return { message: 'Enter a username and a password.', until: null };
    case 429: {
      const wait = retryAfterSeconds(failure.retryAfter, now);
      return wait === null
        ? { message: 'Too many failed logins. Wait a few minutes, then try again.', until: null }
        : { message: 'Too many failed logins.', until: now + wait * 1000 };
    }
    default:
      return { message: `The server answered ${failure.status}. Try again in a moment.`, until: null };
  }
}
