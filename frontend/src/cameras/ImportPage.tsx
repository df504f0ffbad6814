import { useState } from 'react';

import { ApiError, api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { Alert } from '../app/Alert';
import { Link } from '../app/Link';
import { importContentType, reportSummary } from './importFile';

type Report = components['schemas']['ImportReport'];

/** A site's cameras from one CSV or JSON file: checked first, then imported. */
export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [keepGoodRows, setKeepGoodRows] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (dryRun: boolean) => {
    if (!file) return;
    const contentType = importContentType(file);
    if (!contentType) {
      setError('Choose a .csv or .json file.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = await file.text();
      const answer = await unwrap(
        api.POST('/api/cameras/import', {
          params: { query: { dry_run: dryRun, atomic: !keepGoodRows } },
          body,
          bodySerializer: (text: string) => text,
          headers: { 'Content-Type': contentType },
        }),
      );
      setReport(answer);
      setChecked(dryRun);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const rows = report?.rows ?? [];
  const shown = rows.filter((row) => row.outcome === 'error').concat(rows.filter((row) => row.outcome !== 'error'));
  return (
    <main className="page">
      <div className="page-head">
        <h1>Import cameras</h1>
        <Link href="/cameras">Back to cameras</Link>
      </div>
      <p>
        A CSV file with a header row (<code>name</code>, <code>stream_url</code>, <code>location</code>,{' '}
        <code>enabled</code>, <code>on_demand</code>, <code>max_readers</code>, <code>groups</code> separated by{' '}
        <code>;</code>, <code>recording</code>, <code>retention</code>, <code>storage_budget_bytes</code>,{' '}
        <code>external_id</code>, <code>sub_stream_url</code>) or a JSON array, as the camera list&apos;s export writes. A row updates the camera
        with its external id, else its name, and adds a camera otherwise. Check the file first: nothing is written
        until you import.
      </p>
      <form
        className="import"
        onSubmit={(e) => {
          e.preventDefault();
          void send(true);
        }}
      >
        <label>
          File
          <input
            type="file"
            accept=".csv,.json,text/csv,application/json"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setReport(null);
              setChecked(false);
            }}
          />
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={keepGoodRows}
            onChange={(e) => {
              setKeepGoodRows(e.target.checked);
              setChecked(false);
            }}
          />
          Import the good rows even if some have errors
        </label>
        <div className="actions">
          <button type="submit" disabled={!file || busy}>
            Check
          </button>
          <button
            type="button"
            className="primary"
            disabled={!file || busy || !checked}
            title={checked ? undefined : 'Check the file first'}
            onClick={() => void send(false)}
          >
            Import
          </button>
        </div>
      </form>
      <Alert message={error} />
      {report ? (
        <>
          <p role="status">{reportSummary(report)}</p>
          <table className="data import-rows">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Name</th>
                <th scope="col">Result</th>
                <th scope="col">Problems</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <tr key={row.row} className={row.outcome === 'error' ? 'error' : undefined}>
                  <td>{row.row}</td>
                  <td>{row.camera_id && !report.dry_run ? <Link href={`/cameras/${row.camera_id}`}>{row.name}</Link> : row.name}</td>
                  <td>{row.outcome}</td>
                  <td>
                    {(row.errors ?? []).map((problem) => (
                      <div key={problem.field}>
                        <code>{problem.field}</code>: {problem.message}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </main>
  );
}
