import { describe, expect, it } from 'vitest';

import { joinStreamUrl, splitStreamUrl } from './streamUrl';

describe('stream URL and credentials', () => {
  it('splits a masked URL so the password is never shown', () => {
    expect(splitStreamUrl('rtsp://admin:***@192.0.2.10:554/stream1')).toEqual({
      address: 'rtsp://192.0.2.10:554/stream1',
      user: 'admin',
      hasStoredPassword: true,
    });
    expect(splitStreamUrl('rtsp://192.0.2.10/live').hasStoredPassword).toBe(false);
  });

  it('keeps the stored password unless one is typed', () => {
    expect(joinStreamUrl('rtsp://192.0.2.10:554/s', 'admin', '', true)).toBe('rtsp://admin:***@192.0.2.10:554/s');
    expect(joinStreamUrl('rtsp://192.0.2.10:554/s', 'admin', 'n3w', true)).toBe('rtsp://admin:n3w@192.0.2.10:554/s');
    expect(joinStreamUrl('rtsp://192.0.2.10:554/s', 'admin', '', false)).toBe('rtsp://admin@192.0.2.10:554/s');
  });

  it('percent-encodes credentials with reserved characters', () => {
    expect(joinStreamUrl('rtsp://cam/s', 'ad@min', 'p:w/d@#', false)).toBe('rtsp://ad%40min:p%3Aw%2Fd%40%23@cam/s');
    expect(splitStreamUrl('rtsp://ad%40min:***@cam/s').user).toBe('ad@min');
  });

  it('takes an address typed with its own credentials as it is', () => {
    expect(joinStreamUrl(' rtsp://u:p@cam/s ', 'other', 'x', true)).toBe('rtsp://u:p@cam/s');
  });

  it('leaves text that is not a URL to the API to reject', () => {
    expect(joinStreamUrl('not a url', 'admin', 'pw', false)).toBe('not a url');
  });
});
