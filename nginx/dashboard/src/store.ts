// App-wide state: the sessions list (kept live by the `sessions` topic), the
// pending approvals and notifications (topic `notifications`), the connection
// state and the theme. A tiny observable store; components read it with
// useStore(selector) and re-render only when their slice changes.

import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { ws, type ConnState } from './ws';
import type { Session, PendingDecision, NotificationRecord } from './types';

export type Theme = 'dark' | 'light';

export interface AppState {
  sessions: Session[];
  sessionsLoaded: boolean;
  pending: PendingDecision[];
  pendingLoaded: boolean;
  notifications: NotificationRecord[];
  conn: ConnState;
  theme: Theme;
  version: string | null;
}

let state: AppState = {
  sessions: [],
  sessionsLoaded: false,
  pending: [],
  pendingLoaded: false,
  notifications: [],
  conn: 'idle',
  theme: (document.documentElement.dataset.theme as Theme) || 'dark',
  version: null,
};

const listeners = new Set<() => void>();

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState>) {
  state = { ...state, ...patch };
  for (const fn of listeners) fn();
}

export function useStore<T>(select: (s: AppState) => T): T {
  const [value, setValue] = useState(() => select(state));
  useEffect(() => {
    const check = () => {
      const next = select(state);
      setValue((prev) => (Object.is(prev, next) ? prev : next));
    };
    listeners.add(check);
    check();
    return () => { listeners.delete(check); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return value;
}

// ---- sessions ----

export const LIVE_STATUSES = new Set(['STARTING', 'RUNNING', 'NEEDS_PERMISSION', 'NEEDS_INPUT']);
export const isLive = (s: Session) => LIVE_STATUSES.has(s.status);

export function upsertSession(s: Session) {
  const list = state.sessions.slice();
  const i = list.findIndex((x) => x.id === s.id);
  if (i >= 0) list[i] = { ...list[i], ...s };
  else list.unshift(s);
  setState({ sessions: list });
}

export async function loadSessions() {
  const { sessions } = await api.sessions();
  setState({ sessions, sessionsLoaded: true });
}

// ---- approvals ----

function samePending(a: PendingDecision, id: string | number) {
  return String(a.id) === String(id);
}

export function addPending(p: PendingDecision) {
  if (!p || p.id === undefined) return;
  if (state.pending.some((x) => samePending(x, p.id))) return;
  setState({ pending: [...state.pending, p] });
}

export function removePending(id: string | number) {
  if (!state.pending.some((x) => samePending(x, id))) return;
  setState({ pending: state.pending.filter((x) => !samePending(x, id)) });
}

export async function loadPending() {
  const { pending } = await api.pending();
  setState({ pending: pending ?? [], pendingLoaded: true });
}

/** Handles policy_pending / policy_resolved from any topic. */
export function handleApprovalMessage(msg: any): boolean {
  const kind = msg.type ?? msg.op;
  const data = msg.data ?? msg.pending ?? msg.decision ?? {};
  if (kind === 'policy_pending') {
    addPending(data as PendingDecision);
    return true;
  }
  if (kind === 'policy_resolved') {
    removePending(data.id ?? msg.id);
    return true;
  }
  return false;
}

// ---- notifications ----

export async function loadNotifications() {
  try {
    const { notifications } = await api.notifications();
    setState({ notifications: notifications ?? [] });
  } catch {
    /* notifications are optional; the approvals still work */
  }
}

function handleNotificationMessage(msg: any) {
  if (handleApprovalMessage(msg)) return;
  const kind = msg.type ?? msg.op;
  if (kind === 'notification_created' && msg.data) {
    if (state.notifications.some((n) => n.id === msg.data.id)) return;
    setState({ notifications: [msg.data, ...state.notifications].slice(0, 100) });
  } else if (kind === 'notification_read' && msg.data) {
    const d = msg.data;
    setState({
      notifications: state.notifications.map((n) =>
        (d.bulk ? (!d.sessionId || n.sessionId === d.sessionId) : n.id === d.id) && !n.readAt
          ? { ...n, readAt: d.readAt } : n),
    });
  }
}

// ---- theme ----

export function setTheme(theme: Theme) {
  document.documentElement.dataset.theme = theme;
  try { localStorage.setItem('codepiper.theme', theme); } catch { /* private mode */ }
  const meta = document.querySelector('meta[name="theme-color"]');
  if (meta) meta.setAttribute('content', theme === 'dark' ? '#0b1017' : '#f6f8fb');
  setState({ theme });
}

// ---- live wiring, started after sign-in ----

let stopLive: (() => void) | null = null;

export function startLive() {
  if (stopLive) return;
  const offs = [
    ws.onState((conn) => setState({ conn })),
    ws.subscribe('sessions', (msg) => {
      if (msg.session && (msg.type === 'session_created' || msg.type === 'session_updated')) upsertSession(msg.session);
    }),
    ws.subscribe('notifications', handleNotificationMessage),
    // After a reconnect, whatever changed meanwhile is fetched once.
    ws.onOpen(() => {
      if (state.sessionsLoaded) void loadSessions().catch(() => {});
      if (state.pendingLoaded) void loadPending().catch(() => {});
    }),
  ];
  ws.start();
  setState({ conn: ws.state });
  void loadSessions().catch(() => setState({ sessionsLoaded: true }));
  void loadPending().catch(() => setState({ pendingLoaded: true }));
  void loadNotifications();
  stopLive = () => offs.forEach((f) => f());
}

export function stopLiveUpdates() {
  stopLive?.();
  stopLive = null;
  ws.stop();
  setState({ sessions: [], sessionsLoaded: false, pending: [], pendingLoaded: false, notifications: [], conn: 'idle' });
}
