import { useCallback, useEffect, useState } from 'react';

import { api, unwrap, type Camera, type CameraStatus } from '../api/client';
import { useCameraEvents, type CameraEvent } from '../api/events';
import { navigate, useLocation, withQuery } from '../app/router';
import { useLoaded } from '../app/useLoaded';
import { LAYOUTS, layoutShape, mosaicParams, openingView, playsMainStream, readMosaic, swapTiles, tileSpan, viewQuery, withLayout, withTile, type Mosaic as MosaicState } from './layout';
import { SavedViews } from './SavedViews';
import { SyncControls } from '../recordings/SyncControls';
import type { PlaybackClock } from '../recordings/sync';
import { Tile } from './Tile';
import { PREFERENCE_NAMES, PREFERENCES, type Preference } from './transport';
import { useTransportPreference } from './usePreference';
import { Alert } from '../app/Alert';
import { keep, kept } from '../app/browserStorage';
import { useAuth } from '../app/useAuth';
import { viewMosaic } from './views';

/** The first cameras by name, enough for the largest layout: what a bare live view opens on. */
async function loadFirstCameras(): Promise<Camera[]> {
  return (await unwrap(api.GET('/api/cameras', { params: { query: { limit: 16, sort: 'name' } } }))).items;
}

/** The cameras the tiles show (tiles ask the pickers' search for others). */
async function loadChosenCameras(ids: string): Promise<Camera[]> {
  if (!ids) return [];
  return (await unwrap(api.GET('/api/cameras', { params: { query: { ids } } }))).items;
}

const NO_CAMERAS: Camera[] = [];

const PREFERENCE_HINTS: Record<Preference, string> = {
  auto: 'WebRTC, under half a second behind; HLS where WebRTC cannot connect',
  webrtc: 'WebRTC only',
  hls: 'HLS only: a few seconds behind, through any network that passes HTTPS',
};

export function Mosaic() {
  const { query } = useLocation();
  const mosaic = readMosaic(query);
  const [statuses, setStatuses] = useState<Map<number, CameraStatus>>(new Map());
  const [generation, setGeneration] = useState(0);
  const [preference, setPreference] = useTransportPreference();
  const [clock, setClock] = useState<PlaybackClock | null>(null);
  const chosen = mosaic.tiles.filter((id): id is number => id !== null);
  const chosenKey = [...new Set(chosen)].sort((a, b) => a - b).join(',');
  const first = useLoaded(loadFirstCameras, '', generation);
  const shown = useLoaded(loadChosenCameras, chosenKey, generation);
  const { setValue: setCameras } = shown;
  const cameras = shown.value ?? NO_CAMERAS;
  const error = shown.error ?? first.error;
  const auth = useAuth();
  const viewKey = auth.kind === 'signed-in' ? `camplane.live.view.${auth.session.user.username}` : null;
  const cameraList = first.value;

  // Opened bare, it shows the user's last view, else the first cameras;
  // any view shown is kept (in this browser) for the next time.
  const search = query.toString();
  useEffect(() => {
    if (!cameraList) return;
    const ids = cameraList.map((camera) => camera.id);
    const opening = openingView(new URLSearchParams(search), kept(viewKey), ids);
    if (opening !== null) navigate(`/live?${opening}`, { replace: true });
  }, [search, viewKey, cameraList]);
  const shownKey = query.has('tiles') ? viewQuery(mosaic) : null;
  useEffect(() => {
    if (shownKey) keep(viewKey, shownKey);
  }, [viewKey, shownKey]);


  useEffect(() => {
    if (!chosenKey) return;
    let current = true;
    unwrap(api.GET('/api/cameras/status', { params: { query: { ids: chosenKey } } })).then(
      (list) => {
        if (current) setStatuses(new Map(list.items.map((status) => [status.id, status])));
      },
      () => {
        // Tiles still play; reasons show once live updates arrive.
      },
    );
    return () => {
      current = false;
    };
  }, [chosenKey, generation]);

  const onEvent = useCallback((event: CameraEvent) => {
    if (event.kind === 'status') {
      setStatuses((old) => new Map(old).set(event.status.id, event.status));
    } else if (event.kind === 'camera') {
      const { op, id, camera } = event;
      // Only the cameras on a tile are kept here.
      setCameras((old) => {
        if (!old?.some((c) => c.id === id)) return old;
        const others = old.filter((c) => c.id !== id);
        return op === 'deleted' || !camera ? others : [...others, camera];
      });
    } else {
      setGeneration((g) => g + 1);
    }
  }, [setCameras]);
  useCameraEvents(onEvent);

  const show = (next: MosaicState, replace = false) => {
    navigate(withQuery(mosaicParams(next)), { replace });
  };
  const byId = new Map(cameras.map((camera) => [camera.id, camera]));

  return (
    <main className="live">
      <div className="live-toolbar">
        <h1 className="visually-hidden">Live view</h1>
        <div role="group" aria-label="Layout">
          {LAYOUTS.map((layout) => (
            <button
              key={layout.id}
              type="button"
              aria-pressed={mosaic.layout === layout.id}
              onClick={() => {
                show(withLayout(mosaic, layout.id));
              }}
            >
              {layout.label}
            </button>
          ))}
        </div>
        <button
          type="button"
          onClick={() => {
            const firstCameras = (first.value ?? NO_CAMERAS).slice(0, mosaic.tiles.length).map((camera) => camera.id);
            show({ ...mosaic, tiles: mosaic.tiles.map((_, index) => firstCameras[index] ?? null) });
          }}
          disabled={!first.value?.length}
        >
          Fill with cameras
        </button>
        <div role="group" aria-label="Transport">
          {PREFERENCES.map((choice) => (
            <button
              key={choice}
              type="button"
              aria-pressed={preference === choice}
              title={PREFERENCE_HINTS[choice]}
              onClick={() => {
                setPreference(choice);
              }}
            >
              {PREFERENCE_NAMES[choice]}
            </button>
          ))}
        </div>
        <SavedViews
          mosaic={mosaic}
          onOpen={(view, replace) => {
            show(viewMosaic(view), replace);
          }}
        />
        <SyncControls clock={clock} onClock={setClock} />
        <Alert message={error} inline />
      </div>
      <div className="mosaic" data-layout={mosaic.layout} style={{ gridTemplateColumns: `repeat(${layoutShape(mosaic.layout).columns}, 1fr)` }}>
        {mosaic.tiles.map((id, index) => (
          <Tile
            key={index}
            index={index}
            span={tileSpan(mosaic.layout, index)}
            large={playsMainStream(mosaic.layout, index)}
            camera={id === null ? null : (byId.get(id) ?? null)}
            status={id === null ? undefined : statuses.get(id)}
            preference={preference}
            clock={clock}
            onChoose={(next) => {
              show(withTile(mosaic, index, next));
            }}
            onDrop={(dropped) => {
              show(dropped.kind === 'tile' ? swapTiles(mosaic, dropped.index, index) : withTile(mosaic, index, dropped.id));
            }}
          />
        ))}
      </div>
    </main>
  );
}
