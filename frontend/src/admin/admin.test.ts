import { describe, expect, it } from 'vitest';

import type { User } from '../api/auth';
import { ApiError } from '../api/client';
import { expiryAfter, tokenStatus } from './tokens';
import { describeUserError, userPatch } from './users';

const USER: User = {
  id: 3,
  username: 'night-shift',
  role: 'viewer',
  groups: ['north', 'gates'],
  disabled: false,
  created_at: '2026-11-25T00:00:00Z',
  updated_at: '2026-11-25T00:00:00Z',
  last_login_at: null,
};

describe('a user edit', () => {
  const same = { role: USER.role, groups: 'gates, north', disabled: false };

  it('sends only what changed, so unchanged users keep their sessions', () => {
    expect(userPatch(USER, same, '')).toEqual({});
    expect(userPatch(USER, { ...same, role: 'operator', disabled: true }, '')).toEqual({ role: 'operator', disabled: true });
    expect(userPatch(USER, same, 'a new long password')).toEqual({ password: 'a new long password' });
  });

  it('lifts a group limit when the groups are emptied', () => {
    expect(userPatch(USER, { ...same, groups: ' ' }, '')).toEqual({ groups: null });
    expect(userPatch({ ...USER, groups: null }, { ...same, groups: 'dock' }, '')).toEqual({ groups: ['dock'] });
  });

  it('explains the last admin, and a taken username next to its field', () => {
    const lastAdmin = new ApiError(409, { type: 'urn:camplane:problem:last-admin', title: 'Conflict', status: 409, detail: 'last admin' }, '');
    expect(describeUserError(lastAdmin).message).toMatch(/at least one enabled admin/);
    const taken = new ApiError(409, { type: 'urn:camplane:problem:conflict', title: 'Conflict', status: 409, detail: 'username taken' }, '');
    expect(describeUserError(taken)).toEqual({ message: 'Some fields need attention.', fields: { username: 'username taken' } });
  });
});

describe('API tokens', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');

  it('are active, expired or revoked', () => {
    expect(tokenStatus({ expires_at: null, revoked_at: null }, now)).toBe('active');
    expect(tokenStatus({ expires_at: '2026-12-01T00:00:00Z', revoked_at: null }, now)).toBe('active');
    expect(tokenStatus({ expires_at: '2026-11-25T11:59:59Z', revoked_at: null }, now)).toBe('expired');
    expect(tokenStatus({ expires_at: '2026-11-25T11:59:59Z', revoked_at: '2026-11-20T00:00:00Z' }, now)).toBe('revoked');
  });

  it('expire after the chosen number of days, or never', () => {
    expect(expiryAfter(30, now)).toBe('2026-12-25T12:00:00.000Z');
    expect(expiryAfter(null, now)).toBeNull();
  });
});
