// The session's Conversation tab: the transcript as turns (timestamps, model,
// tokens per message, collapsible tool calls with their results), newest page
// first, older pages as you scroll up, new messages live (a transcript event
// on session:<id>:events, or a reconnect, fetches what came after the newest
// message). Search within what is loaded, jump to latest, and a composer that
// sends through POST /sessions/:id/send.

import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { ConversationMessage, Session } from '../types';
import { isLive, useStore } from '../store';
import { ws } from '../ws';
import { Icon } from '../icons';
import { Button, CopyButton, Empty, ErrorBox, IconButton, Spinner, confirmAction, toast, toastError, useMediaQuery } from '../ui';
import { navigate } from '../router';
import { absoluteTime, compactNumber, fullNumber, providerLabel, shortModel } from '../format';
import {
  buildItems, inlineSpans, mergeMessages, normalizePage, parseMarkdown, specialUserText, toolSummary, utf8Bytes,
  type Item, type ShownBlock, type ToolCall,
} from './conversationModel';
import './conversation.css';

const PAGE = 50;
const LONG_BYTES = 2048;
const drafts = new Map<string, string>();

interface Pending { key: number; text: string; at: number; afterId: number }

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

export default function Conversation({ s }: { s: Session }) {
  const live = isLive(s);
  const conn = useStore((st) => st.conn);
  const [messages, setMessages] = useState<ConversationMessage[]>([]);
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState('');
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [atBottom, setAtBottom] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const [pending, setPending] = useState<Pending[]>([]);
  const [query, setQuery] = useState('');
  const [matchIndex, setMatchIndex] = useState(0);
  const [loadingAll, setLoadingAll] = useState(false);

  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const newest = useRef<number | null>(null);
  const oldest = useRef<number | null>(null);
  const hasOlderRef = useRef(false);
  const olderBusy = useRef(false);
  const atBottomRef = useRef(true);
  const anchor = useRef<{ h: number; top: number } | null>(null);
  const stick = useRef(false);
  const newerBusy = useRef(false);
  const newerAgain = useRef(false);
  const ready = useRef(false);
  const missed = useRef(false);
  const alive = useRef(true);
  useEffect(() => () => { alive.current = false; }, []);

  const load = async () => {
    setStatus('loading');
    setError('');
    ready.current = false;
    try {
      const page = normalizePage(await api.conversation(s.id, { limit: PAGE }));
      if (!alive.current) return;
      newest.current = page.newestId;
      oldest.current = page.oldestId;
      hasOlderRef.current = page.hasMore;
      stick.current = true;
      atBottomRef.current = true;
      setAtBottom(true);
      setUnseen(0);
      setMessages(page.messages);
      setHasOlder(page.hasMore);
      setStatus('ready');
      ready.current = true;
      // A line was written while the first page was in flight.
      if (missed.current) { missed.current = false; void fetchNewer.current(); }
    } catch (e) {
      if (!alive.current) return;
      setError((e as Error).message);
      setStatus('error');
    }
  };
  useEffect(() => { void load(); }, [s.id]);

  /** Pages after the newest message until there are no more. */
  const fetchNewer = useRef(async () => {});
  fetchNewer.current = async () => {
    if (!ready.current) { missed.current = true; return; }
    if (newerBusy.current) { newerAgain.current = true; return; }
    newerBusy.current = true;
    try {
      for (let i = 0; i < 25; i++) {
        const page = normalizePage(await api.conversation(s.id, { limit: 200, after: newest.current ?? 0 }));
        if (!alive.current) return;
        if (page.messages.length) {
          newest.current = page.newestId;
          if (oldest.current === null) oldest.current = page.oldestId;
          if (atBottomRef.current) stick.current = true;
          else setUnseen((n) => n + countShown(page.messages));
          setMessages((cur) => mergeMessages(cur, page.messages));
        }
        if (!page.hasMore) break;
      }
    } catch {
      // The next event or reconnect tries again.
    } finally {
      newerBusy.current = false;
      if (newerAgain.current) { newerAgain.current = false; void fetchNewer.current(); }
    }
  };

  const loadOlder = useRef(async () => {});
  loadOlder.current = async () => {
    if (olderBusy.current || !hasOlderRef.current || oldest.current === null) return;
    olderBusy.current = true;
    setLoadingOlder(true);
    try {
      const page = normalizePage(await api.conversation(s.id, { limit: PAGE, before: oldest.current }));
      if (!alive.current) return;
      const el = scroller.current;
      if (el && page.messages.length) anchor.current = { h: el.scrollHeight, top: el.scrollTop };
      if (page.oldestId !== null) oldest.current = page.oldestId;
      hasOlderRef.current = page.hasMore;
      setHasOlder(page.hasMore);
      setMessages((cur) => mergeMessages(cur, page.messages));
    } catch (e) {
      toastError(e);
    } finally {
      olderBusy.current = false;
      setLoadingOlder(false);
    }
  };

  // Live: a transcript line for this session means there is something newer.
  useEffect(() => {
    let t: number | undefined;
    const kick = () => { clearTimeout(t); t = window.setTimeout(() => void fetchNewer.current(), 150); };
    const off = ws.subscribe(`session:${s.id}:events`, (msg) => {
      const ev = msg?.data ?? msg?.event;
      if (ev && ev.source === 'transcript' && (ev.type === 'user' || ev.type === 'assistant')) kick();
    });
    const offOpen = ws.onOpen(kick);
    return () => { off(); offOpen(); clearTimeout(t); };
  }, [s.id]);

  // Keep the reading position when older messages are put above it, and
  // follow the bottom when new ones arrive while the reader is there.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.h + anchor.current.top;
      anchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
      stick.current = false;
    }
  }, [messages, pending, status]);

  // Scrolling near the top loads the page before.
  useEffect(() => {
    const el = sentinel.current;
    const root = scroller.current;
    if (!el || !root || status !== 'ready' || !hasOlder) return;
    const io = new IntersectionObserver((entries) => {
      if (entries[0]?.isIntersecting) void loadOlder.current();
    }, { root, rootMargin: '400px 0px 0px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, [status, hasOlder, messages.length]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (bottom !== atBottomRef.current) { atBottomRef.current = bottom; setAtBottom(bottom); }
    if (bottom && unseen) setUnseen(0);
  };
  const jumpToLatest = () => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' });
    setUnseen(0);
  };

  const items = useMemo(() => buildItems(messages), [messages]);

  // Optimistic messages leave once the transcript has them.
  const shownPending = pending.filter((p) => Date.now() - p.at < 120000
    && !items.some((i) => i.role === 'user' && i.ids[0] > p.afterId && norm(i.blocks.map((b) => (b.kind === 'text' ? b.text : '')).join(' ')) === norm(p.text)));
  useEffect(() => {
    if (shownPending.length !== pending.length) setPending(shownPending);
  }, [items]);

  // ---- search ----
  const needle = query.trim().toLowerCase();
  const matches = useMemo(() => (needle ? items.filter((i) => i.haystack.includes(needle)).map((i) => i.key) : []), [items, needle]);
  const active = matches.length ? matches[Math.min(matchIndex, matches.length - 1)] : null;
  // A new query starts at the newest match; older pages coming in keep the
  // current match where it is.
  const lastNeedle = useRef('');
  const lastActive = useRef<string | null>(null);
  useEffect(() => {
    if (needle !== lastNeedle.current) {
      lastNeedle.current = needle;
      setMatchIndex(Math.max(0, matches.length - 1));
      return;
    }
    const i = lastActive.current ? matches.indexOf(lastActive.current) : -1;
    if (i >= 0 && i !== matchIndex) setMatchIndex(i);
  }, [matches, needle]);
  useEffect(() => { lastActive.current = active; }, [active]);
  useEffect(() => {
    if (!active) return;
    document.getElementById('msg-' + active)?.scrollIntoView({ block: 'center' });
  }, [active, needle]);
  const step = (d: number) => {
    if (!matches.length) return;
    setMatchIndex((i) => (Math.min(i, matches.length - 1) + d + matches.length) % matches.length);
  };
  const loadAll = async () => {
    setLoadingAll(true);
    for (let i = 0; i < 40 && hasOlderRef.current && alive.current; i++) await loadOlder.current();
    setLoadingAll(false);
  };

  const lastAssistant = [...items].reverse().find((i) => i.role === 'assistant')?.key;
  const stateText = !live ? 'ended' : conn === 'open' ? 'live' : 'reconnecting';
  const agent = providerLabel(s.provider);

  return (
    <div class="convo">
      <div class="convo-toolbar">
        <div class="search-box convo-search" role="search">
          <Icon name="search" size={15} />
          <input type="search" value={query} placeholder="Search the conversation" aria-label="Search the conversation"
                 onInput={(e) => setQuery(e.currentTarget.value)}
                 onKeyDown={(e) => {
                   if (e.key === 'Enter') { e.preventDefault(); step(e.shiftKey ? 1 : -1); }
                   else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); setQuery(''); }
                 }} />
          {needle && (
            <>
              <span class="muted small nowrap convo-count" aria-live="polite">
                {matches.length ? `${Math.min(matchIndex, matches.length - 1) + 1} of ${matches.length}` : 'No matches'}
              </span>
              <IconButton icon="chevronDown" class="rot-180 icon-btn-sm" label="Older match (Enter)" disabled={!matches.length} onClick={() => step(-1)} />
              <IconButton icon="chevronDown" class="icon-btn-sm" label="Newer match (Shift+Enter)" disabled={!matches.length} onClick={() => step(1)} />
            </>
          )}
        </div>
        {needle && hasOlder && (
          <Button size="sm" variant="ghost" busy={loadingAll} onClick={loadAll} title="Only loaded messages are searched">Search older too</Button>
        )}
        <div class="toolbar-spacer" />
        <span class={'term-state term-' + stateText} role="status">
          <span class="dot" />{stateText === 'live' ? 'Live' : stateText === 'ended' ? 'Session ended' : 'Reconnecting…'}
        </span>
        <span class="muted small hide-phone nowrap">{items.length}{hasOlder ? '+' : ''} message{items.length === 1 && !hasOlder ? '' : 's'}</span>
        <IconButton icon="refresh" label="Reload the conversation" onClick={() => void load()} />
      </div>

      <div class="convo-frame">
        <div class="convo-scroll" ref={scroller} onScroll={onScroll} aria-busy={status === 'loading' ? 'true' : 'false'}>
          {status === 'error' ? (
            <div class="convo-column"><ErrorBox message={error} onRetry={() => void load()} /></div>
          ) : status === 'loading' ? (
            <ConvoSkeleton />
          ) : items.length === 0 && !hasOlder && shownPending.length === 0 ? (
            <div class="convo-empty"><EmptyConversation s={s} live={live} /></div>
          ) : (
            <div class="convo-column" role="log" aria-label={`Conversation with ${agent}`}>
              <div ref={sentinel} class="convo-older">
                {hasOlder ? (
                  <Button size="sm" variant="ghost" busy={loadingOlder} icon="chevronDown" class="rot-180-icon" onClick={() => void loadOlder.current()}>
                    Load older messages
                  </Button>
                ) : <span class="muted small">Beginning of the conversation</span>}
              </div>
              <Turns items={items} agent={agent} provider={s.provider} needle={needle} active={active}
                     running={live ? lastAssistant : undefined} />
              {shownPending.map((p) => (
                <div key={p.key} class="turn turn-user turn-pending">
                  <div class="turn-meta"><span class="muted small"><Spinner size={10} /> Sent · waiting for the transcript</span></div>
                  <div class="bubble"><p class="md-p">{p.text}</p></div>
                </div>
              ))}
            </div>
          )}
        </div>
        {!atBottom && status === 'ready' && (
          <button type="button" class={'jump-latest' + (unseen ? ' has-new' : '')} onClick={jumpToLatest}>
            <Icon name="arrowDown" size={15} />
            {unseen ? `${unseen} new message${unseen === 1 ? '' : 's'}` : 'Jump to latest'}
          </button>
        )}
      </div>

      <Composer s={s} live={live} onSent={(text) => {
        if (s.provider === 'codex') { toast.success(`Sent to ${agent}; its reply shows in the terminal`); return; }
        setPending((l) => [...l, { key: Date.now(), text, at: Date.now(), afterId: newest.current ?? 0 }]);
        stick.current = true;
        atBottomRef.current = true;
        setAtBottom(true);
      }} />
    </div>
  );
}

