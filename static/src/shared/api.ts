// REST calls under /api/v1 with the session cookie. Writes carry the CSRF token header,
// which the server requires for cookie-authenticated requests.
//
// Calls are typed by the generated OpenAPI `paths`: `api.get(`/workspaces/${id}/channels`)`
// resolves to that operation's 200 (or 201) JSON body, and the body argument of a write is the
// operation's request body. A path the document does not describe answers `unknown`.

import type { paths } from '../api/types';

const csrfToken = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The request field the server refused (`invalid` errors name one), or null. */
  readonly field: string | null;

  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type PathKey = keyof paths;
type Relative<K> = K extends `/api/v1${infer Rest}` ? Rest : never;
type PathParams<K extends PathKey> = paths[K] extends { parameters: { path: infer P } } ? P : Record<string, never>;
/** '/channels/{channel_id}/pins' -> `/channels/${number}/pins` (string for string parameters). */
type Fill<S extends string, P> = S extends `${infer Head}{${infer Name}}${infer Tail}`
  ? `${Head}${Name extends keyof P ? (P[Name] extends number ? number : string) : string}${Fill<Tail, P>}`
  : S;
type Shape<K extends PathKey> = Fill<Relative<K>, PathParams<K>>;
type RoutesFor<M extends Method> = {
  [K in PathKey]: paths[K][M] extends { responses: unknown } ? K : never;
}[PathKey];
/** The documented route a path string is an instance of (a query string may follow). */
type RouteOf<M extends Method, P extends string> = {
  [K in RoutesFor<M>]: P extends Shape<K> | `${Shape<K>}?${string}` ? K : never;
}[RoutesFor<M>];
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : unknown;
type SuccessOf<Op> = Op extends { responses: infer R }
  ? R extends { 200: infer Ok } ? JsonOf<Ok> : R extends { 201: infer Created } ? JsonOf<Created> : unknown
  : unknown;
type BodyOf<Op> = Op extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : Record<string, never>;

/** What a successful call answers. */
export type Result<M extends Method, P extends string> = [RouteOf<M, P>] extends [never]
  ? unknown
  : SuccessOf<paths[RouteOf<M, P>][M]>;
/** What a write sends. Every field is optional here: the document marks fields that have a
 *  server-side default as required too, and the server answers a missing required field with
 *  `invalid` anyway. Names and value types are still checked. */
export type Body<M extends Method, P extends string> = [RouteOf<M, P>] extends [never]
  ? object
  : Partial<BodyOf<paths[RouteOf<M, P>][M]>>;

function errorOf(data: unknown): { code?: string; message?: string; field?: string } {
  if (typeof data !== 'object' || data === null || !('error' in data)) return {};
  const error: unknown = data.error;
  if (typeof error !== 'object' || error === null) return {};
  const { code, message, field } = error as Record<string, unknown>;
  return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined,
    field: typeof field === 'string' ? field : undefined };
}

async function request(method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached');
  }
  if (response.status === 401) {
    // The session has ended (signed out in another tab, expired): start again at the login page.
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, 'unauthorized', 'Signed out');
  }
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const err = errorOf(data);
    throw new ApiError(response.status, err.code ?? 'http_error', err.message ?? response.statusText, err.field ?? null);
  }
  return data;
}

// The server validates every answer's shape against the same document the types come from
// (tests/test_openapi.py), so the cast below is where the network boundary is crossed.
export const api = {
  get: <P extends string>(path: P) => request('GET', path) as Promise<Result<'get', P>>,
  post: <P extends string>(path: P, body: Body<'post', P> = {}) =>
    request('POST', path, body) as Promise<Result<'post', P>>,
  patch: <P extends string>(path: P, body: Body<'patch', P>) => request('PATCH', path, body) as Promise<Result<'patch', P>>,
  put: <P extends string>(path: P, body: Body<'put', P> = {}) =>
    request('PUT', path, body) as Promise<Result<'put', P>>,
  del: <P extends string>(path: P) => request('DELETE', path) as Promise<Result<'delete', P>>,
};

export { csrfToken };
