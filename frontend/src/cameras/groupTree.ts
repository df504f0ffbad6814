// The camera groups as the tree their dotted names make (`site-2.dock` under
// `site-2`), each node with the count the API gave it.

export interface GroupNode {
  /** The full group name, as the list's `group` filter takes it. */
  name: string;
  /** Its last level, as the tree shows it. */
  label: string;
  cameras: number;
  children: GroupNode[];
}

/** `counts` in the API's order (sorted by name, every level listed). */
export function groupTree(counts: readonly { name: string; cameras: number }[]): GroupNode[] {
  const roots: GroupNode[] = [];
  const byName = new Map<string, GroupNode>();
  for (const { name, cameras } of counts) {
    const cut = name.lastIndexOf('.');
    const node: GroupNode = { name, label: cut < 0 ? name : name.slice(cut + 1), cameras, children: [] };
    byName.set(name, node);
    const parent = cut < 0 ? undefined : byName.get(name.slice(0, cut));
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** The names of `selected` and every level above it: the branches to keep open. */
export function openBranches(selected: string): Set<string> {
  const parts = selected.split('.');
  return new Set(parts.map((_, index) => parts.slice(0, index + 1).join('.')));
}
