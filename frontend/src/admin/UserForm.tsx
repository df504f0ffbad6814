import { useRef, useState, type SyntheticEvent } from 'react';

import type { User } from '../api/auth';
import { ApiError, api, unwrap } from '../api/client';
import { Field } from '../app/Field';
import { formatGroups, parseGroupLimit } from '../app/groups';
import { Link } from '../app/Link';
import { navigate } from '../app/router';
import { useAuth } from '../app/useAuth';
import { useLoaded } from '../app/useLoaded';
import { GroupLimitField, RoleField } from './AccessFields';
import { describeUserError, userPatch, type UserFields } from './users';
import { Alert } from '../app/Alert';
import { SubmitButton } from '../app/SubmitButton';

/** There is no GET of one user: the list is short, and it has them all. */
async function loadUser(key: string): Promise<User | 'missing'> {
  return (await unwrap(api.GET('/api/users'))).items.find((user) => String(user.id) === key) ?? 'missing';
}

export function UserForm({ id }: { id: number | null }) {
  return id === null ? <UserEditor user={null} /> : <ExistingUser id={id} />;
}

function ExistingUser({ id }: { id: number }) {
  const { value: user, error } = useLoaded(loadUser, String(id), 0);
  if (user !== null && user !== 'missing') return <UserEditor user={user} />;
  return (
    <main className="page narrow">
      <p>
        <Link href="/users">← Users</Link>
      </p>
      {error ? (
        <p className="alert" role="alert">
          {error}
        </p>
      ) : user === 'missing' ? (
        <p className="alert" role="alert">
          This user no longer exists.
        </p>
      ) : null}
    </main>
  );
}

function UserEditor({ user }: { user: User | null }) {
  const auth = useAuth();
  const isMe = auth.kind === 'signed-in' && user !== null && auth.session.user.id === user.id;
  const password = useRef<HTMLInputElement>(null);
  const [username, setUsername] = useState('');
  const [fields, setFields] = useState<UserFields>(
    user ? { role: user.role, groups: formatGroups(user.groups), disabled: user.disabled } : { role: 'viewer', groups: '', disabled: false },
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof UserFields>(key: K, value: UserFields[K]) => {
    setFields((old) => ({ ...old, [key]: value }));
  };

  const save = async (event: SyntheticEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setMessage(null);
    const typed = password.current?.value ?? '';
    try {
      if (user === null) {
        await unwrap(
          api.POST('/api/users', {
            body: { username, password: typed, role: fields.role, groups: parseGroupLimit(fields.groups) },
          }),
        );
      } else {
        const patch = userPatch(user, fields, typed);
        if (Object.keys(patch).length) {
          await unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: patch }));
        }
      }
      navigate('/users');
    } catch (err) {
      const refused = err instanceof ApiError ? describeUserError(err) : { message: String(err), fields: {} };
      setErrors(refused.fields);
      setMessage(refused.message);
      setSaving(false);
    }
  };

  return (
    <main className="page narrow">
      <p>
        <Link href="/users">← Users</Link>
      </p>
      <h1>{user ? `Edit ${user.username}` : 'Add user'}</h1>
      {isMe ? (
        <p role="note">This is you: changing your password, role, cameras or status logs you out, and you log in again.</p>
      ) : null}
      <Alert message={message} />
      <form onSubmit={(e) => void save(e)} noValidate>
        {user === null ? (
          <Field label="Username" error={errors.username}>
            {(props) => (
              <input {...props} value={username} required autoComplete="off" spellCheck={false} onChange={(e) => { setUsername(e.target.value); }} />
            )}
          </Field>
        ) : null}
        <Field
          label={user ? 'New password' : 'Password'}
          error={errors.password}
          hint={user ? 'At least 12 characters. Leave empty to keep the current one.' : 'At least 12 characters.'}
        >
          {/* Uncontrolled: React would mirror a controlled value into the DOM. */}
          {(props) => <input {...props} ref={password} type="password" autoComplete="new-password" required={user === null} />}
        </Field>
        <RoleField role={fields.role} error={errors.role} onChange={(role) => { set('role', role); }} />
        <GroupLimitField groups={fields.groups} error={errors.groups} onChange={(groups) => { set('groups', groups); }} />
        {user ? (
          <label className="check">
            <input type="checkbox" checked={fields.disabled} onChange={(e) => { set('disabled', e.target.checked); }} /> Disabled: cannot log in
          </label>
        ) : null}
        <div className="actions">
          <SubmitButton label={user ? 'Save changes' : 'Add user'} busyLabel="Saving…" busy={saving} />
        </div>
      </form>
    </main>
  );
}
