// One session: header (name, id, provider, status, folder, branch, actions),
// the approval banner, and the tabs Terminal | Conversation | Events | Policies
// (deep-linkable as /sessions/:id/<tab>; an unknown tab shows the terminal).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { Policy, PolicySetSummary, Session, SessionEvent } from '../types';
import { getState, handleApprovalMessage, isLive, upsertSession, useStore } from '../store';
import { ws } from '../ws';
import { Link, navigate } from '../router';
import { Icon } from '../icons';
import {
  Button, CopyButton, DecisionChip, Empty, ErrorBox, IconButton, ProviderChip, SkeletonRows, Spinner,
  StatusBadge, Tabs, toast, toastError, useMediaQuery, useTicker,
} from '../ui';
import { absoluteTime, describeToolInput, providerLabel, relativeTime, sessionBranch, sessionName, shortId } from '../format';
import { killSession, recoverSession, resumeSession, stopSession } from '../sessionActions';
import { ApprovalBanner } from '../components/Approvals';
import Terminal, { type TerminalHandle } from '../components/Terminal';
import { RuleSummary } from './PolicyBits';
import { lazy } from '../lazy';

// The conversation view (and its styles) loads when its tab is first opened.
const Conversation = lazy(() => import('./Conversation'),
  () => <div class="page-loading" style={{ flex: 1, height: 'auto' }}><Spinner size={20} /></div>);

type Tab = 'terminal' | 'conversation' | 'events' | 'policies';
const TABS: Tab[] = ['terminal', 'conversation', 'events', 'policies'];
const MAX_IMAGES = 5;

export default function SessionPage({ id, tab }: { id: string; tab?: string }) {
  useTicker();
  const fromStore = useStore((s) => s.sessions.find((x) => x.id === id));
  const [fetched, setFetched] = useState<Session | null>(null);
  const [error, setError] = useState<{ status: number; message: string } | null>(null);
  const session = fromStore ?? fetched;
  const current: Tab = TABS.includes(tab as Tab) ? (tab as Tab) : 'terminal';
  const phone = useMediaQuery('(max-width: 767px)');

  const load = () => {
    setError(null);
    api.session(id).then(({ session: s }) => { setFetched(s); if (getState().sessionsLoaded) upsertSession(s); })
      .catch((e: ApiError) => setError({ status: e.status, message: e.message }));
  };
  useEffect(() => { if (!fromStore) load(); }, [id]);

  // Approvals for this session may arrive on its events topic as well.
  useEffect(() => ws.subscribe(`session:${id}:events`, handleApprovalMessage), [id]);

  if (!session) {
    return (
      <div class="page">
        <Link href="/sessions" class="back-link"><Icon name="arrowLeft" size={16} /> Sessions</Link>
        {error ? (
          error.status === 404
            ? <div class="card"><Empty icon="search" title="Session not found">No session has the id <code>{id}</code>.</Empty></div>
            : <ErrorBox message={error.message} onRetry={load} />
        ) : <SkeletonRows rows={1} height={96} />}
      </div>
    );
  }

  return (
    <div class="page page-session">
      <Header s={session} />
      <ApprovalBanner sessionId={id} />
      <Tabs
        label="Session views"
        value={current}
        onChange={(t) => navigate(`/sessions/${id}${t === 'terminal' ? '' : '/' + t}`, true)}
        tabs={[
          { id: 'terminal', label: 'Terminal', icon: 'terminal' },
          { id: 'conversation', label: phone ? 'Chat' : 'Conversation', icon: 'message' },
          { id: 'events', label: 'Events', icon: 'activity' },
          { id: 'policies', label: 'Policies', icon: 'shield' },
        ]}
      />
      <div class="tab-panel" role="tabpanel">
        {current === 'terminal' && <TerminalTab s={session} />}
        {current === 'conversation' && <Conversation s={session} />}
        {current === 'events' && <EventsTab id={id} />}
        {current === 'policies' && <PoliciesTab id={id} />}
      </div>
    </div>
  );
}

// ---- header ----

