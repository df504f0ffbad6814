import { useState } from 'react';

import type { User } from '../api/auth';
import { logOut } from '../api/session';
import { Alert } from '../app/Alert';
import { Link } from '../app/Link';

/** Who is logged in, with what role, and the way out. */
export function Account({ user }: { user: User }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const leave = async () => {
    setPending(true);
    setError(null);
    try {
      await logOut();
    } catch (err) {
      // Still logged in on the server: say so rather than pretend.
      setError(`Not logged out: ${err instanceof Error ? err.message : String(err)}`);
      setPending(false);
    }
  };

  return (
    <div className="account">
      <span>
        {user.username} <span className="account-role">({user.role})</span>
      </span>
      <Link href="/account/password">Change password</Link>
      <button type="button" onClick={() => void leave()} disabled={pending}>
        Log out
      </button>
      <Alert message={error} inline />
    </div>
  );
}
