// The rules of the user form that don't need a browser.
import type { Role, User } from '../api/auth';
import type { ApiError } from '../api/client';
import type { components } from '../api/schema';
import { parseGroupLimit, sameGroups } from '../app/groups';

export type UserPatch = components['schemas']['UserPatch'];

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export const ROLE_HINTS: Record<Role, string> = {
  viewer: 'Watches live video and snapshots, and sees cameras and their status. Changes nothing.',
  operator: 'Also adds, edits and deletes cameras and tests their connections.',
  admin: 'Everything, including users, API tokens and the audit log.',
};

const LAST_ADMIN = 'urn:camplane:problem:last-admin';

export interface UserFields {
  role: Role;
  /** Camera groups as typed; empty for every camera. */
  groups: string;
  disabled: boolean;
}

/**
 * Only what changed: the server ends a user's sessions when their password,
 * role, groups or status change, so resending unchanged values must not
 * look like a change.
 */
export function userPatch(user: User, fields: UserFields, password: string): UserPatch {
  const patch: UserPatch = {};
  if (password) patch.password = password;
  if (fields.role !== user.role) patch.role = fields.role;
  const groups = parseGroupLimit(fields.groups);
  if (!sameGroups(groups, user.groups)) patch.groups = groups;
  if (fields.disabled !== user.disabled) patch.disabled = fields.disabled;
  return patch;
}

/** A refused user change: the message, and the fields to mark. */
export function describeUserError(err: ApiError): { message: string; fields: Record<string, string> } {
  if (err.problem?.type === LAST_ADMIN) {
    return {
      message:
        'Camplane must keep at least one enabled admin, and this is the last one. Make another user an admin first, then try again.',
      fields: {},
    };
  }
  const fields = err.fieldErrors();
  // The other 409: someone already has that username.
  if (err.status === 409 && Object.keys(fields).length === 0) fields.username = err.message;
  return { message: Object.keys(fields).length ? 'Some fields need attention.' : err.message, fields };
}