function Header({ s }: { s: Session }) {
  const conn = useStore((st) => st.conn);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [saving, setSaving] = useState(false);
  const [busy, setBusy] = useState('');
  const live = isLive(s);
  const name = sessionName(s);
  const branch = sessionBranch(s);

  const save = async () => {
    const v = draft.trim();
    if (v === (s.metadata?.ui?.customName ?? '')) { setEditing(false); return; }
    setSaving(true);
    try {
      const { session } = await api.rename(s.id, v || null);
      upsertSession(session ?? { ...s, metadata: { ...s.metadata, ui: v ? { customName: v } : undefined } });
      setEditing(false);
      toast.success(v ? 'Name saved' : 'Name cleared');
    } catch (e) {
      toastError(e);
    } finally {
      setSaving(false);
    }
  };
  const act = async (what: string, fn: (s: Session) => Promise<boolean>) => {
    setBusy(what);
    try { await fn(s); } finally { setBusy(''); }
  };

  return (
    <header class="session-header">
      <div class="session-title-row">
        <Link href="/sessions" class="back-link" aria-label="Back to sessions"><Icon name="arrowLeft" size={16} /><span class="hide-phone">Sessions</span></Link>
        <span class="crumb-sep hide-phone">/</span>
        {editing ? (
          <form class="name-form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
            <input
              value={draft}
              maxLength={80}
              aria-label="Session name"
              autofocus
              placeholder={name}
              onInput={(e) => setDraft(e.currentTarget.value)}
              onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); setEditing(false); } }}
              ref={(el) => el?.focus()}
            />
            <Button size="sm" variant="primary" type="submit" busy={saving}>Save</Button>
            <Button size="sm" variant="ghost" onClick={() => setEditing(false)}>Cancel</Button>
          </form>
        ) : (
          <h1 class="session-name">
            <span class="truncate">{name}</span>
            <IconButton icon="edit" label="Rename session" class="icon-btn-sm"
                        onClick={() => { setDraft(s.metadata?.ui?.customName ?? ''); setEditing(true); }} />
          </h1>
        )}
        <div class="session-actions">
          {live ? (
            <>
              <Button size="sm" icon="stop" busy={busy === 'stop'} onClick={() => act('stop', stopSession)}>Stop</Button>
              <Button size="sm" variant="danger" icon="skull" busy={busy === 'kill'} onClick={() => act('kill', killSession)}>Kill</Button>
            </>
          ) : (
            <>
              <Button size="sm" variant="primary" icon="play" busy={busy === 'resume'} onClick={() => act('resume', resumeSession)}>Resume</Button>
              <Button size="sm" icon="refresh" busy={busy === 'recover'} onClick={() => act('recover', recoverSession)}
                      title="Re-attach a tmux runtime that is still alive">Recover</Button>
            </>
          )}
        </div>
      </div>
      <div class="session-meta">
        <span class="chip chip-gray chip-mono id-chip" title={s.id}>
          {shortId(s.id)}
          <button type="button" class="chip-copy" aria-label="Copy session id" title="Copy full id"
                  onClick={() => navigator.clipboard?.writeText(s.id).then(() => toast.success('Session id copied'), () => toast.error('Copy failed'))}>
            <Icon name="copy" size={12} />
          </button>
        </span>
        <ProviderChip provider={s.provider} />
        <StatusBadge status={s.status} unknown={conn !== 'open' && live} />
        {s.metadata?.security?.dangerousMode && <span class="chip chip-red"><Icon name="alert" size={12} /> Dangerous mode</span>}
        <span class="meta-item mono" title={s.cwd}><Icon name="folder" size={14} /><span class="truncate">{s.cwd}</span></span>
        {branch && <span class="meta-item mono"><Icon name="branch" size={14} />{branch}</span>}
        <span class="meta-item" title={absoluteTime(s.createdAt)}><Icon name="clock" size={14} />Created {relativeTime(s.createdAt)}</span>
        {s.pid && live && <span class="meta-item mono hide-phone">PID {s.pid}</span>}
      </div>
    </header>
  );
}

// ---- terminal tab ----

