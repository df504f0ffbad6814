// Logging in and out. The server sets and clears the HttpOnly cookie; these
// keep the console's idea of who is logged in in step with it.
import { setAuth } from './auth';
import { api, unwrap } from './client';

/** Picks up a session the browser already holds (a reload, a new tab). */
export async function restoreSession() {
  try {
    const { data, response } = await api.GET('/api/session');
    setAuth(
      data
        ? { kind: 'signed-in', session: data }
        : { kind: 'signed-out', reason: response.status === 401 ? 'none' : 'unreachable' },
    );
  } catch {
    setAuth({ kind: 'signed-out', reason: 'unreachable' });
  }
}

/** Why a login was refused: the status (0 when unreachable) and the server's Retry-After. */
export interface LoginFailure {
  status: number;
  retryAfter: string | null;
}

/** Logs in; null when it worked. */
export async function logIn(username: string, password: string): Promise<LoginFailure | null> {
  try {
    const { data, response } = await api.POST('/api/session', { body: { username, password } });
    if (data) {
      setAuth({ kind: 'signed-in', session: data });
      return null;
    }
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  } catch {
    return { status: 0, retryAfter: null };
  }
}

/** Ends the session on the server; the console forgets it only once the server has. */
export async function logOut() {
  await unwrap(api.DELETE('/api/session'));
  setAuth({ kind: 'signed-out', reason: 'logged-out' });
}