function countShown(list: ConversationMessage[]): number {
  const ids = new Set<string>();
  let n = 0;
  for (const m of list) {
    if (m.isMeta || m.toolResult) continue;
    if (m.role === 'assistant' && m.messageId) { if (ids.has(m.messageId)) continue; ids.add(m.messageId); }
    n++;
  }
  return n;
}

function ConvoSkeleton() {
  return (
    <div class="convo-column" aria-label="Loading">
      {[70, 140, 60, 110].map((h, i) => (
        <div key={i} class={'turn ' + (i % 2 ? 'turn-assistant' : 'turn-user')}>
          <div class="skeleton" style={{ height: h, width: i % 2 ? '100%' : '60%', marginLeft: i % 2 ? 0 : 'auto' }} />
        </div>
      ))}
    </div>
  );
}

function EmptyConversation({ s, live }: { s: Session; live: boolean }) {
  if (s.provider === 'codex') {
    return (
      <Empty icon="message" title="No conversation for Codex sessions">
        Codex keeps no transcript CodePiper can read yet, so this session has no conversation view. The terminal shows everything it does.
        <div class="mt-sm"><Button icon="terminal" onClick={() => navigate(`/sessions/${s.id}`, true)}>Open the terminal</Button></div>
      </Empty>
    );
  }
  return (
    <Empty icon="message" title={live ? 'No messages yet' : 'No conversation was recorded'}>
      {live
        ? `Messages show up here as soon as ${providerLabel(s.provider)} writes them to its transcript. Send a prompt below to start.`
        : 'This session ended before its agent wrote a transcript.'}
    </Empty>
  );
}

