// A camera's storage budget is bytes in the API and gigabytes (10^9 bytes,
// as disks are sold) in the form.
const GB = 1e9;

/**
 * The budget typed in gigabytes, in bytes: null when empty (no budget of the
 * camera's own). Anything else unusable goes to the API as a non-positive
 * number so its 422 names the field, as for the other fields.
 */
export function budgetBytes(typed: string): number | null {
  if (typed.trim() === '') return null;
  const gigabytes = Number(typed);
  if (!Number.isFinite(gigabytes) || gigabytes <= 0) return 0;
  return Math.max(1, Math.round(gigabytes * GB));
}

/** The stored budget as the form shows it. */
export function gigabytesOf(bytes: number | null): string {
  return bytes === null ? '' : String(Number((bytes / GB).toPrecision(6)));
}
