// Dashboard home: what needs you first (approvals, sessions waiting or
// crashed), then the numbers, then the recent sessions.

import { isLive, useStore } from '../store';
import { PageHeader, openNewSession } from '../Shell';
import { Button, Empty, ProviderChip, SkeletonRows, StatusBadge, useTicker } from '../ui';
import { Link } from '../router';
import { Icon, type IconName } from '../icons';
import { isToday, relativeTime, sessionName, shortId } from '../format';
import { ApprovalCard } from '../components/Approvals';
import type { Session } from '../types';
import { UsageToday } from './AnalyticsSummary';

function Kpi({ label, value, sub, icon, tone, href }: { label: string; value: number | string; sub: string; icon: IconName; tone: string; href: string }) {
  return (
    <Link href={href} class={`kpi kpi-${tone}`}>
      <div class="kpi-top">
        <span class="kpi-label">{label}</span>
        <span class="kpi-icon"><Icon name={icon} size={18} /></span>
      </div>
      <div class="kpi-value">{value}</div>
      <div class="kpi-sub">{sub}</div>
    </Link>
  );
}

const needsAttention = (s: Session) => s.status === 'NEEDS_PERMISSION' || s.status === 'NEEDS_INPUT' || s.status === 'CRASHED';

export function SessionRow({ s }: { s: Session }) {
  const conn = useStore((st) => st.conn);
  return (
    <Link href={`/sessions/${s.id}`} class="recent-row">
      <StatusBadge status={s.status} unknown={conn !== 'open' && isLive(s)} />
      <div class="recent-main">
        <div class="recent-name">{sessionName(s)}</div>
        <div class="recent-cwd mono muted small" title={s.cwd}>{s.cwd}</div>
      </div>
      <ProviderChip provider={s.provider} />
      <span class="mono muted small hide-phone">{shortId(s.id)}</span>
      <time class="muted small recent-time" dateTime={s.updatedAt} title={new Date(s.updatedAt).toLocaleString()}>
        {relativeTime(s.updatedAt)}
      </time>
      <Icon name="chevronRight" size={16} class="muted" />
    </Link>
  );
}

export function Home() {
  useTicker();
  const sessions = useStore((s) => s.sessions);
  const loaded = useStore((s) => s.sessionsLoaded);
  const pending = useStore((s) => s.pending);
  const live = sessions.filter(isLive);
  const attention = sessions.filter(needsAttention);
  const attentionIds = new Set([...attention.map((s) => s.id), ...pending.map((p) => p.sessionId)]);
  const today = sessions.filter((s) => isToday(s.createdAt));
  const recent = [...sessions].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt)).slice(0, 8);
  const waiting = attention.filter((s) => !pending.some((p) => p.sessionId === s.id));
  const dash = loaded ? undefined : '–';

  return (
    <div class="page">
      <PageHeader
        title="Dashboard"
        subtitle="What your agents are doing, and what needs you"
        actions={<Button variant="primary" icon="plus" onClick={openNewSession}>New session</Button>}
      />
      <div class="kpis">
        <Kpi label="Running" value={dash ?? live.length} sub={`${sessions.length} session${sessions.length === 1 ? '' : 's'} in total`} icon="activity" tone="cyan" href="/sessions?status=live" />
        <Kpi label="Needs attention" value={dash ?? attentionIds.size} sub="waiting, or crashed" icon="alert" tone={attentionIds.size ? 'amber' : 'slate'} href="/sessions?status=attention" />
        <Kpi label="Pending approvals" value={dash ?? pending.length} sub={pending.length ? 'agents are blocked' : 'nothing blocked'} icon="shield" tone={pending.length ? 'amber' : 'slate'} href="/policies/audit" />
        <Kpi label="Today" value={dash ?? today.length} sub="sessions started today" icon="clock" tone="violet" href="/sessions" />
      </div>
      <UsageToday />

      <section class="section" aria-labelledby="attention-h">
        <div class="section-head">
          <h2 id="attention-h">Needs your attention</h2>
          {(pending.length + waiting.length) > 0 && <span class="count-pill amber">{pending.length + waiting.length}</span>}
        </div>
        {!loaded ? <SkeletonRows rows={1} height={88} /> : pending.length === 0 && waiting.length === 0 ? (
          <div class="card card-quiet">
            <div class="all-clear"><span class="all-clear-icon"><Icon name="check" size={18} /></span>
              <div><strong>All clear</strong><div class="muted small">No agent is waiting for permission or input.</div></div></div>
          </div>
        ) : (
          <div class="attention-grid">
            {pending.map((p) => <ApprovalCard key={String(p.id)} item={p} />)}
            {waiting.map((s) => (
              <Link key={s.id} href={`/sessions/${s.id}`} class="attention-card">
                <StatusBadge status={s.status} />
                <div class="recent-name">{sessionName(s)}</div>
                <div class="muted small">
                  {s.status === 'CRASHED' ? 'Exited with an error' : s.status === 'NEEDS_INPUT' ? 'Waiting for your next prompt' : 'Waiting for a permission answer in the terminal'}
                  {' · '}{relativeTime(s.updatedAt)}
                </div>
                <span class="attention-open">Open <Icon name="chevronRight" size={14} /></span>
              </Link>
            ))}
          </div>
        )}
      </section>

      <section class="section" aria-labelledby="recent-h">
        <div class="section-head">
          <h2 id="recent-h">Recent sessions</h2>
          <Link href="/sessions" class="link small">View all</Link>
        </div>
        <div class="card card-flush">
          {!loaded ? <SkeletonRows rows={4} /> : recent.length === 0 ? (
            <Empty icon="terminal" title="No sessions yet">
              Start Claude Code or Codex in a folder of yours.
              <div class="mt-sm"><Button variant="primary" icon="plus" onClick={openNewSession}>New session</Button></div>
            </Empty>
          ) : recent.map((s) => <SessionRow key={s.id} s={s} />)}
        </div>
      </section>
    </div>
  );
}
