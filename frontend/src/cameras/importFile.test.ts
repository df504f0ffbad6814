import { describe, expect, it } from 'vitest';

import { importContentType, reportSummary } from './importFile';

describe('import files', () => {
  it('are CSV or JSON by name or type', () => {
    expect(importContentType({ name: 'site.CSV', type: '' })).toBe('text/csv');
    expect(importContentType({ name: 'export', type: 'application/json' })).toBe('application/json');
    expect(importContentType({ name: 'cameras.xlsx', type: 'application/vnd.ms-excel' })).toBeNull();
  });

  it('reports say what was written, if anything', () => {
    const base = { atomic: true, created: 2, updated: 1, unchanged: 3, errors: 0 };
    expect(reportSummary({ ...base, dry_run: true, applied: false })).toMatch(/^Checked: .*Nothing was written/);
    expect(reportSummary({ ...base, dry_run: false, applied: true })).toBe('Imported: 2 created, 1 updated, 3 unchanged.');
    expect(reportSummary({ ...base, errors: 2, dry_run: false, applied: false })).toMatch(/^Nothing was imported: 2 rows/);
    expect(reportSummary({ ...base, errors: 2, atomic: false, dry_run: false, applied: true })).toMatch(/2 rows with errors were left out/);
  });
});
