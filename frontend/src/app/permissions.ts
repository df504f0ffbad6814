// What each role may do in the console, mirroring the API's rules so the
// console doesn't offer what the server would refuse. The server decides;
// this only hides buttons.
import type { Role } from '../api/auth';

export type Action =
  | 'manage-cameras'
  | 'manage-users'
  | 'manage-tokens'
  | 'read-audit'
  | 'share-views'
  | 'export-recordings'
  | 'manage-nodes';

// Everyone may watch, play recordings, take snapshots and read cameras and
// their status.
const ALLOWED: Record<Role, readonly Action[]> = {
  admin: ['manage-cameras', 'manage-users', 'manage-tokens', 'read-audit', 'share-views', 'export-recordings', 'manage-nodes'],
  operator: ['manage-cameras', 'share-views', 'export-recordings'],
  viewer: [],
};

export function can(role: Role | null, action: Action): boolean {
  return role !== null && ALLOWED[role].includes(action);
}
