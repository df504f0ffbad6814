// Just enough of ISO BMFF to hand a recording to Media Source Extensions:
// where the init segment (ftyp + moov) ends, and the codecs it declares,
// which `addSourceBuffer` needs spelled out (`avc1.PPCCLL`).

/** Where the top-level `moov` box ends, once `bytes` holds all of it; null until then. */
export function initSegmentEnd(bytes: Uint8Array): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    let size = view.getUint32(offset);
    const type = fourcc(bytes, offset + 4);
    if (size === 1) {
      if (offset + 16 > bytes.length) return null;
      size = Number(view.getBigUint64(offset + 8));
    }
    // Size 0 (to the end of the file) never starts a stream's moov.
    if (size < 8) return null;
    if (type === 'moov') return offset + size <= bytes.length ? offset + size : null;
    offset += size;
  }
  return null;
}

function fourcc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

const hex = (byte: number) => byte.toString(16).padStart(2, '0');

/**
 * The RFC 6381 codecs of an init segment's tracks, for
 * `video/mp4; codecs="…"`: H.264 from its avcC (profile, compatibility,
 * level), AAC and Opus by their sample entries. Null when it has no video
 * the browser can be told about (H.265, MJPEG).
 */
export function codecsOf(init: Uint8Array): string | null {
  const codecs: string[] = [];
  // The sample entries sit deep in moov (trak/mdia/minf/stbl/stsd); their
  // four-letter types don't occur by chance inside an init segment's
  // handful of boxes, so finding them by type is enough.
  for (let offset = 4; offset + 4 <= init.length; offset++) {
    const type = fourcc(init, offset);
    if (type === 'avcC' && offset + 8 <= init.length) {
      codecs.push(`avc1.${hex(init[offset + 5] ?? 0)}${hex(init[offset + 6] ?? 0)}${hex(init[offset + 7] ?? 0)}`);
    } else if (type === 'mp4a') {
      codecs.push('mp4a.40.2');
    } else if (type === 'Opus') {
      codecs.push('opus');
    }
  }
  return codecs.some((codec) => codec.startsWith('avc1.')) ? codecs.join(',') : null;
}
