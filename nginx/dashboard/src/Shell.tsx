// The frame around every signed-in page: the left rail (desktop), the top bar
// with the connection pill, the bell and its inbox, the theme toggle and
// sign-out, and on phones (< 768 px) a bottom bar plus a "More" sheet so every
// section stays reachable.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon, Logo, type IconName } from './icons';
import { Link, navigate, usePath } from './router';
import { isLive, setTheme, useStore } from './store';
import { sessionName, relativeTime } from './format';
import { ApprovalCard } from './components/Approvals';
import { Button, IconButton, toastError } from './ui';
import { api } from './api';
import { setState, getState } from './store';
import type { ConnState } from './ws';

export function openNewSession() {
  navigate('/sessions/new');
}

interface NavItem { href: string; label: string; icon: IconName; match: (p: string) => boolean; soon?: boolean }

const NAV: NavItem[] = [
  { href: '/', label: 'Dashboard', icon: 'grid', match: (p) => p === '/' },
  { href: '/sessions', label: 'Sessions', icon: 'monitor', match: (p) => p.startsWith('/sessions') },
  { href: '/policies', label: 'Policies', icon: 'shield', match: (p) => p.startsWith('/policies') },
  { href: '/analytics', label: 'Analytics', icon: 'chart', match: (p) => p.startsWith('/analytics') },
  { href: '/workflows', label: 'Workflows', icon: 'workflow', match: (p) => p.startsWith('/workflows'), soon: true },
];
const SETTINGS: NavItem = { href: '/settings', label: 'Settings', icon: 'settings', match: (p) => p.startsWith('/settings') };

function ConnectionPill({ conn }: { conn: ConnState }) {
  const label = conn === 'open' ? 'Connected' : conn === 'reconnecting' ? 'Reconnecting…' : conn === 'connecting' ? 'Connecting…' : 'Offline';
  const tone = conn === 'open' ? 'ok' : conn === 'reconnecting' ? 'bad' : 'wait';
  return (
    <div class={`conn-pill conn-${tone}`} role="status" aria-live="polite" title={conn === 'open' ? 'Live updates are on' : 'Live updates are paused; retrying'}>
      <Icon name={conn === 'open' ? 'wifi' : 'wifiOff'} size={14} />
      <span>{label}</span>
    </div>
  );
}

function useRunning() {
  return useStore((s) => s.sessions.filter(isLive));
}

function Rail({ path }: { path: string }) {
  const running = useRunning();
  const version = useStore((s) => s.version);
  const current = path.startsWith('/sessions/') ? path.split('/')[2] : '';
  const item = (n: NavItem, badge?: number) => (
    <Link href={n.href} class={'rail-item' + (n.match(path) ? ' active' : '')} aria-label={n.label}
          aria-current={n.match(path) ? 'page' : undefined}>
      <Icon name={n.icon} size={20} />
      <span class="rail-label" aria-hidden="true">{n.label}</span>
      {badge ? <span class="rail-badge" aria-label={`${badge} running`}>{badge}</span> : null}
    </Link>
  );
  return (
    <nav class="rail" aria-label="Main">
      <Link href="/" class="rail-logo" aria-label="CodePiper home"><Logo size={34} /></Link>
      <button type="button" class="rail-new" aria-label="New session" title="New session" onClick={openNewSession}>
        <Icon name="plus" size={20} />
      </button>
      <div class="rail-sep" />
      {item(NAV[0])}
      {item(NAV[1], running.length)}
      {running.length > 0 && (
        <div class="rail-sessions" aria-label="Running sessions">
          {running.slice(0, 8).map((s) => (
            <Link key={s.id} href={`/sessions/${s.id}`}
                  class={'rail-session' + (s.id === current ? ' active' : '') + (s.status.startsWith('NEEDS') ? ' attention' : '')}
                  aria-label={`Open ${sessionName(s)}`} aria-current={s.id === current ? 'page' : undefined}>
              <Icon name="terminal" size={16} />
              <span class="rail-label" aria-hidden="true">{sessionName(s)}</span>
            </Link>
          ))}
          {running.length > 8 && <Link href="/sessions?status=live" class="rail-more">+{running.length - 8}</Link>}
        </div>
      )}
      <div class="rail-sep" />
      {item(NAV[2])}
      {item(NAV[3])}
      {item(NAV[4])}
      <div class="rail-spacer" />
      {item(SETTINGS)}
      <div class="rail-version" title="CodePiper version">{version ? `v${version}` : ''}</div>
    </nav>
  );
}

