// Labels (of a MediaMTX node, or those a camera asks its node for) are typed
// as one comma-separated line of key=value pairs.

/** `site=north, zone=a` as the API's labels; a part without `=` is an error. */
export function parseLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').map((piece) => piece.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at <= 0) return `"${part}" is not key=value`;
    labels[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return labels;
}

export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
