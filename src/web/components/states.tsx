import { useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, token } from '../api.ts';

/** Loading, empty and error states, so a page never shows a blank or a stale number silently. */

export function Loading({ what }: { what: string }) {
  return (
    <div className="state loading" role="status">
      Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>;
}

/** Asks for an API token and retries every read with it. */
export function TokenForm({ message }: { message: string }) {
  const client = useQueryClient();
  const [value, setValue] = useState('');
  return (
    <form
      className="state error"
      onSubmit={(e) => {
        e.preventDefault();
        token.set(value.trim());
        void client.invalidateQueries();
      }}
    >
      <p>This KubeBurner needs an API token: {message}</p>
      <input
        aria-label="API token"
        type="password"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        placeholder="paste an API token"
      />
      <button type="submit">Use token</button>
    </form>
  );
}

/** An API error, in words; a 401 asks for a token. */
export function ErrorState({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 401) return <TokenForm message={error.message} />;
  const status = error instanceof ApiError ? `HTTP ${error.status}: ` : '';
  return (
    <div className="state error" role="alert">
      {status}
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

/** Shows the state of one API read, or its content once there is data. */
export function Async<T>({
  query,
  what,
  children,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.error && query.data === undefined) return <ErrorState error={query.error} />;
  if (query.isPending || query.data === undefined) return <Loading what={what} />;
  return (
    <>
      {query.error ? <ErrorState error={query.error} /> : null}
      {children(query.data)}
    </>
  );
}
