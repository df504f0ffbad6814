import { useState } from 'react';

import { ApiError, api, unwrap, type ApiToken } from '../api/client';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { Groups } from '../app/Groups';
import { Link } from '../app/Link';
import { useLoaded } from '../app/useLoaded';
import { When } from '../app/When';
import { tokenStatus } from './tokens';
import { LoadError } from '../app/LoadError';

/** The tokens, and when they were listed: what "expired" is judged against. */
async function loadTokens(): Promise<{ tokens: ApiToken[]; at: number }> {
  return { tokens: (await unwrap(api.GET('/api/tokens'))).items, at: Date.now() };
}

export function TokenList() {
  const [generation, setGeneration] = useState(0);
  const { value: listed, error, setError } = useLoaded(loadTokens, '', generation);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const revoke = async (token: ApiToken) => {
    setRevoking(null);
    try {
      await unwrap(api.DELETE('/api/tokens/{id}', { params: { path: { id: token.id } } }));
      setGeneration((g) => g + 1);
    } catch (err) {
      setError(`Could not revoke ${token.name}: ${err instanceof ApiError ? err.message : String(err)}`);
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <h1>API tokens</h1>
        <Link className="button primary" href="/tokens/new">
          Create token
        </Link>
      </div>
      <p className="muted">Scripts and other systems call the API with a token, sent as <code>Authorization: Bearer …</code>.</p>
      <LoadError message={error} onRetry={() => { setGeneration((g) => g + 1); }} />
      <table className="data">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Cameras</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {listed?.tokens.map((token) => {
            const status = tokenStatus(token, listed.at);
            return (
              <tr key={token.id} data-token-id={token.id}>
                <td>{token.name}</td>
                <td>{token.role}</td>
                <td><Groups groups={token.groups} /></td>
                <td><span className={`badge badge-token-${status}`}>{status}</span></td>
                <td><When at={token.created_at} /> <span className="muted">by {token.created_by}</span></td>
                <td><When at={token.expires_at} /></td>
                <td><When at={token.last_used_at} /></td>
                <td className="row-actions">
                  {status === 'active' ? (
                    <button type="button" className="link danger" aria-label={`Revoke ${token.name}`} onClick={() => { setRevoking(token); }}>
                      Revoke
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {listed?.tokens.length === 0 ? <p className="empty">No API tokens yet.</p> : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke token"
          onConfirm={() => void revoke(revoking)}
          onCancel={() => { setRevoking(null); }}
        >
          <p>Whatever uses it is refused from now on. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}
