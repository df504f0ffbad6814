import { useState } from 'react';

import { useAuth } from '../app/useAuth';
import { preferenceKey, readPreference, type Preference } from './transport';

function stored(key: string | null): Preference {
  try {
    return readPreference(key ? window.localStorage.getItem(key) : null);
  } catch {
    // Storage refused (a locked-down browser): Auto, as for a new user.
    return 'auto';
  }
}

/** The signed-in user's transport preference, kept in this browser. */
export function useTransportPreference(): [Preference, (preference: Preference) => void] {
  const auth = useAuth();
  const key = auth.kind === 'signed-in' ? preferenceKey(auth.session.user.username) : null;
  const [current, setCurrent] = useState(() => ({ key, preference: stored(key) }));
  // Another user signed in on this page: theirs, not the last one's.
  if (current.key !== key) setCurrent({ key, preference: stored(key) });

  const choose = (preference: Preference) => {
    setCurrent({ key, preference });
    if (!key) return;
    try {
      window.localStorage.setItem(key, preference);
    } catch {
      // Not kept: it still holds on this page.
    }
  };
  return [current.preference, choose];
}
