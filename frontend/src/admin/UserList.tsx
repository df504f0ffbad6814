import { useState } from 'react';

import type { User } from '../api/auth';
import { ApiError, api, unwrap } from '../api/client';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { Groups } from '../app/Groups';
import { Link } from '../app/Link';
import { useAuth } from '../app/useAuth';
import { useLoaded } from '../app/useLoaded';
import { When } from '../app/When';
import { describeUserError } from './users';
import { LoadError } from '../app/LoadError';

async function loadUsers(): Promise<User[]> {
  return (await unwrap(api.GET('/api/users'))).items;
}

export function UserList() {
  const auth = useAuth();
  const me = auth.kind === 'signed-in' ? auth.session.user.id : null;
  const [generation, setGeneration] = useState(0);
  const { value: users, error, setError } = useLoaded(loadUsers, '', generation);
  const [deleting, setDeleting] = useState<User | null>(null);

  const remove = async (user: User) => {
    setDeleting(null);
    try {
      await unwrap(api.DELETE('/api/users/{id}', { params: { path: { id: user.id } } }));
      setGeneration((g) => g + 1);
    } catch (err) {
      setError(`Could not delete ${user.username}: ${err instanceof ApiError ? describeUserError(err).message : String(err)}`);
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <h1>Users</h1>
        <Link className="button primary" href="/users/new">
          Add user
        </Link>
      </div>
      <LoadError message={error} onRetry={() => { setGeneration((g) => g + 1); }} />
      <table className="data">
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">Cameras</th>
            <th scope="col">Status</th>
            <th scope="col">Last login</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {users?.map((user) => (
            <tr key={user.id} data-user-id={user.id}>
              <td>
                <Link href={`/users/${user.id}`}>{user.username}</Link>
                {user.id === me ? <span className="muted"> (you)</span> : null}
              </td>
              <td>{user.role}</td>
              <td><Groups groups={user.groups} /></td>
              <td>{user.disabled ? <span className="badge badge-disabled">disabled</span> : 'enabled'}</td>
              <td><When at={user.last_login_at} /></td>
              <td className="row-actions">
                <Link href={`/users/${user.id}`} aria-label={`Edit ${user.username}`}>Edit</Link>
                <button type="button" className="link danger" aria-label={`Delete ${user.username}`} onClick={() => { setDeleting(user); }}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.username}?`}
          confirmLabel="Delete user"
          onConfirm={() => void remove(deleting)}
          onCancel={() => { setDeleting(null); }}
        >
          <p>
            {deleting.id === me ? 'This is you: you are logged out at once. ' : 'Their sessions end at once. '}
            This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}
