import { describe, expect, it } from 'vitest';

import { can } from './permissions';

describe('what each role may do', () => {
  it.each([
    ['admin', true, true, true, true, true, true],
    ['operator', true, false, false, false, true, true],
    ['viewer', false, false, false, false, false, false],
    [null, false, false, false, false, false, false],
  ] as const)('%s', (role, cameras, users, tokens, audit, share, exports) => {
    expect(can(role, 'manage-cameras')).toBe(cameras);
    expect(can(role, 'manage-users')).toBe(users);
    expect(can(role, 'manage-tokens')).toBe(tokens);
    expect(can(role, 'read-audit')).toBe(audit);
    expect(can(role, 'share-views')).toBe(share);
    expect(can(role, 'export-recordings')).toBe(exports);
  });
});
