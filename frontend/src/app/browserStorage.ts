// What this browser keeps for a user between visits. A browser that refuses
// storage (locked down, private mode) keeps nothing, and the console still
// works for the visit.

export function kept(key: string | null): string | null {
  if (key === null) return null;
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function keep(key: string | null, value: string): void {
  if (key === null) return;
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Not kept: it still holds on this page.
  }
}
