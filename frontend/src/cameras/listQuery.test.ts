import { describe, expect, it } from 'vitest';

import { apiQuery, nextSort, readListQuery, sortDirection } from './listQuery';

describe('camera list query', () => {
  it('reads filters, sort and page from the address bar, ignoring nonsense', () => {
    expect(readListQuery(new URLSearchParams('q=dock&enabled=false&state=offline&group=site-2&sort=-name&page=3'))).toEqual({
      q: 'dock',
      enabled: 'false',
      state: 'offline',
      group: 'site-2',
      sort: '-name',
      page: 3,
    });
    expect(readListQuery(new URLSearchParams('enabled=maybe&state=odd&page=-1'))).toMatchObject({
      enabled: '',
      state: '',
      page: 1,
    });
  });

  it('turns a page number into the API offset', () => {
    expect(apiQuery(readListQuery(new URLSearchParams('page=2&enabled=true&group=site-2.dock')))).toEqual({
      enabled: true,
      group: 'site-2.dock',
      sort: 'name',
      limit: 25,
      offset: 25,
      count: true,
    });
  });

  it('sorts by a column, then reverses it', () => {
    expect(nextSort('name', 'location')).toBe('location');
    expect(nextSort('location', 'location')).toBe('-location');
    expect(sortDirection('-location', 'location')).toBe('descending');
    expect(sortDirection('-location', 'name')).toBe('none');
  });
});
