// The service's API from the browser: JSON in and out (files as they are), the session's CSRF token on
// every write, and the server's message in every error.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The status of an ApiError when no answer came at all (the network, or the service is down). */
export const NO_ANSWER = 0;

/** Answers that come from a proxy in front of the service, not from it: the service is out of reach. */
const GATEWAY_ERRORS = new Set([502, 503, 504]);

/**
 * Whether a request failed because the service could not be reached (worth trying again later), rather
 * than because the service refused it (a 4xx: the same request would be refused again).
 */
export function isUnreachable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === NO_ANSWER || GATEWAY_ERRORS.has(error.status));
}

const answerListeners = new Set<() => void>();

/** Calls `listener` whenever the service answers a request (so that what waited for it can go on). */
export function onServiceAnswer(listener: () => void): void {
  answerListeners.add(listener);
}

let csrfToken = '';

/** The token the service expects in x-csrf-token on writes (from GET /api/session, login and sign-up). */
export function useCsrfToken(token: string): void {
  csrfToken = token;
}

/** The parsed JSON of an answer; undefined when empty, or not JSON (a proxy's error page). */
function parsed(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  type = 'application/json',
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = type;
  let response: Response;
  let text: string;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      signal,
      body: body === undefined || body instanceof Blob ? body : JSON.stringify(body),
    });
    text = await response.text();
  } catch (error) {
    // A request cancelled by its caller (a newer search) is no failure of the service.
    if (signal?.aborted) throw error;
    // fetch only rejects when no answer arrived: offline, refused connection, cut off.
    throw new ApiError(NO_ANSWER, 'the service cannot be reached');
  }
  const data = parsed(text);
  if (!GATEWAY_ERRORS.has(response.status)) for (const listener of answerListeners) listener();
  if (!response.ok) {
    const message = (data as { message?: string } | undefined)?.message ?? response.statusText;
    throw new ApiError(response.status, message || `HTTP ${response.status}`);
  }
  return data as T;
}

/** A query string from the defined values (an array repeats its parameter). */
export function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    for (const item of Array.isArray(value) ? value : [value])
      if (item !== undefined && item !== '') search.append(key, String(item));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const api = {
  /** `signal` cancels it (a newer request made it useless). */
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  delete: <T>(path: string, body?: unknown) => request<T>('DELETE', path, body),
  /** Sends a file's bytes unchanged (a gzipped file stays gzipped). */
  upload: <T>(path: string, file: Blob, type: string) => request<T>('POST', path, file, type),
};
