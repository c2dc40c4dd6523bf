import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';

/** An API answer that was not 2xx: the status and the server's own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'kubeburner.token';

export const token = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (value: string) => localStorage.setItem(TOKEN_KEY, value),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

function headers(): HeadersInit {
  const t = token.get();
  return t ? { authorization: `Bearer ${t}` } : {};
}

export type Params = Record<string, string | number | undefined | null>;

export function apiUrl(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const q = query.toString();
  return `/api${path}${q ? `?${q}` : ''}`;
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // not JSON: keep the text
  }
  return new ApiError(res.status, message || res.statusText);
}

export async function apiGet<T>(path: string, params: Params = {}): Promise<T> {
  const res = await fetch(apiUrl(path, params), { headers: headers() });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function apiPost<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(apiUrl(path), {
    method: 'POST',
    headers: { ...headers(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Downloads an API answer as a file (a plain link could not send the token). */
export async function apiDownload(path: string, params: Params, filename: string): Promise<void> {
  const res = await fetch(apiUrl(path, params), { headers: headers() });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Refresh period while live refresh is on (the URL's live=0 pauses it). */
const LIVE_MS = 5000;

/** An API read that refreshes while live, keeping the last answer on screen while it does. */
export function useApi<T>(path: string | null, params: Params = {}) {
  const [search] = useSearchParams();
  const live = search.get('live') !== '0';
  return useQuery({
    queryKey: [path, params],
    queryFn: () => apiGet<T>(path as string, params),
    enabled: path !== null,
    refetchInterval: live ? LIVE_MS : false,
    placeholderData: keepPreviousData,
    retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
  });
}