const KEYS: { label: string; key: string; aria?: string }[] = [
  { label: 'Esc', key: 'escape' }, { label: 'Tab', key: 'tab' }, { label: '⇧Tab', key: 'shift+tab', aria: 'Shift Tab' },
  { label: '^C', key: 'ctrl+c', aria: 'Control C' }, { label: '^D', key: 'ctrl+d', aria: 'Control D' }, { label: '^L', key: 'ctrl+l', aria: 'Control L' },
  { label: '↑', key: 'up', aria: 'Up' }, { label: '↓', key: 'down', aria: 'Down' }, { label: '←', key: 'left', aria: 'Left' }, { label: '→', key: 'right', aria: 'Right' },
  { label: 'Enter', key: 'enter' }, { label: '⌫', key: 'backspace', aria: 'Backspace' }, { label: 'Del', key: 'delete', aria: 'Delete' },
  { label: 'PgUp', key: 'pageup', aria: 'Page up' }, { label: 'PgDn', key: 'pagedown', aria: 'Page down' },
  { label: 'Home', key: 'home' }, { label: 'End', key: 'end' },
];

function TerminalTab({ s }: { s: Session }) {
  const theme = useStore((st) => st.theme);
  const conn = useStore((st) => st.conn);
  const touch = useMediaQuery('(pointer: coarse)');
  const [mode, setMode] = useState<'live' | 'attach'>('live');
  const [keybar, setKeybar] = useState(touch);
  const [searchOpen, setSearchOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ index: number; count: number } | null>(null);
  const [uploading, setUploading] = useState(0);
  const handle = useRef<TerminalHandle | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  const live = isLive(s);

  useEffect(() => { setKeybar(touch); }, [touch]);
  useEffect(() => ws.onInputError((e) => {
    if (e.sessionId === s.id) toast.error(e.code === 'policy_blocked' ? `Blocked by policy: ${e.error}` : e.error);
  }), [s.id]);
  useEffect(() => {
    const open = () => { setSearchOpen(true); setTimeout(() => searchInput.current?.focus(), 0); };
    document.addEventListener('terminal-search', open);
    return () => document.removeEventListener('terminal-search', open);
  }, []);

  const uploadImages = async (files: File[], into: 'terminal' | ((path: string) => void)) => {
    const list = files.slice(0, MAX_IMAGES);
    if (files.length > MAX_IMAGES) toast.info(`Only the first ${MAX_IMAGES} images are attached`);
    setUploading((n) => n + list.length);
    for (const f of list) {
      try {
        const { path } = await api.uploadImage(s.id, f, f.name || 'pasted-image.png');
        if (into === 'terminal') ws.sendText(s.id, path + ' ');
        else into(path);
        toast.success(`Attached ${f.name || 'image'}`);
      } catch (e) {
        toastError(e);
      } finally {
        setUploading((n) => n - 1);
      }
    }
    handle.current?.focus();
  };

  const pasteImage = async () => {
    try {
      const items = await navigator.clipboard.read();
      const files: File[] = [];
      for (const it of items) {
        const type = it.types.find((t) => t.startsWith('image/'));
        if (type) files.push(new File([await it.getType(type)], `clipboard.${type.split('/')[1]}`, { type }));
      }
      if (!files.length) { toast.info('No image on the clipboard'); return; }
      await uploadImages(files, 'terminal');
    } catch {
      toast.error('The browser did not allow reading the clipboard. Paste with Ctrl+V in the terminal instead.');
    }
  };

  const find = (dir: 'next' | 'prev') => {
    if (!query) return;
    const ok = dir === 'next' ? handle.current?.findNext(query) : handle.current?.findPrevious(query);
    if (!ok) setResults({ index: -1, count: 0 });
  };
  const closeSearch = () => {
    setSearchOpen(false);
    setResults(null);
    handle.current?.clearSearch();
    handle.current?.focus();
  };

  const stateText = !live ? 'ended' : conn === 'open' ? 'live' : 'reconnecting';
  return (
    <div class="terminal-tab">
      <div class="term-toolbar">
        <div class="segmented segmented-sm" role="radiogroup" aria-label="Terminal view">
          <button type="button" role="radio" aria-checked={mode === 'live' ? 'true' : 'false'} class={mode === 'live' ? 'active' : ''} onClick={() => setMode('live')}>
            <Icon name="terminal" size={14} /><span class="hide-phone">Terminal</span>
          </button>
          <button type="button" role="radio" aria-checked={mode === 'attach' ? 'true' : 'false'} class={mode === 'attach' ? 'active' : ''} onClick={() => setMode('attach')}>
            <Icon name="link" size={14} /><span>Attach</span>
          </button>
        </div>
        <span class={'term-state term-' + stateText} role="status">
          <span class="dot" />{stateText === 'live' ? <>Live<span class="hide-phone"> · click the terminal to type</span></> : stateText === 'ended' ? 'Session ended' : 'Reconnecting…'}
        </span>
        <div class="toolbar-spacer" />
        {mode === 'live' && (
          <>
            <IconButton icon="search" label="Search the scrollback (Ctrl+Shift+F)" aria-pressed={searchOpen ? 'true' : 'false'}
                        onClick={() => { if (searchOpen) closeSearch(); else { setSearchOpen(true); setTimeout(() => searchInput.current?.focus(), 0); } }} />
            <IconButton icon="arrowDown" label="Scroll to the bottom" onClick={() => { handle.current?.scrollToBottom(); handle.current?.focus(); }} />
            <IconButton icon="image" label="Attach images" disabled={!live} onClick={() => fileInput.current?.click()} />
            <IconButton icon="clipboard" label="Paste an image from the clipboard" disabled={!live} onClick={pasteImage} />
            <IconButton icon="keyboard" label={keybar ? 'Hide the key bar' : 'Show the key bar'} aria-pressed={keybar ? 'true' : 'false'} onClick={() => setKeybar(!keybar)} />
          </>
        )}
        <input ref={fileInput} type="file" accept="image/png,image/jpeg,image/gif,image/webp" multiple hidden
               onChange={(e) => { const f = [...(e.currentTarget.files ?? [])]; e.currentTarget.value = ''; if (f.length) void uploadImages(f, 'terminal'); }} />
      </div>

      {mode === 'attach' ? <AttachPanel s={s} /> : (
        <>
          {searchOpen && (
            <div class="term-search" role="search">
              <Icon name="search" size={14} />
              <input ref={searchInput} value={query} placeholder="Search the terminal" aria-label="Search the terminal"
                     onInput={(e) => { setQuery(e.currentTarget.value); setResults(null); }}
                     onKeyDown={(e) => {
                       if (e.key === 'Enter') { e.preventDefault(); find(e.shiftKey ? 'prev' : 'next'); }
                       else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); closeSearch(); }
                     }} />
              <span class="muted small search-count" aria-live="polite">
                {results ? (results.count === 0 ? 'No matches' : results.index >= 0 ? `${results.index + 1} of ${results.count}` : `${results.count}+ matches`) : ''}
              </span>
              <IconButton icon="chevronDown" label="Next match (Enter)" class="rot-180" onClick={() => find('prev')} />
              <IconButton icon="chevronDown" label="Previous match (Shift+Enter)" onClick={() => find('next')} />
              <IconButton icon="x" label="Close search (Esc)" onClick={closeSearch} />
            </div>
          )}
          <div class="term-frame">
            <Terminal
              sessionId={s.id}
              live={live}
              theme={theme}
              onReady={(h) => { handle.current = h; h.onSearchResults(setResults); }}
              onImages={(files) => void uploadImages(files, 'terminal')}
              onPasteError={(m) => toast.error(m)}
            />
            {!live && (
              <div class="term-ended-overlay">
                <Icon name="info" size={16} />
                <span>This session has ended{s.status === 'CRASHED' ? ' with an error' : ''}.</span>
                <Button size="sm" variant="primary" icon="play" onClick={() => void resumeSession(s)}>Resume</Button>
              </div>
            )}
            {uploading > 0 && <div class="term-uploading"><Spinner size={14} /> Uploading {uploading} image{uploading === 1 ? '' : 's'}…</div>}
          </div>
          {keybar && live && (
            <div class="keybar" role="toolbar" aria-label="Terminal keys">
              {KEYS.map((k) => (
                <button key={k.key} type="button" class="key" aria-label={k.aria ?? k.label}
                        onMouseDown={(e) => e.preventDefault()}
                        onClick={() => ws.sendKey(s.id, k.key)}>{k.label}</button>
              ))}
            </div>
          )}
          <Composer s={s} live={live} onAttach={(files, add) => uploadImages(files, add)} />
        </>
      )}
    </div>
  );
}

