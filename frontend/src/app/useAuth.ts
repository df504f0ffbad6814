import { useSyncExternalStore } from 'react';

import { getAuth, subscribeAuth, type Auth, type Role } from '../api/auth';
import { can, type Action } from './permissions';

export function useAuth(): Auth {
  return useSyncExternalStore(subscribeAuth, getAuth);
}

/** The logged-in user's role, or null while nobody is. */
export function useRole(): Role | null {
  const auth = useAuth();
  return auth.kind === 'signed-in' ? auth.session.user.role : null;
}

export function useCan(action: Action): boolean {
  return can(useRole(), action);
}
