// The form edits a camera's address and its credentials separately, so the
// stored password is never shown: the API masks it as `***`, and sending the
// mask back keeps it.

export const PASSWORD_MASK = '***';

export interface StreamParts {
  /** The URL without credentials, e.g. rtsp://192.0.2.10:554/stream1 */
  address: string;
  user: string;
  /** True when the camera has a stored password (shown as `***`). */
  hasStoredPassword: boolean;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

export function splitStreamUrl(streamUrl: string): StreamParts {
  const url = parse(streamUrl);
  if (!url) return { address: streamUrl, user: '', hasStoredPassword: false };
  const user = decodeURIComponent(url.username);
  const hasStoredPassword = url.password !== '';
  url.username = '';
  url.password = '';
  return { address: url.toString(), user, hasStoredPassword };
}

/**
 * The URL to save. An empty password keeps the stored one (the mask); an
 * address typed with its own credentials is taken as it is.
 */
export function joinStreamUrl(address: string, user: string, password: string, keepStored: boolean): string {
  const url = parse(address.trim());
  if (!url || url.username || url.password || !user) return address.trim();
  url.username = encodeURIComponent(user);
  if (password) url.password = encodeURIComponent(password);
  else if (keepStored) url.password = PASSWORD_MASK;
  return url.toString();
}