// ---- turns ----

const dayLabel = (d: Date) => {
  const today = new Date();
  const y = new Date(); y.setDate(today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === y.toDateString()) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric', year: d.getFullYear() === today.getFullYear() ? undefined : 'numeric' });
};

function Turns({ items, agent, provider, needle, active, running }: {
  items: Item[]; agent: string; provider: string; needle: string; active: string | null; running?: string;
}) {
  const out: ComponentChildren[] = [];
  let lastDay = '';
  for (const it of items) {
    const d = new Date(it.timestamp);
    const day = Number.isNaN(d.getTime()) ? '' : d.toDateString();
    const newDay = !!day && day !== lastDay;
    if (newDay) {
      out.push(<div key={'d' + it.key} class="day-sep" role="separator"><span>{dayLabel(d)}</span></div>);
      lastDay = day;
    }
    out.push(<Turn key={it.key} it={it} agent={agent} provider={provider} needle={needle} active={active === it.key}
                   running={running === it.key} newDay={newDay} />);
  }
  return <>{out}</>;
}

function Turn({ it, agent, provider, needle, active, running, newDay }: {
  it: Item; agent: string; provider: string; needle: string; active: boolean; running: boolean; newDay: boolean;
}) {
  const time = new Date(it.timestamp);
  const timeText = Number.isNaN(time.getTime()) ? '' : time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const hit = !!needle && it.haystack.includes(needle);
  const cls = `turn turn-${it.role}${it.continued && !newDay ? ' continued' : ''}${active ? ' search-active' : ''}${hit ? ' search-hit' : ''}`;
  if (it.role === 'user') {
    return (
      <div id={'msg-' + it.key} class={cls}>
        <div class="turn-meta">
          <span class="turn-who">You</span>
          <time dateTime={it.timestamp} title={absoluteTime(it.timestamp)} class="muted small">{timeText}</time>
        </div>
        <div class="bubble">
          {it.blocks.map((b, i) => <Block key={i} b={b} needle={needle} user forceOpen={active} />)}
        </div>
      </div>
    );
  }
  return (
    <div id={'msg-' + it.key} class={cls}>
      <div class={'avatar avatar-' + (provider === 'codex' ? 'codex' : 'claude')} aria-hidden="true">{agent.charAt(0)}</div>
      <div class="turn-body">
        <div class="turn-meta">
          <span class="turn-who">{agent}</span>
          <time dateTime={it.timestamp} title={absoluteTime(it.timestamp)} class="muted small">{timeText}</time>
          {it.model && <span class="chip chip-gray chip-mono model-chip" title={it.model}>{shortModel(it.model)}</span>}
        </div>
        {it.blocks.map((b, i) => <Block key={i} b={b} needle={needle} forceOpen={active} running={running && i === it.blocks.length - 1} />)}
        {it.usage && <Tokens u={it.usage} />}
      </div>
    </div>
  );
}

