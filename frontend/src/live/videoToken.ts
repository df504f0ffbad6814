// The short-lived credential hls.js presents on /hls/ requests. One serves
// the whole console (it covers every camera the user may see); it is renewed
// a minute before it expires, in the background, so playlist requests don't
// wait for it.
import { currentSession, type Session } from '../api/auth';
import { api, unwrap } from '../api/client';

/** Renew once less than this is left. */
export const RENEW_BEFORE_MS = 60_000;
/** Less than this left: too close to expiry to send, wait for a new one. */
export const USABLE_FOR_MS = 5_000;

export type Plan = 'use' | 'use-and-renew' | 'renew';

/** What to do with a token expiring at `expiresAt` (null: none held). */
export function refreshPlan(expiresAt: number | null, now: number): Plan {
  if (expiresAt === null || expiresAt - now < USABLE_FOR_MS) return 'renew';
  return expiresAt - now < RENEW_BEFORE_MS ? 'use-and-renew' : 'use';
}

/**
 * The expiry on this machine's clock: the lifetime the server gave, counted
 * from its Date header, so an operator PC whose clock is minutes off neither
 * renews on every request nor sends expired tokens.
 */
export function localExpiry(expiresAt: string, serverDate: string | null, now: number): number {
  const expiry = Date.parse(expiresAt);
  const serverNow = serverDate ? Date.parse(serverDate) : Number.NaN;
  return Number.isNaN(serverNow) ? expiry : now + (expiry - serverNow);
}

interface Held {
  token: string;
  expiresAt: number;
  /** The login it was issued to: never presented for another. */
  session: Session | null;
}

let held: Held | null = null;
let renewing: Promise<Held> | null = null;

async function fetchToken(): Promise<Held> {
  const session = currentSession();
  const call = api.POST('/api/video-tokens');
  const { token, expires_at } = await unwrap(call);
  const { response } = await call;
  return { token, expiresAt: localExpiry(expires_at, response.headers.get('date'), Date.now()), session };
}

/** One request at a time, however many tiles ask. */
function renew(): Promise<Held> {
  renewing ??= fetchToken().then(
    (fresh) => {
      held = fresh;
      renewing = null;
      return fresh;
    },
    (error: unknown) => {
      renewing = null;
      throw error;
    },
  );
  return renewing;
}

/** A token to present now. */
export async function videoToken(): Promise<string> {
  const current = held?.session === currentSession() ? held : null;
  const plan = refreshPlan(current?.expiresAt ?? null, Date.now());
  if (current && plan !== 'renew') {
    if (plan === 'use-and-renew') {
      renew().catch(() => {
        // The held token still works; the next request tries again.
      });
    }
    return current.token;
  }
  return (await renew()).token;
}

/**
 * The server refused `token` before its expiry (the user's rights changed,
 * the server's key did): the next request gets a new one. Only that token
 * is dropped, so sixteen tiles refused at once cause one renewal.
 */
export function rejectVideoToken(token: string) {
  if (held?.token === token) held = null;
}
