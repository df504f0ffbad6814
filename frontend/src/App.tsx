import { useEffect } from 'react';

import { useConnection } from './api/events';
import { Link } from './app/Link';
import { navigate, useLocation } from './app/router';
import { CameraForm } from './cameras/CameraForm';
import { CameraList } from './cameras/CameraList';
import { Mosaic } from './live/Mosaic';

function Screen({ path }: { path: string }) {
  if (path === '/live') return <Mosaic />;
  if (path === '/cameras') return <CameraList />;
  if (path === '/cameras/new') return <CameraForm key="new" id={null} />;
  const edit = /^\/cameras\/(\d+)$/.exec(path);
  if (edit?.[1]) return <CameraForm key={edit[1]} id={Number(edit[1])} />;
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

export function App() {
  const { path } = useLocation();
  const connection = useConnection();

  useEffect(() => {
    if (path === '/') navigate('/live', { replace: true });
  }, [path]);

  const section = path.startsWith('/cameras') ? 'cameras' : path === '/live' ? 'live' : '';
  return (
    <>
      <header className="topbar">
        <span className="brand">Camplane</span>
        <nav aria-label="Main">
          <Link href="/live" aria-current={section === 'live' ? 'page' : undefined}>
            Live view
          </Link>
          <Link href="/cameras" aria-current={section === 'cameras' ? 'page' : undefined}>
            Cameras
          </Link>
        </nav>
        <span className={`connection connection-${connection}`} role="status">
          {connection === 'open' ? 'Live updates on' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </header>
      <Screen path={path} />
    </>
  );
}
