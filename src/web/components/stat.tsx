import type { ReactNode } from 'react';

/** One headline number with its label; `testId` lets the browser tests read it. */
export function Stat({
  label,
  value,
  hint,
  tone,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  tone?: 'bad' | 'warn' | 'ok';
  testId?: string;
}) {
  return (
    <div className={`stat ${tone ?? ''}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}

export function Card({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="card">
      <header>
        <h2>{title}</h2>
        {actions ? <div className="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

/** A 0–1 share as a small bar. */
export function Meter({ value, tone }: { value: number | null; tone?: 'bad' | 'warn' | 'ok' }) {
  const width = value === null ? 0 : Math.max(0, Math.min(1, value)) * 100;
  return (
    <span className={`meter ${tone ?? ''}`}>
      <span style={{ width: `${width}%` }} />
    </span>
  );
}