function Tokens({ u }: { u: NonNullable<Item['usage']> }) {
  const inp = u.input_tokens ?? 0, out = u.output_tokens ?? 0, cr = u.cache_read_input_tokens ?? 0, cw = u.cache_creation_input_tokens ?? 0;
  const title = `Input ${fullNumber(inp)} · output ${fullNumber(out)} · cache read ${fullNumber(cr)} · cache write ${fullNumber(cw)}`;
  return (
    <div class="tokens" title={title} aria-label={`Tokens: ${title}`}>
      <span>{fullNumber(inp)} in</span>
      <span>{fullNumber(out)} out</span>
      {cr > 0 && <span>{compactNumber(cr)} cached</span>}
      {cw > 0 && <span class="hide-phone">{compactNumber(cw)} cache write</span>}
    </div>
  );
}

function Block({ b, needle, user, forceOpen, running }: { b: ShownBlock; needle: string; user?: boolean; forceOpen?: boolean; running?: boolean }) {
  if (b.kind === 'text') {
    const special = user ? specialUserText(b.text) : null;
    if (special?.command) return <div class="slash-cmd mono"><Icon name="terminal" size={13} />{hl(special.command, needle)}</div>;
    if (special?.output !== undefined) return <pre class="local-out mono">{hl(special.output || '(no output)', needle)}</pre>;
    return (
      <div class="md">
        <Markdown text={b.text} needle={needle} />
        {b.truncated && <p class="muted small">… cut to 16 KB</p>}
      </div>
    );
  }
  if (b.kind === 'thinking') return <Thinking text={b.text} needle={needle} forceOpen={!!forceOpen && !!needle && b.text.toLowerCase().includes(needle)} />;
  if (b.kind === 'tool') {
    const matchesHere = !!forceOpen && !!needle && JSON.stringify([b.call.name, b.call.input, b.call.result?.content ?? '']).toLowerCase().includes(needle);
    return <ToolCard call={b.call} forceOpen={matchesHere} running={!!running} needle={needle} />;
  }
  return <span class="chip chip-gray">{b.type === 'image' ? 'Image' : b.type}</span>;
}

