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

let csrfToken = '';

/** The token the service expects in x-csrf-token on writes (from GET /api/session, login and sign-up). */
export function useCsrfToken(token: string): void {
  csrfToken = token;
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
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    signal,
    body: body === undefined || body instanceof Blob ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const message = (data as { message?: string } | undefined)?.message ?? response.statusText;
    throw new ApiError(response.status, message);
  }
  return data as T;
}

/** A query string from the defined values. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
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
