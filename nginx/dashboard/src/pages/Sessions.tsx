// Sessions list: search, status and provider filters (kept in the URL), one
// row per session with visible actions; cards on phones.

import { useMemo, useState } from 'preact/hooks';
import { isLive, useStore } from '../store';
import { PageHeader, openNewSession } from '../Shell';
import { Button, Empty, ProviderChip, SkeletonRows, StatusBadge, useTicker } from '../ui';
import { Link, navigate, useQuery } from '../router';
import { Icon } from '../icons';
import { providerLabel, relativeTime, sessionName, shortId, sessionBranch } from '../format';
import { killSession, recoverSession, resumeSession, stopSession } from '../sessionActions';
import type { Session } from '../types';

const STATUS_FILTERS: { id: string; label: string; test: (s: Session) => boolean }[] = [
  { id: '', label: 'All statuses', test: () => true },
  { id: 'live', label: 'Live', test: isLive },
  { id: 'attention', label: 'Needs attention', test: (s) => s.status.startsWith('NEEDS') || s.status === 'CRASHED' },
  { id: 'RUNNING', label: 'Running', test: (s) => s.status === 'RUNNING' },
  { id: 'STARTING', label: 'Starting', test: (s) => s.status === 'STARTING' },
  { id: 'NEEDS_PERMISSION', label: 'Needs permission', test: (s) => s.status === 'NEEDS_PERMISSION' },
  { id: 'NEEDS_INPUT', label: 'Needs input', test: (s) => s.status === 'NEEDS_INPUT' },
  { id: 'STOPPED', label: 'Stopped', test: (s) => s.status === 'STOPPED' },
  { id: 'CRASHED', label: 'Crashed', test: (s) => s.status === 'CRASHED' },
];

function setParam(key: string, value: string) {
  const q = new URLSearchParams(location.search);
  if (value) q.set(key, value); else q.delete(key);
  const qs = q.toString();
  navigate(location.pathname + (qs ? '?' + qs : ''), true);
}

function RowActions({ s }: { s: Session }) {
  const [busy, setBusy] = useState('');
  const run = async (what: string, fn: (s: Session) => Promise<boolean>) => {
    setBusy(what);
    try { await fn(s); } finally { setBusy(''); }
  };
  const name = sessionName(s);
  return (
    <div class="row-actions" onClick={(e) => e.stopPropagation()}>
      {isLive(s) ? (
        <>
          <Button size="sm" variant="ghost" icon="stop" busy={busy === 'stop'} aria-label={`Stop ${name}`} title="Stop (graceful)"
                  onClick={() => run('stop', stopSession)}>Stop</Button>
          <Button size="sm" variant="ghost" class="text-red" icon="skull" busy={busy === 'kill'} aria-label={`Kill ${name}`} title="Kill (force)"
                  onClick={() => run('kill', killSession)}>Kill</Button>
        </>
      ) : (
        <>
          <Button size="sm" variant="ghost" icon="play" busy={busy === 'resume'} aria-label={`Resume ${name}`} title="Resume the provider's conversation"
                  onClick={() => run('resume', resumeSession)}>Resume</Button>
          <Button size="sm" variant="ghost" icon="refresh" busy={busy === 'recover'} aria-label={`Recover ${name}`} title="Re-attach a tmux runtime that is still alive"
                  onClick={() => run('recover', recoverSession)} class="hide-narrow">Recover</Button>
        </>
      )}
      <Link href={`/sessions/${s.id}`} class="btn btn-secondary btn-sm" aria-label={`Open ${name}`}>
        <span>Open</span>
      </Link>
    </div>
  );
}