/** Text with every occurrence of the needle marked. */
function hl(text: string, needle: string): ComponentChildren {
  if (!needle) return text;
  const lower = text.toLowerCase();
  const out: ComponentChildren[] = [];
  let i = 0;
  for (let j = lower.indexOf(needle); j >= 0; j = lower.indexOf(needle, i)) {
    if (j > i) out.push(text.slice(i, j));
    out.push(<mark>{text.slice(j, j + needle.length)}</mark>);
    i = j + needle.length;
  }
  if (i < text.length) out.push(text.slice(i));
  return out;
}

function Inline({ text, needle }: { text: string; needle: string }) {
  return (
    <>
      {inlineSpans(text).map((s, i) => (s.t === 'code' ? <code key={i}>{hl(s.s, needle)}</code>
        : s.t === 'bold' ? <strong key={i}>{hl(s.s, needle)}</strong> : <span key={i}>{hl(s.s, needle)}</span>))}
    </>
  );
}

function Markdown({ text, needle }: { text: string; needle: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return (
    <>
      {blocks.map((b, i) => {
        if (b.t === 'code') {
          return (
            <div key={i} class="md-code">
              {b.lang && <span class="md-lang">{b.lang}</span>}
              <pre class="mono">{hl(b.text, needle)}</pre>
            </div>
          );
        }
        if ('items' in b) {
          const L = b.t;
          return <L key={i} class="md-list">{b.items.map((x, k) => <li key={k}><Inline text={x} needle={needle} /></li>)}</L>;
        }
        return <p key={i} class={b.t === 'h' ? 'md-h' : 'md-p'}><Inline text={b.text} needle={needle} /></p>;
      })}
    </>
  );
}

function Thinking({ text, needle, forceOpen }: { text: string; needle: string; forceOpen: boolean }) {
  const [open, setOpen] = useState(false);
  const shown = open || forceOpen;
  return (
    <div class={'thinking' + (shown ? ' open' : '')}>
      <button type="button" class="thinking-head" aria-expanded={shown ? 'true' : 'false'} onClick={() => setOpen(!shown)}>
        <Icon name="chevronRight" size={13} class="chev" />
        <span>Thinking</span>
        {!shown && <span class="thinking-peek truncate">{text.split('\n')[0]}</span>}
      </button>
      {shown && <div class="thinking-body">{hl(text, needle)}</div>}
    </div>
  );
}

function ToolCard({ call, forceOpen, running, needle }: { call: ToolCall; forceOpen: boolean; running: boolean; needle: string }) {
  const [open, setOpen] = useState(false);
  const shown = open || forceOpen;
  const res = call.result;
  const resultText = res ? (res.content ?? res.text ?? '') : undefined;
  const summary = toolSummary(call.name, call.input);
  const state = res ? (res.isError ? 'error' : 'ok') : running ? 'running' : 'none';
  return (
    <div class={`tool-card tool-${state}${shown ? ' open' : ''}`}>
      <button type="button" class="tool-head" aria-expanded={shown ? 'true' : 'false'} onClick={() => setOpen(!shown)}>
        <Icon name="chevronRight" size={14} class="chev" />
        <span class="tool-icon"><Icon name={call.name === 'Bash' ? 'terminal' : 'tool'} size={13} /></span>
        <span class="tool-name">{call.name}</span>
        <span class="tool-summary truncate mono">{hl(summary, needle)}</span>
        {state === 'ok' && <span class="tool-status ok" title="Finished"><Icon name="check" size={13} /></span>}
        {state === 'error' && <span class="chip chip-red tool-status">Error</span>}
        {state === 'running' && <span class="tool-status muted small"><Spinner size={11} /> running</span>}
        {state === 'none' && <span class="tool-status muted small">no result</span>}
      </button>
      {shown && (
        <div class="tool-body">
          <div class="tool-section">
            <div class="tool-label">Input</div>
            <ToolInput name={call.name} input={call.input} needle={needle} />
          </div>
          <div class="tool-section">
            <div class="tool-label">
              {res?.isError ? 'Error' : 'Result'}
              {resultText && <CopyButton text={resultText} label="Copy" />}
            </div>
            {resultText === undefined
              ? <p class="muted small">{running ? 'Waiting for the result…' : 'No result was recorded.'}</p>
              : <pre class={'tool-out mono' + (res?.isError ? ' is-error' : '')}>{resultText ? hl(resultText, needle) : <span class="muted">(empty)</span>}</pre>}
            {res?.truncated && <p class="muted small">Cut to 16 KB; the full result is in the transcript file.</p>}
          </div>
        </div>
      )}
    </div>
  );
}

function ToolInput({ name, input, needle }: { name: string; input: unknown; needle: string }) {
  const o = (input && typeof input === 'object' ? input : {}) as Record<string, any>;
  if (name === 'Bash' && typeof o.command === 'string') {
    return (
      <>
        {o.description && <p class="muted small tool-desc">{o.description}</p>}
        <pre class="tool-in mono"><span class="prompt">$ </span>{hl(o.command, needle)}</pre>
      </>
    );
  }
  if ((name === 'Edit' || name === 'MultiEdit') && typeof o.file_path === 'string') {
    const edits: { old_string?: string; new_string?: string }[] = Array.isArray(o.edits) ? o.edits : [o];
    return (
      <>
        <div class="tool-file mono">{hl(o.file_path, needle)}</div>
        {edits.map((e, i) => (
          <pre key={i} class="tool-in diff mono">
            {String(e.old_string ?? '').split('\n').map((l, k) => <span key={'o' + k} class="del">- {hl(l, needle)}{'\n'}</span>)}
            {String(e.new_string ?? '').split('\n').map((l, k) => <span key={'n' + k} class="add">+ {hl(l, needle)}{'\n'}</span>)}
          </pre>
        ))}
      </>
    );
  }
  if (name === 'TodoWrite' && Array.isArray(o.todos)) {
    return (
      <ul class="todo-list">
        {o.todos.map((t: any, i: number) => (
          <li key={i} class={'todo-' + (t.status ?? 'pending')}>
            <span class="todo-box" aria-hidden="true">{t.status === 'completed' ? <Icon name="check" size={11} /> : null}</span>
            {hl(String(t.content ?? ''), needle)}
            <span class="muted small"> · {String(t.status ?? 'pending').replace('_', ' ')}</span>
          </li>
        ))}
      </ul>
    );
  }
  if (name === 'Write' && typeof o.file_path === 'string' && typeof o.content === 'string') {
    return (
      <>
        <div class="tool-file mono">{hl(o.file_path, needle)}</div>
        <pre class="tool-in mono">{hl(o.content, needle)}</pre>
      </>
    );
  }
  if (name === 'Read' && typeof o.file_path === 'string') {
    const range = o.offset || o.limit ? ` (lines ${o.offset ?? 1}${o.limit ? `–${(o.offset ?? 1) + o.limit - 1}` : '+'})` : '';
    return <div class="tool-file mono">{hl(o.file_path, needle)}<span class="muted">{range}</span></div>;
  }
  let json = '';
  try { json = typeof input === 'string' ? input : JSON.stringify(input, null, 2); } catch { json = String(input); }
  return <pre class="tool-in mono">{hl(json, needle)}</pre>;
}

// ---- composer ----

function Composer({ s, live, onSent }: { s: Session; live: boolean; onSent: (text: string) => void }) {
  const [text, setTextState] = useState(drafts.get(s.id) ?? '');
  const [busy, setBusy] = useState(false);
  const narrow = useMediaQuery('(max-width: 767px)');
  const area = useRef<HTMLTextAreaElement>(null);
  const agent = providerLabel(s.provider);
  const waitingPermission = s.status === 'NEEDS_PERMISSION';
  const disabled = !live || waitingPermission;
  const bytes = useMemo(() => utf8Bytes(text), [text]);
  const setText = (v: string) => { setTextState(v); if (v) drafts.set(s.id, v); else drafts.delete(s.id); };

  const resize = () => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = Math.min(el.scrollHeight, 200) + 'px';
  };
  useLayoutEffect(resize, [text]);

  const send = async () => {
    const t = text.replace(/\s+$/, '').replace(/^\n+/, '');
    if (!t.trim() || busy || disabled) return;
    const size = utf8Bytes(t);
    if (t.includes('\n') && size > LONG_BYTES) {
      const lines = t.split('\n').length;
      const ok = await confirmAction({
        title: 'Send this long message?',
        body: (
          <>
            <p>It has <strong>{lines} lines</strong> ({(size / 1024).toFixed(1)} KB) and will be typed into {agent}'s prompt as one message.</p>
            <pre class="confirm-preview mono">{t.slice(0, 400)}{t.length > 400 ? '\n…' : ''}</pre>
          </>
        ),
        confirmLabel: 'Send message',
      });
      if (!ok) { area.current?.focus(); return; }
    }
    setBusy(true);
    try {
      await api.send(s.id, t, true);
      setText('');
      onSent(t);
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
      area.current?.focus();
    }
  };

  const placeholder = !live ? 'The session has ended; resume it to send messages'
    : waitingPermission ? `${agent} is waiting for a permission answer`
    : narrow ? `Message ${agent}…` : `Message ${agent}… (Enter to send, Shift+Enter for a new line)`;

  return (
    <div class="convo-composer-wrap">
      <form class={'composer convo-composer' + (disabled ? ' is-disabled' : '')} onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <textarea
          ref={area}
          rows={1}
          value={text}
          disabled={disabled}
          aria-label={`Message to ${agent}`}
          placeholder={placeholder}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); void send(); }
          }}
        />
        <Button type="submit" variant="primary" icon="send" busy={busy} disabled={disabled || !text.trim()} aria-label="Send message">
          <span class="hide-phone">Send</span>
        </Button>
      </form>
      {(waitingPermission && live) ? (
        <p class="composer-hint amber"><Icon name="alert" size={13} /> Answer the approval above first: text sent now would land in the permission prompt.</p>
      ) : bytes > 1024 ? (
        <p class={'composer-hint' + (text.includes('\n') && bytes > LONG_BYTES ? ' amber' : '')}>
          {(bytes / 1024).toFixed(1)} KB{text.includes('\n') && bytes > LONG_BYTES ? ' · you will be asked to confirm this multi-line message' : ''}
        </p>
      ) : null}
    </div>
  );
}
