import { useRef, useState, type SyntheticEvent } from 'react';

import { ApiError, api, unwrap } from '../api/client';
import { Alert } from '../app/Alert';
import { Field } from '../app/Field';
import { SubmitButton } from '../app/SubmitButton';

/**
 * Your own password. The current one proves it is you and not someone at a
 * console left open; every other session of yours ends, this one stays.
 * The inputs are uncontrolled, so React never mirrors a password into the DOM.
 */
export function PasswordPage() {
  const form = useRef<HTMLFormElement>(null);
  const current = useRef<HTMLInputElement>(null);
  const chosen = useRef<HTMLInputElement>(null);
  const repeated = useRef<HTMLInputElement>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [changed, setChanged] = useState(false);
  const [saving, setSaving] = useState(false);

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    setErrors({});
    setMessage(null);
    setChanged(false);
    const newPassword = chosen.current?.value ?? '';
    if (newPassword !== repeated.current?.value) {
      setErrors({ repeat: 'Does not match the new password.' });
      return;
    }
    setSaving(true);
    try {
      await unwrap(
        api.PUT('/api/session/password', {
          body: { current_password: current.current?.value ?? '', new_password: newPassword },
        }),
      );
      form.current?.reset();
      setChanged(true);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors() : {};
      setErrors(fields);
      setMessage(Object.keys(fields).length ? null : err instanceof Error ? err.message : String(err));
      if (current.current) current.current.value = '';
    }
    setSaving(false);
  };

  return (
    <main className="page narrow">
      <h1>Change your password</h1>
      <p>Your other sessions, in other browsers or tabs that logged in separately, end; this one stays.</p>
      <Alert message={message} />
      {changed ? <p role="status">Your password is changed.</p> : null}
      <form ref={form} onSubmit={(e) => void save(e)} noValidate>
        <Field label="Current password" error={errors.current_password}>
          {(props) => <input {...props} ref={current} type="password" autoComplete="current-password" required />}
        </Field>
        <Field label="New password" error={errors.new_password} hint="At least 12 characters.">
          {(props) => <input {...props} ref={chosen} type="password" autoComplete="new-password" required />}
        </Field>
        <Field label="New password again" error={errors.repeat}>
          {(props) => <input {...props} ref={repeated} type="password" autoComplete="new-password" required />}
        </Field>
        <div className="actions">
          <SubmitButton label="Change password" busyLabel="Changing…" busy={saving} />
        </div>
      </form>
    </main>
  );
}
