import { describe, expect, it } from 'vitest';

import type { AuditEntry } from '../api/client';
import { auditSentence } from './auditSentence';

const entry = (action: string, details: unknown, camera_id: number | null = null): AuditEntry =>
  ({ id: 1, at: '2026-12-04T03:12:00Z', actor: 'alice', action, camera_id, details }) as AuditEntry;

describe('the audit log in sentences', () => {
  it('says what changed on a camera, by name, with the old and new values', () => {
    const update = entry('camera.update', { changes: { location: { from: 'north', to: 'south' }, credentials: 'changed' } }, 7);
    expect(auditSentence(update, 'Gate 1')).toBe('alice changed Gate 1: location north → south; credentials changed');
  });

  it('names a camera from the entry when it was added, renamed away or deleted', () => {
    expect(auditSentence(entry('camera.create', { after: { name: 'Dock' } }, 3))).toBe('alice added Dock');
    expect(auditSentence(entry('camera.delete', { before: { name: 'Dock' } }, 3))).toBe('alice deleted Dock');
    expect(auditSentence(entry('camera.update', { changes: { enabled: { from: true, to: false } } }, 3))).toBe(
      'alice changed camera #3: enabled true → false',
    );
  });

  it('tells logins, users and tokens apart', () => {
    expect(auditSentence(entry('auth.login_failed', { username: 'bob', ip: '10.0.0.9' }))).toBe('A login as bob failed from 10.0.0.9');
    expect(auditSentence(entry('user.update', { user: { username: 'bob' }, changes: { groups: { from: null, to: ['lobby'] } } }))).toBe(
      'alice changed user bob: groups none → lobby',
    );
    expect(auditSentence(entry('token.revoke', { token: { name: 'kiosk' } }))).toBe('alice revoked API token kiosk');
  });

  it('names shared views and what changed in them', () => {
    expect(auditSentence(entry('view.create', { view: { name: 'Dock wall' } }))).toBe('alice shared view Dock wall');
    expect(auditSentence(entry('view.update', { view: { name: 'Dock wall' }, changes: { layout: { from: '4', to: '2+8' } } }))).toBe(
      'alice changed shared view Dock wall: layout 4 → 2+8',
    );
    expect(auditSentence(entry('view.delete', { view: { name: 'Dock wall' } }))).toBe('alice deleted shared view Dock wall');
  });

  it('names MediaMTX nodes and says why cameras left one', () => {
    expect(auditSentence(entry('node.create', { node: { name: 'mtx-1' } }))).toBe('alice registered MediaMTX node mtx-1');
    expect(auditSentence(entry('node.update', { node: { name: 'mtx-1' }, changes: { draining: { from: false, to: true } } }))).toBe(
      'alice changed MediaMTX node mtx-1: draining false → true',
    );
    expect(auditSentence(entry('node.failover', { node: { id: 2, name: 'mtx-2' }, why: 'failover', cameras: 3 }))).toBe(
      'alice moved 3 cameras off node mtx-2, which stopped answering',
    );
  });

  it('says what was exported and what was deleted of a camera\'s recordings', () => {
    const range = { start: '2026-12-04T12:00:00Z', end: '2026-12-04T12:05:00Z' };
    expect(auditSentence(entry('recording.export', { camera_id: 3, ...range }, 3), 'Dock')).toBe(
      'alice exported Dock from 2026-12-04T12:00:00Z to 2026-12-04T12:05:00Z',
    );
    const deleted = { since: range.start, until: range.end, deleted_segments: 30, deleted_bytes: 9000 };
    expect(auditSentence(entry('recording.delete', deleted, 3))).toBe(
      'alice deleted 30 recording segments (9000 bytes) of camera #3 from 2026-12-04T12:00:00Z to 2026-12-04T12:05:00Z',
    );
  });

  it('sums up imports and exports of the camera list', () => {
    expect(auditSentence(entry('camera.import', { created: 2, updated: 1, unchanged: 0, refused: 1 }))).toBe(
      'alice imported cameras: 2 added, 1 changed, 0 unchanged, 1 rows refused',
    );
    expect(auditSentence(entry('camera.export', { cameras: 40, format: 'csv' }))).toBe('alice exported the list of 40 cameras (csv)');
  });

  it('still says something of an action it does not know', () => {
    expect(auditSentence(entry('camera.teleport', {}))).toBe('alice: camera.teleport');
  });
});
