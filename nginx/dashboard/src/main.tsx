import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import './styles.css';
import { api, setUnauthorizedHandler } from './api';
import type { AuthStatus } from './types';
import { ws } from './ws';
import { setState, startLive, stopLiveUpdates } from './store';
import { match, navigate, usePath } from './router';
import { ConfirmHost, ErrorBox, Spinner, ToastHost, toastError } from './ui';
import { Login } from './pages/Login';
import { Shell, PageHeader } from './Shell';
import { Home } from './pages/Home';
import { SessionsPage } from './pages/Sessions';
import { lazy } from './lazy';
import { Empty } from './ui';

const pageFallback = () => (
  <div class="page"><div class="page-loading"><Spinner size={22} /></div></div>
);

const SessionPage = lazy(() => import('./pages/SessionPage'), pageFallback);
const PoliciesPage = lazy(() => import('./pages/Policies'), pageFallback);
const AnalyticsPage = lazy(() => import('./pages/Analytics'), pageFallback);
const NewSessionDialog = lazy(() => import('./pages/NewSession'), () => <div class="overlay" />);

function Placeholder({ title, icon, text }: { title: string; icon: 'chart' | 'workflow' | 'settings'; text: string }) {
  return (
    <div class="page">
      <PageHeader title={title} icon={icon} />
      <div class="card"><Empty icon={icon} title={`${title} is coming soon`}>{text}</Empty></div>
    </div>
  );
}

function Routes() {
  const path = usePath();
  let m: Record<string, string> | null;
  const isNew = path === '/sessions/new';
  let page;
  if (path === '/' || path === '') page = <Home />;
  else if (path === '/sessions' || isNew) page = <SessionsPage />;
  else if ((m = match('/sessions/:id/:tab?', path))) page = <SessionPage key={m.id} id={m.id} tab={m.tab} />;
  else if ((m = match('/policies/:tab?', path))) page = <PoliciesPage tab={m.tab} />;
  else if (path === '/analytics' || path === '/analytics/') page = <AnalyticsPage />;
  else if (path.startsWith('/workflows')) page = <Placeholder title="Workflows" icon="workflow" text="Run multi-session workflows and follow their steps live." />;
  else if (path.startsWith('/settings')) page = <Placeholder title="Settings" icon="settings" text="Workspaces, environment sets, security and daemon settings." />;
  else page = (
    <div class="page"><div class="card"><Empty icon="alert" title="Page not found">
      <a href="/" onClick={(e) => { e.preventDefault(); navigate('/'); }}>Back to the dashboard</a>
    </Empty></div></div>
  );
  return (
    <>
      {page}
      {isNew && <NewSessionDialog onClose={() => (history.length > 1 ? history.back() : navigate('/sessions', true))} />}
    </>
  );
}

function App() {
  const [status, setStatus] = useState<AuthStatus | null>(null);
  const [error, setError] = useState('');
  const [failures, setFailures] = useState(0);

  const check = useCallback(async () => {
    try {
      const s = await api.authStatus();
      setError('');
      setFailures(0);
      setStatus(s);
    } catch (e) {
      setError((e as Error).message);
      setFailures((n) => n + 1);
    }
  }, []);

  useEffect(() => {
    void check();
    setUnauthorizedHandler(() => { void check(); });
    ws.onRepeatedFailure = () => { void check(); };
  }, [check]);

  const signedIn = !!status && (status.authenticated || status.authEnabled === false);

  useEffect(() => {
    if (signedIn) {
      startLive();
      api.version().then((v) => setState({ version: v.version })).catch(() => {});
      if (location.pathname === '/login') navigate('/', true);
    } else if (status) {
      stopLiveUpdates();
      if (location.pathname !== '/login') {
        // Remember where the user wanted to go; /login itself is just the form.
        sessionStorage.setItem('codepiper.next', location.pathname + location.search);
        history.replaceState(null, '', '/login');
      }
    }
  }, [signedIn, status]);

  if (!status) {
    return (
      <div class="boot">
        {error ? <ErrorBox message={`${error}. Retrying…`} onRetry={check} /> : <Spinner size={24} />}
        {error && <RetryLater key={failures} onRetry={check} />}
      </div>
    );
  }
  if (!signedIn) {
    return (
      <Login
        status={status}
        onDone={async () => {
          const next = sessionStorage.getItem('codepiper.next');
          sessionStorage.removeItem('codepiper.next');
          history.replaceState(null, '', next && next !== '/login' ? next : '/');
          await check();
        }}
      />
    );
  }
  return (
    <Shell
      onSignOut={async () => {
        try { await api.logout(); } catch (e) { toastError(e); }
        await check();
      }}
    >
      <Routes />
    </Shell>
  );
}

function RetryLater({ onRetry }: { onRetry: () => void }) {
  useEffect(() => {
    const t = setTimeout(onRetry, 3000);
    return () => clearTimeout(t);
  }, [onRetry]);
  return null;
}

render(
  <>
    <App />
    <ToastHost />
    <ConfirmHost />
  </>,
  document.getElementById('app')!,
);
