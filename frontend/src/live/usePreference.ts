import { useState } from 'react';

import { keep, kept } from '../app/browserStorage';
import { useAuth } from '../app/useAuth';
import { preferenceKey, readPreference, type Preference } from './transport';

function stored(key: string | null): Preference {
  return readPreference(kept(key));
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
    keep(key, preference);
  };
  return [current.preference, choose];
}