function Composer({ s, live, onAttach }: { s: Session; live: boolean; onAttach: (files: File[], add: (p: string) => void) => Promise<void> }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const narrow = useMediaQuery('(max-width: 767px)');
  const area = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const send = async () => {
    const t = text.trim();
    if (!t || busy) return;
    setBusy(true);
    try {
      await api.send(s.id, t, true);
      setText('');
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
      area.current?.focus();
    }
  };
  const add = (p: string) => setText((cur) => (cur && !cur.endsWith(' ') ? cur + ' ' : cur) + p + ' ');
  return (
    <form class="composer" onSubmit={(e) => { e.preventDefault(); void send(); }}>
      <textarea
        ref={area}
        rows={1}
        value={text}
        disabled={!live}
        aria-label={`Message to ${providerLabel(s.provider)}`}
        placeholder={!live ? 'The session has ended' : narrow ? `Message ${providerLabel(s.provider)}…` : `Message ${providerLabel(s.provider)}… (Enter to send, Shift+Enter for a new line)`}
        onInput={(e) => {
          setText(e.currentTarget.value);
          e.currentTarget.style.height = 'auto';
          e.currentTarget.style.height = Math.min(e.currentTarget.scrollHeight, 160) + 'px';
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); void send(); }
        }}
        onPaste={(e) => {
          const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
          if (files.length) { e.preventDefault(); void onAttach(files, add); }
        }}
      />
      <IconButton icon="paperclip" label="Attach images to the message" disabled={!live} onClick={() => file.current?.click()} />
      <input ref={file} type="file" accept="image/png,image/jpeg,image/gif,image/webp" multiple hidden
             onChange={(e) => { const f = [...(e.currentTarget.files ?? [])]; e.currentTarget.value = ''; if (f.length) void onAttach(f, add); }} />
      <Button type="submit" variant="primary" icon="send" busy={busy} disabled={!live || !text.trim()} aria-label="Send message">
        <span class="hide-phone">Send</span>
      </Button>
    </form>
  );
}

