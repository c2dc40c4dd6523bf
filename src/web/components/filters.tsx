import { useSearchParams } from 'react-router';

export const RANGES = ['5m', '15m', '1h', '6h', '24h', '7d', '30d'] as const;

/** Filters live in the URL, so every view is a link someone can share. */
export function useUrlParam(name: string, fallback = ''): [string, (value: string) => void] {
  const [search, setSearch] = useSearchParams();
  const value = search.get(name) ?? fallback;
  const set = (next: string) =>
    setSearch(
      (prev) => {
        const out = new URLSearchParams(prev);
        if (next === '' || next === fallback) out.delete(name);
        else out.set(name, next);
        return out;
      },
      { replace: true },
    );
  return [value, set];
}

export function RangePicker({ fallback = '15m' }: { fallback?: string }) {
  const [from, setFrom] = useUrlParam('from', fallback);
  return (
    <label className="field">
      Range
      <select aria-label="time range" value={from} onChange={(e) => setFrom(e.target.value)}>
        {[...new Set([...RANGES, from])].map((r) => (
          <option key={r} value={r}>
            last {r}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A URL-backed text filter (comma-separated values for list filters). */
export function TextFilter({
  name,
  label,
  placeholder,
}: {
  name: string;
  label: string;
  placeholder?: string;
}) {
  const [value, setValue] = useUrlParam(name);
  return (
    <label className="field">
      {label}
      <input
        aria-label={label}
        defaultValue={value}
        placeholder={placeholder ?? 'any'}
        onKeyDown={(e) => {
          if (e.key === 'Enter') setValue((e.target as HTMLInputElement).value.trim());
        }}
        onBlur={(e) => setValue(e.target.value.trim())}
      />
    </label>
  );
}

export function SelectFilter({
  name,
  label,
  options,
  fallback,
}: {
  name: string;
  label: string;
  options: readonly (readonly [string, string])[];
  fallback: string;
}) {
  const [value, setValue] = useUrlParam(name, fallback);
  return (
    <label className="field">
      {label}
      <select aria-label={label} value={value} onChange={(e) => setValue(e.target.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
