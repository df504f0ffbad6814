// Camera groups are typed as one comma-separated line: a camera's groups, or
// the groups a user or token is limited to.

/** The groups in `text`, trimmed, blanks and repeats dropped, in the order typed. */
export function parseGroups(text: string): string[] {
  const groups: string[] = [];
  for (const part of text.split(',')) {
    const group = part.trim();
    if (group && !groups.includes(group)) groups.push(group);
  }
  return groups;
}

/**
 * A user's or token's limit: nothing typed means every camera (null). A
 * limit to no group at all would show nothing, so it can't be typed.
 */
export function parseGroupLimit(text: string): string[] | null {
  const groups = parseGroups(text);
  return groups.length ? groups : null;
}

export function formatGroups(groups: readonly string[] | null): string {
  return groups ? groups.join(', ') : '';
}

/** Whether two limits are the same groups, whatever their order. */
export function sameGroups(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((group) => b.includes(group));
}