function AttachPanel({ s }: { s: Session }) {
  const target = `codepiper-${s.id}`;
  const cmds = [
    { label: 'Attach with the CodePiper CLI', cmd: `codepiper attach ${s.id}` },
    { label: 'Attach with tmux directly', cmd: `tmux -L codepiper attach-session -t ${target}` },
    { label: 'Detach (inside tmux: Ctrl+B then D)', cmd: `tmux -L codepiper detach-client -s ${target}` },
  ];
  return (
    <div class="card attach-panel">
      <p class="muted">Open this session in a terminal on the daemon's host. The dashboard keeps working while you are attached.</p>
      {cmds.map((c) => (
        <div key={c.cmd} class="attach-row">
          <div class="label">{c.label}</div>
          <div class="cmd-box"><code>{c.cmd}</code><CopyButton text={c.cmd} /></div>
        </div>
      ))}
      <ul class="tips small muted">
        <li>The tmux server is CodePiper's own (<code>-L codepiper</code>), not your default one.</li>
        <li>Each viewer sizes the window; the newest resize wins while several are attached.</li>
      </ul>
    </div>
  );
}

// ---- events tab ----

const PAGE = 50;

function eventSummary(e: SessionEvent): { tool?: string; detail?: string; decision?: string; reason?: string } {
  const p = e.payload ?? {};
  const tool = p.tool_name ?? p.tool ?? p.toolName;
  const input = p.tool_input ?? p.toolInput ?? p.input;
  const decision = typeof p.decision === 'string' ? p.decision : p.decision?.decision ?? p.policyAction ?? p.effectiveAction;
  const reason = p.reason ?? p.decision?.message ?? p.message;
  let detail: string | undefined;
  if (input !== undefined) detail = describeToolInput(input);
  else if (e.type === 'user' || e.type === 'assistant') {
    const c = p.message?.content;
    detail = typeof c === 'string' ? c : Array.isArray(c) ? c.map((b: any) => b.text ?? (b.type === 'tool_use' ? `⚙ ${b.name}` : b.type === 'tool_result' ? '↳ tool result' : '')).filter(Boolean).join(' ') : undefined;
  }
  return { tool, detail, decision: typeof decision === 'string' ? decision : undefined, reason: typeof reason === 'string' ? reason : undefined };
}

