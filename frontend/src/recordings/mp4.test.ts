import { describe, expect, it } from 'vitest';

import { codecsOf, initSegmentEnd } from './mp4';

/** An ISO BMFF box: size, type, payload. */
function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const size = 8 + payload.reduce((sum, part) => sum + part.length, 0);
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, size);
  bytes.set(new TextEncoder().encode(type), 4);
  let offset = 8;
  for (const part of payload) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

const concat = (...parts: Uint8Array[]) => box('xxxx', ...parts).subarray(8);

// avcC: version 1, profile 0x64 (High), compatibility 0x00, level 0x1f (3.1).
const avcC = box('avcC', new Uint8Array([1, 0x64, 0x00, 0x1f, 0xff, 0xe1]));
const stsd = box('stsd', new Uint8Array(8), box('avc1', new Uint8Array(78), avcC));
const moov = box('moov', box('trak', box('mdia', box('minf', box('stbl', stsd)))));
const init = concat(box('ftyp', new TextEncoder().encode('iso5')), moov);

describe('the init segment of a recording', () => {
  it('ends after moov, known only once moov has fully arrived', () => {
    const media = concat(init, box('moof', new Uint8Array(16)), box('mdat', new Uint8Array(100)));
    expect(initSegmentEnd(media)).toBe(init.length);
    expect(initSegmentEnd(media.subarray(0, init.length - 1))).toBeNull();
    expect(initSegmentEnd(media.subarray(0, 5))).toBeNull();
  });

  it('names H.264 by the avcC profile and level, with audio beside it', () => {
    expect(codecsOf(init)).toBe('avc1.64001f');
    const withAudio = concat(init.subarray(0, init.length), box('mp4a', new Uint8Array(28)));
    expect(codecsOf(withAudio)).toBe('avc1.64001f,mp4a.40.2');
  });

  it('has nothing to say about video MSE cannot be told about', () => {
    const hevc = box('moov', box('stsd', new Uint8Array(8), box('hvc1', new Uint8Array(78), box('hvcC', new Uint8Array(23)))));
    expect(codecsOf(hevc)).toBeNull();
  });
});
