import { describe, expect, it } from 'vitest';

import { describeFailure, describeProbe } from './probe';

describe('probe results in plain words', () => {
  it('explain each failure code', () => {
    expect(describeFailure('AUTH')).toMatch(/wrong user or password/i);
    expect(describeFailure('NOT_FOUND')).toMatch(/no such stream/i);
    expect(describeFailure('UNREACHABLE')).toMatch(/not reachable/i);
    expect(describeFailure('TIMEOUT')).toMatch(/timed out/i);
    expect(describeFailure('SOMETHING_NEW')).toMatch(/could not be read/i);
  });

  it('sum up a working camera', () => {
    expect(
      describeProbe({
        ok: true,
        rtt_ms: 230,
        probed_at: '2026-11-25T00:00:00Z',
        video: { codec: 'h264', width: 640, height: 360, frame_rate: 25 },
        audio: { codec: 'aac' },
      }),
    ).toBe('H264 640×360 · 25 fps · AAC audio · answered in 230 ms');
  });
});
