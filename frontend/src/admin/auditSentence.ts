// The audit log as an operator reads it: one sentence per entry, with names
// rather than ids. The entry's own JSON stays available, folded, for what a
// sentence leaves out.
import type { AuditEntry } from '../api/client';

/** The actions the service records, for the log's filter. */
export const AUDIT_ACTIONS = [
  'camera.create',
  'camera.update',
  'camera.delete',
  'camera.probe_with_stored_password',
  'camera.import',
  'camera.export',
  'reconcile.force',
  'recording.export',
  'recording.delete',
  'user.create',
  'user.update',
  'user.delete',
  'user.password_change',
  'token.create',
  'token.revoke',
  'view.create',
  'view.update',
  'view.delete',
  'node.create',
  'node.update',
  'node.delete',
  'node.failover',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.password_change_failed',
  'secrets.rotate_key',
] as const;

type Details = Record<string, unknown>;

const FIELD_NAMES: Record<string, string> = {
  stream_url: 'stream URL',
  max_readers: 'reader limit',
  on_demand: 'on demand',
  credentials: 'credentials',
};

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'none';
  if (Array.isArray(value)) return value.length ? value.map(text).join(', ') : 'none';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function field(object: unknown, key: string): unknown {
  return object !== null && typeof object === 'object' ? (object as Details)[key] : undefined;
}

/** `location north → south; enabled true → false`, from `{field: {from, to}}` or `{field: "changed"}`. */
function changes(list: unknown): string {
  if (list === null || typeof list !== 'object') return '';
  return Object.entries(list as Details)
    .map(([name, change]) => {
      const label = FIELD_NAMES[name] ?? name;
      if (change !== null && typeof change === 'object' && 'to' in change) {
        return `${label} ${text(field(change, 'from'))} → ${text(field(change, 'to'))}`;
      }
      return `${label} ${text(change)}`;
    })
    .join('; ');
}

/**
 * One sentence for `entry`. `cameraName` names the camera it is about when
 * the entry itself doesn't (an edit that kept the name).
 */
export function auditSentence(entry: AuditEntry, cameraName?: string): string {
  const details = entry.details as Details;
  const who = entry.actor;
  const camera =
    text(field(details.after, 'name')) !== 'none'
      ? text(field(details.after, 'name'))
      : text(field(details.before, 'name')) !== 'none'
        ? text(field(details.before, 'name'))
        : (cameraName ?? (entry.camera_id ? `camera #${entry.camera_id}` : 'a camera'));
  const user = text(field(details.user, 'username'));
  const token = text(field(details.token, 'name'));
  const view = text(field(details.view, 'name'));
  const node = text(field(details.node, 'name'));
  const from = details.ip ? ` from ${text(details.ip)}` : '';
  switch (entry.action) {
    case 'camera.create':
      return `${who} added ${camera}`;
    case 'camera.delete':
      return `${who} deleted ${camera}`;
    case 'camera.update':
      return `${who} changed ${camera}: ${changes(details.changes)}`;
    case 'camera.probe_with_stored_password':
      return `${who} tested ${camera} with its stored password`;
    case 'camera.import':
      return `${who} imported cameras: ${text(details.created)} added, ${text(details.updated)} changed, ${text(details.unchanged)} unchanged, ${text(details.refused)} rows refused`;
    case 'camera.export':
      return `${who} exported the list of ${text(details.cameras)} cameras (${text(details.format)})`;
    case 'recording.export':
      return `${who} exported ${camera} from ${text(details.start)} to ${text(details.end)}`;
    case 'recording.delete':
      return `${who} deleted ${text(details.deleted_segments)} recording segments (${text(details.deleted_bytes)} bytes) of ${camera} from ${text(details.since)} to ${text(details.until)}`;
    case 'reconcile.force':
      return `${who} asked MediaMTX to be brought in line with the registry`;
    case 'user.create':
      return `${who} added user ${user} (${text(field(details.user, 'role'))})`;
    case 'user.update':
      return `${who} changed user ${user}: ${changes(details.changes)}`;
    case 'user.delete':
      return `${who} deleted user ${user}`;
    case 'user.password_change':
      return `${who} changed their password`;
    case 'token.create':
      return `${who} created API token ${token} (${text(field(details.token, 'role'))})`;
    case 'token.revoke':
      return `${who} revoked API token ${token}`;
    case 'view.create':
      return `${who} shared view ${view}`;
    case 'view.update':
      return `${who} changed shared view ${view}: ${changes(details.changes)}`;
    case 'view.delete':
      return `${who} deleted shared view ${view}`;
    case 'node.create':
      return `${who} registered MediaMTX node ${node}`;
    case 'node.update':
      return `${who} changed MediaMTX node ${node}: ${changes(details.changes)}`;
    case 'node.delete':
      return `${who} removed MediaMTX node ${node}`;
    case 'node.failover':
      return details.why === 'failover'
        ? `${who} moved ${text(details.cameras)} cameras off node ${node}, which stopped answering`
        : `${who} moved ${text(details.cameras)} cameras off node ${node} (draining, smaller, or without the labels they need)`;
    case 'auth.login':
      return `${who} logged in${from}`;
    case 'auth.login_failed':
      return `A login as ${text(details.username)} failed${from}`;
    case 'auth.logout':
      return `${who} logged out`;
    case 'auth.password_change_failed':
      return `${who} gave a wrong current password${from}`;
    case 'secrets.rotate_key':
      return `${who} sealed ${text(details.cameras)} camera passwords under a new key`;
    default:
      return `${who}: ${entry.action}`;
  }
}
