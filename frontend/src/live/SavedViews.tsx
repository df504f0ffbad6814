import { useState, type SyntheticEvent } from 'react';

import { ApiError, api, unwrap } from '../api/client';
import { Alert } from '../app/Alert';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { Field } from '../app/Field';
import { SubmitButton } from '../app/SubmitButton';
import { useAuth, useCan } from '../app/useAuth';
import { useLoaded } from '../app/useLoaded';
import type { Mosaic } from './layout';
import { Tour } from './Tour';
import { groupViews, savedTiles, type SavedView } from './views';

async function loadViews(): Promise<SavedView[]> {
  return (await unwrap(api.GET('/api/views'))).items;
}

const NO_VIEWS: SavedView[] = [];

/** `If-Match` for a change to the version of `view` shown. */
const ifMatch = (view: SavedView) => ({ 'If-Match': `"${view.version}"` });

/** The live view's saved views: save the mosaic shown, open or tour saved ones, rename or delete one's own. */
export function SavedViews({ mosaic, onOpen }: { mosaic: Mosaic; onOpen: (view: SavedView, replace: boolean) => void }) {
  const auth = useAuth();
  const me = auth.kind === 'signed-in' ? auth.session.user.username : '';
  const [generation, setGeneration] = useState(0);
  const loaded = useLoaded(loadViews, '', generation);
  const views = loaded.value ?? NO_VIEWS;
  const [panel, setPanel] = useState<'save' | 'views' | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const reload = () => {
    setGeneration((g) => g + 1);
  };
  const toggle = (which: 'save' | 'views') => {
    // Opened, the menu lists what others shared since the page loaded.
    if (which === 'views' && panel !== 'views') reload();
    setPanel(panel === which ? null : which);
    setSaved(null);
  };

  return (
    <div
      className="saved-views"
      onKeyDown={(e) => {
        if (e.key === 'Escape') setPanel(null);
      }}
    >
      <button type="button" aria-expanded={panel === 'save'} onClick={() => { toggle('save'); }}>
        Save view
      </button>
      <button type="button" aria-expanded={panel === 'views'} onClick={() => { toggle('views'); }}>
        Views
      </button>
      <Tour views={views} onOpen={(view) => { onOpen(view, true); }} onChoosing={reload} />
      {saved ? <span role="status">{saved}</span> : null}
      {panel === 'save' ? (
        <SaveViewForm
          mosaic={mosaic}
          onSaved={(view) => {
            setPanel(null);
            setSaved(`Saved view ${view.name}.`);
            reload();
          }}
        />
      ) : null}
      {panel === 'views' ? (
        <ViewsMenu
          views={views}
          me={me}
          error={loaded.error}
          onOpen={(view) => {
            setPanel(null);
            onOpen(view, false);
          }}
          onChanged={reload}
        />
      ) : null}
    </div>
  );
}

/** The API's longest view name: the browser stops the typing there rather than the server refusing it. */
const NAME_MAX = 100;

/** A view's name being typed, focused as its form opens. */
function NameInput({
  onChange,
  ...props
}: Omit<React.InputHTMLAttributes<HTMLInputElement>, 'onChange'> & { value: string; onChange: (name: string) => void }) {
  return (
    <input
      {...props}
      autoFocus
      required
      maxLength={NAME_MAX}
      onChange={(e) => {
        onChange(e.target.value);
      }}
    />
  );
}

function SaveViewForm({ mosaic, onSaved }: { mosaic: Mosaic; onSaved: (view: SavedView) => void }) {
  const mayShare = useCan('share-views');
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [nameError, setNameError] = useState<string | undefined>(undefined);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const body = { name, layout: mosaic.layout, tiles: savedTiles(mosaic), shared };
      onSaved(await unwrap(api.POST('/api/views', { body })));
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors() : {};
      setNameError(fields.name);
      setError(fields.name ? null : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="toolbar-panel" aria-label="Save view" onSubmit={(e) => void submit(e)}>
      <Field label="View name" error={nameError}>
        {(props) => (
          <NameInput {...props} value={name} onChange={setName} />
        )}
      </Field>
      {mayShare ? (
        <label className="checkbox">
          <input
            type="checkbox"
            checked={shared}
            onChange={(e) => {
              setShared(e.target.checked);
            }}
          />{' '}
          Share with everyone
        </label>
      ) : null}
      <Alert message={error} />
      <SubmitButton label="Save" busyLabel="Saving…" busy={busy} />
    </form>
  );
}

