// The typed API client. `schema.d.ts` is generated from docs/openapi.json on
// every build, lint and test, so an API change that breaks the console
// fails here rather than in an operator's browser.
import createClient from 'openapi-fetch';

import { currentSession, needsCsrf, sessionEnded, type Role } from './auth';
import type { components, paths } from './schema';

export type Camera = components['schemas']['CameraView'];
export type CameraStatus = components['schemas']['CameraStatus'];
export type CameraInput = components['schemas']['NewCameraInput'];
export type CameraPatch = components['schemas']['CameraPatch'];
export type RecordingMode = components['schemas']['RecordingMode'];
export type Recordings = components['schemas']['Recordings'];
export type Span = components['schemas']['Span'];
export type Probe = components['schemas']['Probe'];
export type Problem = components['schemas']['Problem'];
export type State = components['schemas']['State'];
export type ProbeCode = components['schemas']['Code'];
export type ApiToken = components['schemas']['ApiToken'];
export type NewApiToken = components['schemas']['NewApiToken'];
export type AuditEntry = components['schemas']['Entry'];
export type MediaMtxNode = components['schemas']['Node'];

const CSRF_PROBLEM = 'urn:camplane:problem:csrf';

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });

// Every call carries the session (the cookie, plus the CSRF token where the
// method needs it), and a 401 anywhere sends the console to its login page.
api.use({
  onRequest({ request }) {
    const csrf = currentSession()?.csrf_token;
    if (csrf && needsCsrf(request.method)) request.headers.set('X-CSRF-Token', csrf);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) sessionEnded();
    return response;
  },
});

/**
 * A 403 in the operator's terms. The server's detail can't know what the
 * console shows, so it names the role; a refused CSRF token means the
 * session behind the cookie is no longer the one this page holds.
 */
export function forbiddenMessage(problemType: string | undefined, role: Role | null): string {
  if (problemType === CSRF_PROBLEM) {
    return 'You logged in again in another tab or window. Reload this page, then try again.';
  }
  return role ? `Your role (${role}) can't do this.` : "Your account can't do this.";
}

/** An API answer that is not a success, as the operator should read it. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined, fallback: string) {
    super(
      status === 403
        ? forbiddenMessage(problem?.type, currentSession()?.user.role ?? null)
        : (problem?.detail ?? fallback),
    );
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** Field name → message, from a 422's `errors`. */
  fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const error of this.problem?.errors ?? []) {
      fields[error.field] ??= error.message;
    }
    return fields;
  }
}

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    'type' in body &&
    'status' in body &&
    'detail' in body
  );
}

/**
 * The data of a successful call, or an ApiError built from its problem+json.
 * Every API error is problem+json (the edge's own errors too), but a proxy
 * in between may answer otherwise, so the status text is the fallback.
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, undefined, 'The server cannot be reached. Check the network and retry.');
  }
  const { data, error, response } = result;
  if (response.ok && data !== undefined) {
    return data;
  }
  if (response.ok) {
    // 204 No Content: the caller asked for nothing back.
    return undefined as T;
  }
  throw new ApiError(
    response.status,
    isProblem(error) ? error : undefined,
    `The server answered ${response.status} ${response.statusText}`.trim(),
  );
}
