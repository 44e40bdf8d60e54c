/** The one way to the APIs: `/api/<service>/<path>` on the gateway (same origin, the session cookie), the CSRF
 * token of the `ot_csrf` cookie on unsafe methods, problem+json answers as a typed ApiError, 401 → sign-in. */

export type Service = "purchasing" | "sales" | "inventory" | "finance" | "notifier" | "analytics" | "gateway";

export interface FieldError {
  field: string;
  reason: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly title: string;
  readonly detail: string | null;
  readonly errors: FieldError[];
  /** The problem's other members (e.g. `id`, `po_no`): values for the console's own message of the code. */
  readonly extra: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown> | null) {
    const title = typeof body?.title === "string" ? body.title : `HTTP ${status}`;
    const detail = typeof body?.detail === "string" ? body.detail : null;
    super(detail ?? title);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof body?.code === "string" ? body.code : null;
    this.title = title;
    this.detail = detail;
    this.errors = Array.isArray(body?.errors) ? (body.errors as FieldError[]).filter((e) => e && e.field) : [];
    const standard = new Set(["type", "title", "status", "detail", "code", "errors", "instance"]);
    this.extra = Object.fromEntries(Object.entries(body ?? {}).filter(([k]) => !standard.has(k)));
  }

  /** The reason given for one field (`lines.0.qty`, or its last part `qty`), if any. */
  fieldReason(field: string): string | undefined {
    return this.errors.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.reason;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>;

export function queryString(query?: Query): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

export function cookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let onUnauthorized: () => void = () => {
  const here = window.location.pathname + window.location.search;
  if (!window.location.pathname.startsWith("/login")) window.location.assign(`/login?next=${encodeURIComponent(here)}`);
};

/** Where a 401 goes (the app sets it to a router navigation; tests to a spy). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Don't redirect to sign-in on 401 (the sign-in page itself, /auth/me). */
  allow401?: boolean;
}

export async function request<T>(method: string, url: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (UNSAFE.has(method)) {
    const csrf = cookie("ot_csrf");
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await fetch(url + queryString(options.query), {
    method,
    headers,
    body,
    credentials: "include",
    signal: options.signal,
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !options.allow401) onUnauthorized();
    throw new ApiError(response.status, (parsed as Record<string, unknown>) ?? { title: text.slice(0, 200) });
  }
  return parsed as T;
}

/** `/api/<service>/<path>`: a service's `/api/v1/<path>` through the gateway. */
export function apiUrl(service: Service, path: string): string {
  return `/api/${service}${path.startsWith("/") ? path : `/${path}`}`;
}

export const api = {
  get: <T>(service: Service, path: string, options?: RequestOptions) =>
    request<T>("GET", apiUrl(service, path), options),
  post: <T>(service: Service, path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("POST", apiUrl(service, path), { ...options, body }),
  put: <T>(service: Service, path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("PUT", apiUrl(service, path), { ...options, body }),
  patch: <T>(service: Service, path: string, body?: unknown, options?: RequestOptions) =>
    request<T>("PATCH", apiUrl(service, path), { ...options, body }),
  delete: <T>(service: Service, path: string, options?: RequestOptions) =>
    request<T>("DELETE", apiUrl(service, path), options),
  /** The download URL of a list endpoint's export (`?format=csv|xlsx`). */
  exportUrl: (service: Service, path: string, query: Query, format: "csv" | "xlsx") =>
    apiUrl(service, path) + queryString({ ...query, limit: undefined, offset: undefined, format }),
};