function ViewsMenu({
  views,
  me,
  error,
  onOpen,
  onChanged,
}: {
  views: readonly SavedView[];
  me: string;
  error: string | null;
  onOpen: (view: SavedView) => void;
  onChanged: () => void;
}) {
  const { mine, shared } = groupViews(views, me);
  const [failed, setFailed] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SavedView | null>(null);
  const act = async (change: Promise<unknown>) => {
    try {
      await change;
      setFailed(null);
    } catch (err) {
      setFailed(err instanceof Error ? err.message : String(err));
    }
    onChanged();
  };
  const list = (title: string, items: SavedView[], empty: string) => (
    <section aria-label={title}>
      <h2>{title}</h2>
      {items.length === 0 ? <p className="muted">{empty}</p> : null}
      <ul>
        {items.map((view) => (
          <ViewItem
            key={view.id}
            view={view}
            note={view.owner !== me ? `by ${view.owner}` : view.shared ? 'shared' : null}
            onOpen={onOpen}
            onRename={(name) =>
              act(unwrap(api.PATCH('/api/views/{id}', { params: { path: { id: view.id } }, headers: ifMatch(view), body: { name } })))
            }
            onDelete={() => {
              setDeleting(view);
            }}
          />
        ))}
      </ul>
    </section>
  );
  return (
    <div className="toolbar-panel views-menu">
      <Alert message={error ?? failed} />
      {list('My views', mine, 'Save the view shown to find it here.')}
      {list('Shared views', shared, 'Nobody has shared a view yet.')}
      {deleting ? (
        <ConfirmDialog
          title={`Delete view ${deleting.name}?`}
          confirmLabel="Delete view"
          onCancel={() => {
            setDeleting(null);
          }}
          onConfirm={() => {
            const view = deleting;
            setDeleting(null);
            void act(unwrap(api.DELETE('/api/views/{id}', { params: { path: { id: view.id } }, headers: ifMatch(view) })));
          }}
        >
          {deleting.shared ? 'It is shared: it goes for everyone.' : 'Only the saved view goes; the cameras stay.'}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function ViewItem({
  view,
  note,
  onOpen,
  onRename,
  onDelete,
}: {
  view: SavedView;
  /** Said after its name: whose it is, or that it is shared. */
  note: string | null;
  onOpen: (view: SavedView) => void;
  onRename: (name: string) => Promise<void>;
  onDelete: () => void;
}) {
  const [renaming, setRenaming] = useState<string | null>(null);
  if (renaming !== null) {
    return (
      <li>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void onRename(renaming).then(() => {
              setRenaming(null);
            });
          }}
        >
          <NameInput
            aria-label={`New name of ${view.name}`}
            value={renaming}
            onChange={setRenaming}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setRenaming(null);
            }}
          />
          <button type="submit">Rename</button>
        </form>
      </li>
    );
  }
  return (
    <li>
      <button type="button" className="link" aria-label={`Open ${view.name}`} onClick={() => { onOpen(view); }}>
        {view.name}
        {note ? <span className="muted"> · {note}</span> : null}
      </button>
      {view.editable ? (
        <>
          <button type="button" aria-label={`Rename ${view.name}`} onClick={() => { setRenaming(view.name); }}>
            Rename
          </button>
          <button type="button" className="danger" aria-label={`Delete ${view.name}`} onClick={onDelete}>
            Delete
          </button>
        </>
      ) : null}
    </li>
  );
}
