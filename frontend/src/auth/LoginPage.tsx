import { useRef, useState, type SyntheticEvent } from 'react';

import type { SignedOutReason } from '../api/auth';
import { logIn } from '../api/session';
import { Field } from '../app/Field';
import { formText } from '../app/formText';
import { useCountdown } from '../app/useCountdown';
import { SubmitButton } from '../app/SubmitButton';
import { describeLoginFailure } from './login';

const NOTICES: Record<SignedOutReason, string | null> = {
  none: null,
  expired: 'Your session ended. Log in again to continue where you were.',
  'logged-out': 'You logged out.',
  unreachable: 'The server cannot be reached right now; logging in may fail until it can.',
};

export function LoginPage({ reason }: { reason: SignedOutReason }) {
  const password = useRef<HTMLInputElement>(null);
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<{ message: string; until: number | null } | null>(null);
  const retryIn = useCountdown(failure?.until ?? null);
  const waiting = retryIn !== null && retryIn > 0;

  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    // Read from the form, not from state: the password lives only in its input.
    const form = event.currentTarget;
    setPending(true);
    setFailure(null);
    const refused = await logIn(formText(form, 'username'), formText(form, 'password'));
    // Logged in: the console replaces this page.
    if (!refused) return;
    setPending(false);
    setFailure(describeLoginFailure(refused, Date.now()));
    if (password.current) {
      password.current.value = '';
      password.current.focus();
    }
  };

  const notice = NOTICES[reason];
  return (
    <main className="page login">
      <h1>Camplane</h1>
      <p className="login-lead">Log in to the operator console.</p>
      {notice && !failure ? <p role="status">{notice}</p> : null}
      {failure ? (
        <p className="alert" role="alert">
          {failure.message}
          {waiting ? ` Try again in ${retryIn} s.` : failure.until !== null ? ' You can try again now.' : ''}
        </p>
      ) : null}
      {/* POST, so that even without this script the password never lands in a URL. */}
      <form method="post" onSubmit={(e) => void submit(e)}>
        <Field label="Username" error={undefined}>
          {(props) => <input {...props} name="username" autoComplete="username" autoCapitalize="none" spellCheck={false} required autoFocus />}
        </Field>
        <Field label="Password" error={undefined}>
          {/* Uncontrolled: React would mirror a controlled value into the DOM. */}
          {(props) => <input {...props} ref={password} name="password" type="password" autoComplete="current-password" required />}
        </Field>
        <div className="actions">
          <SubmitButton label="Log in" busyLabel="Logging in…" busy={pending} disabled={waiting} />
        </div>
      </form>
    </main>
  );
}
