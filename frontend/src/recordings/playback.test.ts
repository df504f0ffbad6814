import { describe, expect, it } from 'vitest';

import { playbackUrl } from './playback';

const T = Date.UTC(2026, 11, 4, 9, 0, 0);

describe('the playback address', () => {
  it('names the camera path, the instant in RFC 3339 and fragmented MP4, and no credential', () => {
    const url = playbackUrl(12, T, 60);
    expect(url).toBe('/playback/get?path=cam_12&start=2026-12-04T09%3A00%3A00.000Z&duration=60&format=fmp4');
    expect(url).not.toMatch(/token/i);
  });
});