function Inbox({ onClose }: { onClose: () => void }) {
  const pending = useStore((s) => s.pending);
  const notifications = useStore((s) => s.notifications);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('button, a')?.focus();
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (ref.current && !ref.current.contains(t) && !(t as HTMLElement).closest?.('.bell-btn')) onClose();
    };
    // Escape inside closes it (below); so does Escape when the focus was
    // lost, e.g. with the approval card that held it (answered), but not
    // while something else has the focus.
    const onKey = (e: KeyboardEvent) => {
      const a = document.activeElement;
      if (e.key === 'Escape' && (!a || a === document.body)) onClose();
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, []);
  const unread = notifications.filter((n) => !n.readAt);
  const markAll = async () => {
    try {
      await api.markAllNotificationsRead();
      const now = new Date().toISOString();
      setState({ notifications: getState().notifications.map((n) => (n.readAt ? n : { ...n, readAt: now })) });
    } catch (e) { toastError(e); }
  };
  return (
    <div ref={ref} class="inbox" role="dialog" aria-label="Inbox"
         onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); onClose(); } }}>
      <div class="inbox-head">
        <h2>Inbox</h2>
        <IconButton icon="x" label="Close inbox" onClick={onClose} />
      </div>
      <div class="inbox-body">
        <section aria-label="Approvals">
          <div class="inbox-section">
            <span>Waiting for approval</span>
            {pending.length > 0 && <span class="count-pill amber">{pending.length}</span>}
          </div>
          {pending.length === 0
            ? <p class="muted small inbox-empty">No agent is waiting for you.</p>
            : pending.map((p) => <ApprovalCard key={String(p.id)} item={p} compact />)}
        </section>
        <section aria-label="Notifications">
          <div class="inbox-section">
            <span>Notifications</span>
            {unread.length > 0 && <button type="button" class="link-btn small" onClick={markAll}>Mark all read</button>}
          </div>
          {notifications.length === 0
            ? <p class="muted small inbox-empty">No notifications yet.</p>
            : notifications.slice(0, 30).map((n) => (
              <Link key={n.id} href={`/sessions/${n.sessionId}`} class={'notif' + (n.readAt ? '' : ' unread')}
                    onClick={() => {
                      onClose();
                      if (!n.readAt) {
                        void api.markNotificationRead(n.id).catch(() => {});
                        setState({ notifications: getState().notifications.map((x) => x.id === n.id ? { ...x, readAt: new Date().toISOString() } : x) });
                      }
                    }}>
                <span class="notif-title">{n.title}</span>
                <span class="notif-body">{n.body}</span>
                <span class="muted small">{relativeTime(n.createdAt)}</span>
              </Link>
            ))}
        </section>
      </div>
    </div>
  );
}

function MoreSheet({ onClose, path }: { onClose: () => void; path: string }) {
  const running = useRunning();
  const theme = useStore((s) => s.theme);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => { ref.current?.querySelector<HTMLElement>('a,button')?.focus(); }, []);
  return (
    <div class="overlay sheet-overlay" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={ref} class="sheet" role="dialog" aria-modal="true" aria-label="More"
           onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}>
        <div class="sheet-grip" aria-hidden="true" />
        <nav class="sheet-nav" aria-label="More sections">
          {[NAV[3], NAV[4], SETTINGS].map((n) => (
            <Link key={n.href} href={n.href} class={'sheet-item' + (n.match(path) ? ' active' : '')} onClick={onClose}>
              <Icon name={n.icon} size={20} /><span>{n.label}</span>
              {n.soon && <span class="chip chip-gray">Soon</span>}
            </Link>
          ))}
          <button type="button" class="sheet-item" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
            <Icon name={theme === 'dark' ? 'sun' : 'moon'} size={20} />
            <span>{theme === 'dark' ? 'Light theme' : 'Dark theme'}</span>
          </button>
        </nav>
        {running.length > 0 && (
          <>
            <div class="sheet-title">Running sessions</div>
            <div class="sheet-sessions">
              {running.map((s) => (
                <Link key={s.id} href={`/sessions/${s.id}`} class="session-chip" onClick={onClose}>
                  <span class={'dot ' + (s.status.startsWith('NEEDS') ? 'dot-amber' : 'dot-green')} />
                  {sessionName(s)}
                </Link>
              ))}
            </div>
          </>
        )}
      </div>
    </div>
  );
}

