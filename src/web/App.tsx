import { NavLink, Route, Routes, useLocation, useSearchParams } from 'react-router';
import { useIsFetching } from '@tanstack/react-query';
import { ApiError, token, useApi } from './api.ts';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { RequestsPage } from './pages/RequestsPage.tsx';
import { RequestPage } from './pages/RequestPage.tsx';
import { SloPage } from './pages/SloPage.tsx';
import { CostPage } from './pages/CostPage.tsx';
import { KvCachePage } from './pages/KvCachePage.tsx';
import { SchedulerPage } from './pages/SchedulerPage.tsx';
import { GpuPage } from './pages/GpuPage.tsx';
import { IncidentsPage } from './pages/IncidentsPage.tsx';
import { Empty, TokenForm } from './components/states.tsx';

const PAGES = [
  ['/', 'Overview'],
  ['/requests', 'Requests'],
  ['/slos', 'SLOs'],
  ['/cost', 'Cost'],
  ['/kv-cache', 'KV cache'],
  ['/scheduler', 'Scheduler'],
  ['/gpus', 'GPUs'],
  ['/incidents', 'Incidents'],
] as const;

/** Carries the range and live setting from page to page; other filters belong to their page. */
function carried(search: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const key of ['from', 'live']) {
    const v = search.get(key);
    if (v) out.set(key, v);
  }
  const q = out.toString();
  return q ? `?${q}` : '';
}

function LiveToggle() {
  const [search, setSearch] = useSearchParams();
  const live = search.get('live') !== '0';
  const fetching = useIsFetching();
  return (
    <button
      type="button"
      className={`live ${live ? 'on' : ''}`}
      title="Refresh every 5 s"
      onClick={() =>
        setSearch(
          (prev) => {
            const out = new URLSearchParams(prev);
            if (live) out.set('live', '0');
            else out.delete('live');
            return out;
          },
          { replace: true },
        )
      }
    >
      <span className={`dot ${fetching > 0 ? 'busy' : ''}`} /> {live ? 'Live' : 'Paused'}
    </button>
  );
}

function Who() {
  const who = useApi<{ name: string; teams: string[] | null }>('/whoami');
  if (!who.data) return null;
  return (
    <div className="who">
      {who.data.name === 'open' ? 'open API' : who.data.name}
      {who.data.teams ? ` · teams ${who.data.teams.join(', ')}` : ''}
      {token.get() ? (
        <button
          type="button"
          className="link"
          onClick={() => {
            token.clear();
            location.reload();
          }}
        >
          sign out
        </button>
      ) : null}
    </div>
  );
}

export function App() {
  const [search] = useSearchParams();
  const location = useLocation();
  // One token prompt for the whole app, rather than one per panel, when the API wants a token.
  const who = useApi<{ name: string }>('/whoami');
  const locked = who.error instanceof ApiError && who.error.status === 401;
  return (
    <div className="shell">
      <nav className="sidebar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={22} height={22} /> KubeBurner
        </div>
        {PAGES.map(([path, title]) => (
          <NavLink key={path} to={`${path}${carried(search)}`} end={path === '/'}>
            {title}
          </NavLink>
        ))}
        <div className="sidebar-foot">
          <LiveToggle />
          <Who />
          <a href="/api/openapi.json">API (OpenAPI)</a>
        </div>
      </nav>
      <main key={location.pathname}>
        {locked ? (
          <TokenForm message={(who.error as ApiError).message} />
        ) : (
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/requests" element={<RequestsPage />} />
            <Route path="/requests/:id" element={<RequestPage />} />
            <Route path="/slos" element={<SloPage />} />
            <Route path="/slos/:name" element={<SloPage />} />
            <Route path="/cost" element={<CostPage />} />
            <Route path="/kv-cache" element={<KvCachePage />} />
            <Route path="/scheduler" element={<SchedulerPage />} />
            <Route path="/gpus" element={<GpuPage />} />
            <Route path="/incidents" element={<IncidentsPage />} />
            <Route path="*" element={<Empty>No page here. Pick one on the left.</Empty>} />
          </Routes>
        )}
      </main>
    </div>
  );
}
