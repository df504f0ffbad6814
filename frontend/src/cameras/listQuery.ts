// The camera list's filters, sort and page, kept in the address bar.

export const PAGE_SIZE = 25;
export const STATES = ['live', 'idle', 'offline', 'disabled', 'error'] as const;
export type SortField = 'name' | 'location' | 'created_at' | 'id';

export interface ListQuery {
  q: string;
  enabled: 'true' | 'false' | '';
  state: (typeof STATES)[number] | '';
  /** A group and those under it; empty for all. */
  group: string;
  sort: string;
  page: number;
}

export function readListQuery(query: URLSearchParams): ListQuery {
  const enabled = query.get('enabled');
  const state = query.get('state') ?? '';
  const page = Number(query.get('page') ?? '1');
  return {
    q: query.get('q') ?? '',
    enabled: enabled === 'true' || enabled === 'false' ? enabled : '',
    state: (STATES as readonly string[]).includes(state) ? (state as ListQuery['state']) : '',
    group: query.get('group') ?? '',
    sort: query.get('sort') ?? 'name',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

/** Clicking a column sorts by it; clicking it again reverses the order. */
export function nextSort(current: string, field: SortField): string {
  return current === field ? `-${field}` : field;
}

export function sortDirection(current: string, field: SortField): 'ascending' | 'descending' | 'none' {
  if (current === field) return 'ascending';
  if (current === `-${field}`) return 'descending';
  return 'none';
}

/** The API's query for one page (limit/offset from the page number). */
export function apiQuery(list: ListQuery) {
  return {
    ...(list.q ? { q: list.q } : {}),
    ...(list.enabled ? { enabled: list.enabled === 'true' } : {}),
    ...(list.group ? { group: list.group } : {}),
    sort: list.sort,
    limit: PAGE_SIZE,
    offset: (list.page - 1) * PAGE_SIZE,
    // The pager shows how many match; the API counts only when asked.
    count: true,
  };
}