function EventsTab({ id }: { id: string }) {
  const [events, setEvents] = useState<SessionEvent[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState('');
  const [source, setSource] = useState('');
  const [filter, setFilter] = useState('');
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const [open, setOpen] = useState<Set<number | string>>(new Set());

  const load = () => {
    setError('');
    setEvents(null);
    api.events(id, { order: 'desc', limit: PAGE, source: source || undefined })
      .then((r) => { setEvents(r.events); setHasMore(r.hasMore); })
      .catch((e) => setError(e.message));
  };
  useEffect(load, [id, source]);

  useEffect(() => ws.subscribe(`session:${id}:events`, (msg) => {
    // Stored events come as {topic, data:<event>}; the same topic also
    // carries {type:"policy_pending"|"policy_resolved", data:<pending ask>}.
    if (msg.type !== undefined && msg.type !== 'event') return;
    const ev: SessionEvent | undefined = msg.data;
    if (!ev || typeof ev.id !== 'number' || typeof ev.type !== 'string' || (source && ev.source !== source)) return;
    setEvents((list) => (list && !list.some((x) => x.id === ev.id) ? [ev, ...list] : list));
    setFresh((f) => new Set(f).add(ev.id!));
    setTimeout(() => setFresh((f) => { const n = new Set(f); n.delete(ev.id!); return n; }), 2500);
  }), [id, source]);

  const older = async () => {
    if (!events?.length) return;
    setLoadingMore(true);
    try {
      const before = Math.min(...events.map((e) => e.id ?? Infinity));
      const r = await api.events(id, { order: 'desc', limit: PAGE, before, source: source || undefined });
      setEvents([...events, ...r.events.filter((e) => !events.some((x) => x.id === e.id))]);
      setHasMore(r.hasMore);
    } catch (e) {
      toastError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const needle = filter.trim().toLowerCase();
  const shown = (events ?? []).filter((e) => !needle || e.type.toLowerCase().includes(needle)
    || JSON.stringify(e.payload ?? {}).toLowerCase().includes(needle));
  const toggle = (k: number | string) => setOpen((o) => { const n = new Set(o); if (n.has(k)) n.delete(k); else n.add(k); return n; });

  return (
    <div class="events-tab">
      <div class="filters">
        <label class="search-box">
          <Icon name="filter" size={16} />
          <input type="search" placeholder="Filter by type, tool or text" aria-label="Filter events" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
        <select aria-label="Event source" value={source} onChange={(e) => setSource(e.currentTarget.value)}>
          <option value="">All sources</option>
          <option value="hook">Hooks</option>
          <option value="transcript">Transcript</option>
          <option value="pty">Terminal input</option>
          <option value="statusline">Status line</option>
        </select>
        <IconButton icon="refresh" label="Reload events" onClick={load} />
      </div>
      <div class="card card-flush">
        {error ? <div class="pad"><ErrorBox message={error} onRetry={load} /></div>
          : events === null ? <SkeletonRows rows={6} height={44} />
          : shown.length === 0 ? <Empty icon="activity" title={events.length ? 'No event matches the filter' : 'No events yet'}>
              Hook calls, permission decisions and transcript lines appear here as they happen.</Empty>
          : (
            <ul class="event-list">
              {shown.map((e, i) => {
                const k = e.id ?? `i${i}`;
                const sum = eventSummary(e);
                const expanded = open.has(k);
                return (
                  <li key={k} class={'event' + (fresh.has(e.id as number) ? ' fresh' : '')}>
                    <button type="button" class="event-row" aria-expanded={expanded ? 'true' : 'false'} onClick={() => toggle(k)}>
                      <Icon name="chevronRight" size={14} class={'chev' + (expanded ? ' open' : '')} />
                      <span class={'chip chip-mono chip-' + (e.source === 'hook' ? 'violet' : e.source === 'pty' ? 'sky' : 'gray')}>{e.source ?? 'event'}</span>
                      <span class="event-type">{e.type}</span>
                      {sum.tool && <span class="chip chip-gray chip-mono">{sum.tool}</span>}
                      {sum.decision && <DecisionChip decision={sum.decision} />}
                      <span class="event-detail truncate mono">{sum.detail ?? sum.reason ?? ''}</span>
                      <time class="muted small nowrap" dateTime={e.timestamp} title={absoluteTime(e.timestamp)}>{new Date(e.timestamp).toLocaleTimeString()}</time>
                    </button>
                    {expanded && (
                      <div class="event-raw">
                        {sum.reason && <div class="small"><strong>Reason:</strong> {sum.reason}</div>}
                        <pre class="mono">{JSON.stringify(e.payload ?? e, null, 2)}</pre>
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
      </div>
      {hasMore && events && (
        <div class="center mt">
          <Button busy={loadingMore} onClick={older} icon="chevronDown">Load older events</Button>
        </div>
      )}
    </div>
  );
}

// ---- policies tab ----

function PoliciesTab({ id }: { id: string }) {
  const [policies, setPolicies] = useState<Policy[] | null>(null);
  const [sets, setSets] = useState<PolicySetSummary[] | null>(null);
  const [allSets, setAllSets] = useState<PolicySetSummary[]>([]);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState('');
  const load = () => {
    setError('');
    Promise.all([api.effectivePolicies(id), api.sessionPolicySets(id)])
      .then(([p, s]) => { setPolicies(p.policies); setSets(s.policySets); })
      .catch((e) => setError(e.message));
    api.policySets().then((r) => setAllSets(r.policySets)).catch(() => {});
  };
  useEffect(load, [id]);

  const attach = async (setId: string) => {
    if (!setId) return;
    setAdding(setId);
    try { await api.attachPolicySet(id, setId); toast.success('Policy set applied'); load(); }
    catch (e) { toastError(e); } finally { setAdding(''); }
  };
  const detach = async (setId: string) => {
    try { await api.detachPolicySet(id, setId); toast.success('Policy set removed'); load(); }
    catch (e) { toastError(e); }
  };
  if (error) return <ErrorBox message={error} onRetry={load} />;
  const available = allSets.filter((x) => !sets?.some((y) => y.id === x.id));
  return (
    <div class="stack">
      <section class="card">
        <div class="section-head">
          <h2>Applied policy sets</h2>
          {available.length > 0 && (
            <select aria-label="Apply a policy set" value="" disabled={!!adding} onChange={(e) => void attach(e.currentTarget.value)}>
              <option value="">+ Apply a set…</option>
              {available.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
            </select>
          )}
        </div>
        {sets === null ? <SkeletonRows rows={1} height={36} /> : sets.length === 0 ? (
          <p class="muted small">No policy set is applied to this session.</p>
        ) : (
          <div class="chip-row">
            {sets.map((x) => (
              <span key={x.id} class="set-chip">
                <Icon name="layers" size={14} /> {x.name} <span class="muted small">· {x.policyCount} polic{x.policyCount === 1 ? 'y' : 'ies'}</span>
                <button type="button" class="chip-x" aria-label={`Remove ${x.name} from this session`} onClick={() => detach(x.id)}><Icon name="x" size={12} /></button>
              </span>
            ))}
          </div>
        )}
      </section>
      <section class="card">
        <div class="section-head">
          <h2>Effective policies</h2>
          <Link href="/policies" class="link small">Manage policies</Link>
        </div>
        <p class="muted small">What this session is checked against: its own policies, its sets' members and the global ones, highest priority first. The first matching rule decides.</p>
        {policies === null ? <SkeletonRows rows={2} height={64} /> : policies.length === 0 ? (
          <Empty icon="shield" title="No policy applies">Every request gets the daemon's default action.</Empty>
        ) : (
          <ol class="effective-list">
            {policies.map((p, i) => (
              <li key={p.id} class="effective">
                <div class="row gap-sm wrap">
                  <span class="order">{i + 1}</span>
                  <strong>{p.name}</strong>
                  <span class="chip chip-gray chip-mono">P {p.priority}</span>
                  <span class={'chip ' + (p.sessionId ? 'chip-violet' : 'chip-amber')}>{p.sessionId ? 'Session' : 'Global'}</span>
                </div>
                <RuleSummary rules={p.rules} />
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