function BottomBar({ path, onMore }: { path: string; onMore: () => void }) {
  const running = useRunning();
  const tab = (href: string, label: string, icon: IconName, active: boolean, badge?: number) => (
    <Link href={href} class={'bb-item' + (active ? ' active' : '')} aria-current={active ? 'page' : undefined}>
      <span class="bb-icon"><Icon name={icon} size={20} />{badge ? <span class="bb-badge">{badge}</span> : null}</span>
      <span>{label}</span>
    </Link>
  );
  const moreActive = ['/analytics', '/workflows', '/settings'].some((p) => path.startsWith(p));
  return (
    <nav class="bottom-bar" aria-label="Main">
      {tab('/', 'Home', 'home', path === '/')}
      {tab('/sessions', 'Sessions', 'monitor', path.startsWith('/sessions'), running.length)}
      <button type="button" class="bb-new" aria-label="New session" onClick={openNewSession}><Icon name="plus" size={24} /></button>
      {tab('/policies', 'Policies', 'shield', path.startsWith('/policies'))}
      <button type="button" class={'bb-item' + (moreActive ? ' active' : '')} onClick={onMore} aria-haspopup="dialog">
        <span class="bb-icon"><Icon name="more" size={20} /></span><span>More</span>
      </button>
    </nav>
  );
}

export function Shell({ children, onSignOut }: { children: ComponentChildren; onSignOut: () => void }) {
  const path = usePath();
  const conn = useStore((s) => s.conn);
  const theme = useStore((s) => s.theme);
  const pendingCount = useStore((s) => s.pending.length);
  const unread = useStore((s) => s.notifications.filter((n) => !n.readAt).length);
  const [inbox, setInbox] = useState(false);
  const [more, setMore] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  useEffect(() => { setMore(false); }, [path]);
  const bellCount = pendingCount + unread;
  return (
    <div class="shell">
      <a class="skip-link" href="#main">Skip to content</a>
      <Rail path={path} />
      <header class="topbar">
        <Link href="/" class="topbar-logo" aria-label="CodePiper home"><Logo size={28} /></Link>
        <ConnectionPill conn={conn} />
        <div class="topbar-spacer" />
        <button type="button" class={'icon-btn bell-btn' + (pendingCount ? ' bell-alert' : '')}
                aria-label={`Inbox${bellCount ? `, ${pendingCount} waiting for approval, ${unread} unread` : ''}`}
                aria-expanded={inbox ? 'true' : 'false'} title="Inbox" onClick={() => setInbox(!inbox)}>
          <Icon name="bell" size={18} />
          {bellCount > 0 && <span class={'badge-count' + (pendingCount ? ' amber' : '')}>{bellCount > 99 ? '99+' : bellCount}</span>}
        </button>
        <IconButton icon={theme === 'dark' ? 'sun' : 'moon'} label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
                    onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} />
        <Button variant="ghost" size="sm" icon="logout" busy={signingOut} class="signout-btn"
                aria-label="Sign out" title="Sign out"
                onClick={async () => { setSigningOut(true); await onSignOut(); setSigningOut(false); }}>
          <span class="hide-phone">Sign out</span>
        </Button>
        {inbox && <Inbox onClose={() => setInbox(false)} />}
      </header>
      <main id="main" class="main" tabIndex={-1}>{children}</main>
      <BottomBar path={path} onMore={() => setMore(true)} />
      {more && <MoreSheet path={path} onClose={() => setMore(false)} />}
    </div>
  );
}

export function PageHeader({ title, subtitle, actions, icon }: { title: string; subtitle?: string; actions?: ComponentChildren; icon?: IconName }) {
  return (
    <div class="page-header">
      <div class="page-title">
        {icon && <span class="page-icon"><Icon name={icon} size={22} /></span>}
        <div>
          <h1>{title}</h1>
          {subtitle && <p class="muted">{subtitle}</p>}
        </div>
      </div>
      {actions && <div class="page-actions">{actions}</div>}
    </div>
  );
}
