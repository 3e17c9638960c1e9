// Pending "ask" decisions: an agent is blocked on a tool call until someone
// answers. Shown in the bell's inbox, on the home page and as a banner on the
// session page; one click answers (POST /policy-decisions/pending/:id).

import { useState } from 'preact/hooks';
import { api } from '../api';
import type { PendingDecision } from '../types';
import { describeToolInput, relativeTime, sessionName, shortId } from '../format';
import { removePending, useStore } from '../store';
import { Button, toastError, toast } from '../ui';
import { Link } from '../router';
import { Icon } from '../icons';

export function ApprovalCard({ item, compact, showSession = true }: { item: PendingDecision; compact?: boolean; showSession?: boolean }) {
  const session = useStore((s) => s.sessions.find((x) => x.id === item.sessionId));
  const [busy, setBusy] = useState<'' | 'allow' | 'deny' | 'always'>('');
  const command = describeToolInput(item.toolInput, item.command);
  const answer = async (decision: 'allow' | 'deny', remember: boolean) => {
    setBusy(remember ? 'always' : decision);
    try {
      await api.answerPending(item.id, decision, remember);
      removePending(item.id);
      toast.success(remember ? `Allowed; future ${item.toolName} calls like this are allowed`
        : decision === 'allow' ? `Allowed ${item.toolName}` : `Denied ${item.toolName}`);
    } catch (e) {
      toastError(e);
      // Someone else answered already: it is no longer pending.
      if ((e as { status?: number }).status === 404) removePending(item.id);
    } finally {
      setBusy('');
    }
  };
  const label = session ? sessionName(session) : `session ${shortId(item.sessionId)}`;
  return (
    <article class={'approval' + (compact ? ' approval-compact' : '')} aria-label={`Approval request: ${item.toolName}`}>
      <div class="approval-head">
        <span class="approval-icon"><Icon name="shield" size={16} /></span>
        <div class="approval-title">
          <span class="tool-name">{item.toolName}</span>
          {showSession && (
            <span class="muted small"> in <Link href={`/sessions/${item.sessionId}`}>{label}</Link></span>
          )}
        </div>
        <time class="muted small" dateTime={item.createdAt} title={new Date(item.createdAt).toLocaleString()}>
          {relativeTime(item.createdAt)}
        </time>
      </div>
      {command && <pre class="approval-cmd" tabIndex={0} aria-label="Requested command">{command}</pre>}
      <div class="approval-actions">
        <Button size="sm" variant="success" icon="check" busy={busy === 'allow'} disabled={!!busy}
                onClick={() => answer('allow', false)}>Allow</Button>
        <Button size="sm" variant="danger" icon="x" busy={busy === 'deny'} disabled={!!busy}
                onClick={() => answer('deny', false)}>Deny</Button>
        <Button size="sm" variant="ghost" busy={busy === 'always'} disabled={!!busy}
                title={`Allow now and save a rule that allows ${item.toolName} calls like this one`}
                onClick={() => answer('allow', true)}>Always allow this</Button>
      </div>
    </article>
  );
}

/** Banner on a session page while that session waits for an answer. */
export function ApprovalBanner({ sessionId }: { sessionId: string }) {
  const items = useStore((s) => s.pending.filter((p) => p.sessionId === sessionId));
  if (!items.length) return null;
  return (
    <section class="approval-banner" aria-live="polite" aria-label="Waiting for your approval">
      <div class="approval-banner-title">
        <Icon name="alert" size={16} />
        <strong>{items.length === 1 ? 'The agent is waiting for your approval' : `${items.length} requests are waiting for your approval`}</strong>
      </div>
      {items.map((p) => <ApprovalCard key={String(p.id)} item={p} compact showSession={false} />)}
    </section>
  );
}
