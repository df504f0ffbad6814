import { useEffect } from 'react';

import { AuditLog } from './admin/AuditLog';
import { NodeList } from './admin/NodeList';
import { TokenForm } from './admin/TokenForm';
import { TokenList } from './admin/TokenList';
import { UserForm } from './admin/UserForm';
import { UserList } from './admin/UserList';
import type { Role, Session } from './api/auth';
import { useConnection } from './api/events';
import { restoreSession } from './api/session';
import { Forbidden } from './app/Forbidden';
import { Link } from './app/Link';
import { can, type Action } from './app/permissions';
import { navigate, useLocation } from './app/router';
import { useAuth } from './app/useAuth';
import { Account } from './auth/Account';
import { LoginPage } from './auth/LoginPage';
import { PasswordPage } from './auth/PasswordPage';
import { isServerPage, loginPath, returnPath } from './auth/login';
import { CameraForm } from './cameras/CameraForm';
import { CameraList } from './cameras/CameraList';
import { ImportPage } from './cameras/ImportPage';
import { Mosaic } from './live/Mosaic';
import { RecordingsPage } from './recordings/RecordingsPage';

function Screen({ path, role }: { path: string; role: Role }) {
  const allowed = (action: Action, what: string, screen: React.ReactNode) =>
    can(role, action) ? screen : <Forbidden role={role} what={what} />;
  if (path === '/live') return <Mosaic />;
  if (path === '/cameras') return <CameraList />;
  if (path === '/cameras/new') return allowed('manage-cameras', 'add cameras', <CameraForm key="new" id={null} />);
  if (path === '/cameras/import') return allowed('manage-cameras', 'import cameras', <ImportPage />);
  const camera = /^\/cameras\/(\d+)$/.exec(path);
  const recordings = /^\/cameras\/(\d+)\/recordings$/.exec(path);
  if (recordings?.[1]) return <RecordingsPage key={recordings[1]} id={Number(recordings[1])} />;
  if (camera?.[1]) return allowed('manage-cameras', 'edit cameras', <CameraForm key={camera[1]} id={Number(camera[1])} />);
  if (path === '/users') return allowed('manage-users', 'manage users', <UserList />);
  if (path === '/users/new') return allowed('manage-users', 'manage users', <UserForm key="new" id={null} />);
  const user = /^\/users\/(\d+)$/.exec(path);
  if (user?.[1]) return allowed('manage-users', 'manage users', <UserForm key={user[1]} id={Number(user[1])} />);
  if (path === '/tokens') return allowed('manage-tokens', 'manage API tokens', <TokenList />);
  if (path === '/tokens/new') return allowed('manage-tokens', 'manage API tokens', <TokenForm />);
  if (path === '/account/password') return <PasswordPage />;
  if (path === '/audit') return allowed('read-audit', 'read the audit log', <AuditLog />);
  if (path === '/nodes') return allowed('manage-nodes', 'manage MediaMTX nodes', <NodeList />);
  return (
    <main className="page">
      <h1>Not found</h1>
      <p>
        There is nothing at <code>{path}</code>. Go to the <Link href="/live">live view</Link> or the{' '}
        <Link href="/cameras">cameras</Link>.
      </p>
    </main>
  );
}

/** The header's sections: the first path segment each stands for, and who sees it. */
const SECTIONS: { segment: string; label: string; action?: Action }[] = [
  { segment: 'live', label: 'Live view' },
  { segment: 'cameras', label: 'Cameras' },
  { segment: 'users', label: 'Users', action: 'manage-users' },
  { segment: 'tokens', label: 'API tokens', action: 'manage-tokens' },
  { segment: 'audit', label: 'Audit log', action: 'read-audit' },
  { segment: 'nodes', label: 'Nodes', action: 'manage-nodes' },
];

function Console({ session, path }: { session: Session; path: string }) {
  const connection = useConnection();
  const { role } = session.user;
  const current = path.split('/')[1];
  return (
    <>
      <header className="topbar">
        <span className="brand">Camplane</span>
        <nav aria-label="Main">
          {SECTIONS.filter((section) => !section.action || can(role, section.action)).map((section) => (
            <Link key={section.segment} href={`/${section.segment}`} aria-current={current === section.segment ? 'page' : undefined}>
              {section.label}
            </Link>
          ))}
        </nav>
        <span className={`connection connection-${connection}`} role="status">
          {connection === 'open' ? 'Live updates on' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
        <Account user={session.user} />
      </header>
      <Screen path={path} role={role} />
    </>
  );
}

export function App() {
  const auth = useAuth();
  const { path, query } = useLocation();
  const search = query.toString();
  const next = query.get('next');

  useEffect(() => {
    void restoreSession();
  }, []);

  // The login page stands in for every page until someone is logged in, and
  // remembers where they were going (unless they just logged out).
  useEffect(() => {
    if (auth.kind === 'signed-out' && path !== '/login') {
      navigate(auth.reason === 'logged-out' ? '/login' : loginPath(search ? `${path}?${search}` : path), { replace: true });
    } else if (auth.kind === 'signed-in' && path === '/login') {
      const back = returnPath(next);
      if (isServerPage(back)) window.location.replace(back);
      else navigate(back, { replace: true });
    } else if (auth.kind === 'signed-in' && path === '/') {
      navigate('/live', { replace: true });
    }
  }, [auth, path, search, next]);

  if (auth.kind === 'checking') return <main className="page" aria-busy="true" />;
  if (auth.kind === 'signed-out') return <LoginPage reason={auth.reason} />;
  return <Console session={auth.session} path={path} />;
}