export function SessionsPage() {
  useTicker();
  const sessions = useStore((s) => s.sessions);
  const loaded = useStore((s) => s.sessionsLoaded);
  const conn = useStore((s) => s.conn);
  const q = useQuery();
  const [search, setSearch] = useState(q.get('q') ?? '');
  const status = q.get('status') ?? '';
  const provider = q.get('provider') ?? '';
  const providers = useMemo(
    () => [...new Set(['claude-code', 'codex', ...sessions.map((s) => s.provider)])],
    [sessions],
  );
  const statusFilter = STATUS_FILTERS.find((f) => f.id === status) ?? STATUS_FILTERS[0];
  const needle = search.trim().toLowerCase();
  const filtered = sessions
    .filter((s) => statusFilter.test(s))
    .filter((s) => !provider || s.provider === provider)
    .filter((s) => !needle || [sessionName(s), s.cwd, s.id, providerLabel(s.provider), sessionBranch(s) ?? '']
      .some((v) => v.toLowerCase().includes(needle)))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const filtering = !!(needle || status || provider);

  return (
    <div class="page">
      <PageHeader
        title="Sessions"
        subtitle="Every agent you have started, live and finished"
        actions={<Button variant="primary" icon="plus" onClick={openNewSession}>New session</Button>}
      />
      <div class="filters" role="search">
        <label class="search-box">
          <Icon name="search" size={16} />
          <input type="search" placeholder="Search name, folder, id…" aria-label="Search sessions" value={search}
                 onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <select aria-label="Filter by status" value={status} onChange={(e) => setParam('status', e.currentTarget.value)}>
          {STATUS_FILTERS.map((f) => <option key={f.id} value={f.id}>{f.label}</option>)}
        </select>
        <select aria-label="Filter by provider" value={provider} onChange={(e) => setParam('provider', e.currentTarget.value)}>
          <option value="">All providers</option>
          {providers.map((p) => <option key={p} value={p}>{providerLabel(p)}</option>)}
        </select>
        {filtering && (
          <Button variant="ghost" size="sm" icon="x" onClick={() => { setSearch(''); navigate('/sessions', true); }}>Clear</Button>
        )}
      </div>

      <div class="card card-flush">
        {!loaded ? <SkeletonRows rows={5} height={58} /> : filtered.length === 0 ? (
          filtering ? (
            <Empty icon="search" title="No session matches">Try another search or clear the filters.</Empty>
          ) : (
            <Empty icon="terminal" title="No sessions yet">
              Start an agent in one of your folders.
              <div class="mt-sm"><Button variant="primary" icon="plus" onClick={openNewSession}>New session</Button></div>
            </Empty>
          )
        ) : (
          <>
            <table class="table sessions-table">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Session</th>
                  <th scope="col">Provider</th>
                  <th scope="col">ID</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last activity</th>
                  <th scope="col" class="th-actions"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {filtered.map((s) => (
                  <tr key={s.id} class="clickable" onClick={(e) => {
                    if ((e.target as HTMLElement).closest('a,button')) return;
                    navigate(`/sessions/${s.id}`);
                  }}>
                    <td><StatusBadge status={s.status} unknown={conn !== 'open' && isLive(s)} /></td>
                    <td class="cell-name">
                      <Link href={`/sessions/${s.id}`} class="session-link">{sessionName(s)}</Link>
                      <div class="mono muted small truncate" title={s.cwd}>
                        {s.cwd}{sessionBranch(s) && <span class="branch"> <Icon name="branch" size={12} /> {sessionBranch(s)}</span>}
                      </div>
                    </td>
                    <td><ProviderChip provider={s.provider} /></td>
                    <td class="mono muted small">{shortId(s.id)}</td>
                    <td class="muted small nowrap" title={new Date(s.createdAt).toLocaleString()}>{relativeTime(s.createdAt)}</td>
                    <td class="muted small nowrap" title={new Date(s.updatedAt).toLocaleString()}>{relativeTime(s.updatedAt)}</td>
                    <td class="cell-actions"><RowActions s={s} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ul class="session-cards" aria-label="Sessions">
              {filtered.map((s) => (
                <li key={s.id} class="session-card">
                  <Link href={`/sessions/${s.id}`} class="session-card-main">
                    <div class="row between">
                      <span class="recent-name">{sessionName(s)}</span>
                      <StatusBadge status={s.status} unknown={conn !== 'open' && isLive(s)} />
                    </div>
                    <div class="mono muted small truncate">{s.cwd}</div>
                    <div class="row gap-sm muted small">
                      <ProviderChip provider={s.provider} />
                      <span class="mono">{shortId(s.id)}</span>
                      <span>· {relativeTime(s.updatedAt)}</span>
                    </div>
                  </Link>
                  <RowActions s={s} />
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      {loaded && sessions.length > 0 && (
        <div class="list-footer muted small" aria-live="polite">
          {filtering ? `${filtered.length} of ${sessions.length} sessions` : `${sessions.length} session${sessions.length === 1 ? '' : 's'}`}
        </div>
      )}
    </div>
  );
}
