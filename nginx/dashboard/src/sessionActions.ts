// Stop, kill, resume and recover, with a confirmation before anything that
// ends an agent, shared by the sessions list and the session page.

import { api } from './api';
import type { Session } from './types';
import { sessionName } from './format';
import { upsertSession } from './store';
import { confirmAction, toast, toastError } from './ui';

export async function stopSession(s: Session): Promise<boolean> {
  const ok = await confirmAction({
    title: `Stop ${sessionName(s)}?`,
    body: 'The agent gets Ctrl+D and Ctrl+C, then its tmux session is closed. You can resume it later.'
      + (s.metadata?.worktree ? ' Uncommitted worktree changes are stashed.' : ''),
    confirmLabel: 'Stop session',
  });
  if (!ok) return false;
  try {
    await api.stop(s.id);
    upsertSession({ ...s, status: 'STOPPED', updatedAt: new Date().toISOString() });
    toast.success('Session stopped');
    return true;
  } catch (e) {
    toastError(e);
    return false;
  }
}

export async function killSession(s: Session): Promise<boolean> {
  const ok = await confirmAction({
    title: `Kill ${sessionName(s)}?`,
    body: 'The agent is ended at once, without a chance to save. '
      + (s.metadata?.worktree ? 'Its worktree is removed with every uncommitted change. ' : '')
      + 'This cannot be undone.',
    confirmLabel: 'Kill session',
    danger: true,
  });
  if (!ok) return false;
  try {
    await api.kill(s.id);
    upsertSession({ ...s, status: 'STOPPED', updatedAt: new Date().toISOString() });
    toast.success('Session killed');
    return true;
  } catch (e) {
    toastError(e);
    return false;
  }
}

export async function resumeSession(s: Session): Promise<boolean> {
  try {
    const { session } = await api.resume(s.id);
    if (session) upsertSession(session);
    toast.success('Session resumed');
    return true;
  } catch (e) {
    toastError(e);
    return false;
  }
}

export async function recoverSession(s: Session): Promise<boolean> {
  try {
    const { session } = await api.recover(s.id);
    if (session) upsertSession(session);
    toast.success('Session re-attached');
    return true;
  } catch (e) {
    toastError(e);
    return false;
  }
}
