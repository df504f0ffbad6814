import { useState, type SyntheticEvent } from 'react';

import type { Role } from '../api/auth';
import { ApiError, api, unwrap, type NewApiToken } from '../api/client';
import { Field } from '../app/Field';
import { parseGroupLimit } from '../app/groups';
import { Link } from '../app/Link';
import { GroupLimitField, RoleField } from './AccessFields';
import { LIFETIMES, expiryAfter } from './tokens';
import { Alert } from '../app/Alert';
import { SubmitButton } from '../app/SubmitButton';

/**
 * Creates a token, then shows its secret this once. The secret lives only in
 * this component's state: leaving the page drops it, and the server can't
 * show it again.
 */
export function TokenForm() {
  const [created, setCreated] = useState<NewApiToken | null>(null);
  return created ? <NewToken token={created} /> : <CreateToken onCreated={setCreated} />;
}

function CreateToken({ onCreated }: { onCreated: (token: NewApiToken) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [groups, setGroups] = useState('');
  const [lifetime, setLifetime] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setMessage(null);
    try {
      const body = {
        name,
        role,
        groups: parseGroupLimit(groups),
        expires_at: expiryAfter(LIFETIMES[lifetime]?.days ?? null, Date.now()),
      };
      onCreated(await unwrap(api.POST('/api/tokens', { body })));
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors() : {};
      setErrors(fields);
      setMessage(Object.keys(fields).length ? 'Some fields need attention.' : err instanceof Error ? err.message : String(err));
      setSaving(false);
    }
  };

  return (
    <main className="page narrow">
      <p>
        <Link href="/tokens">← API tokens</Link>
      </p>
      <h1>Create API token</h1>
      <Alert message={message} />
      <form onSubmit={(e) => void save(e)} noValidate>
        <Field label="Name" error={errors.name} hint="What uses it, e.g. the backup script, so you know what breaks when you revoke it.">
          {(props) => <input {...props} value={name} required autoComplete="off" onChange={(e) => { setName(e.target.value); }} />}
        </Field>
        <RoleField role={role} error={errors.role} onChange={setRole} />
        <GroupLimitField groups={groups} error={errors.groups} onChange={setGroups} />
        <Field label="Expires" error={errors.expires_at}>
          {(props) => (
            <select {...props} value={lifetime} onChange={(e) => { setLifetime(Number(e.target.value)); }}>
              {LIFETIMES.map((choice, index) => (
                <option key={choice.label} value={index}>
                  {choice.days === null ? 'Never' : `In ${choice.label}`}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="actions">
          <SubmitButton label="Create token" busyLabel="Creating…" busy={saving} />
        </div>
      </form>
    </main>
  );
}

function NewToken({ token }: { token: NewApiToken }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copyToken = () => {
    // Through a promise: outside a secure context there is no clipboard at all.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(token.token))
      .then(
      () => {
        setCopy('copied');
      },
      () => {
        setCopy('failed');
      },
    );
  };
  return (
    <main className="page narrow">
      <h1>Token {token.name} created</h1>
      <div className="secret-panel">
        <p>
          <strong>Copy it now: you won&apos;t see it again.</strong> Camplane can&apos;t show it a second time; if it is
          lost, revoke it and create another.
        </p>
        <code className="secret" aria-label="The new token">
          {token.token}
        </code>
        <div className="actions">
          <button type="button" className="primary" onClick={copyToken}>
            Copy
          </button>
          <span role="status">
            {copy === 'copied' ? 'Copied to the clipboard.' : copy === 'failed' ? 'The browser refused: select the token and copy it by hand.' : ''}
          </span>
        </div>
      </div>
      <p>
        <Link className="button" href="/tokens">
          Done
        </Link>
      </p>
    </main>
  );
}
