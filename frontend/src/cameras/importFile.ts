// What the import page needs to know about a file before sending it.

/** The body's content type, from the file's name or its own type. */
export function importContentType(file: { name: string; type: string }): 'text/csv' | 'application/json' | null {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'text/csv';
  if (name.endsWith('.json') || file.type === 'application/json') return 'application/json';
  return null;
}

/** What a report says in one sentence. */
export function reportSummary(report: {
  dry_run: boolean;
  applied: boolean;
  atomic: boolean;
  created: number;
  updated: number;
  unchanged: number;
  errors: number;
}): string {
  const counts = `${report.created} to create, ${report.updated} to update, ${report.unchanged} unchanged, ${report.errors} with errors`;
  if (report.dry_run) return `Checked: ${counts}. Nothing was written.`;
  if (report.applied) {
    const kept = `Imported: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged`;
    return report.errors ? `${kept}; ${report.errors} rows with errors were left out.` : `${kept}.`;
  }
  return `Nothing was imported: ${report.errors} rows have errors. Fix them, or allow importing the good rows only.`;
}
