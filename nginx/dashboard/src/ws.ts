// The dashboard's one WebSocket (/ws, same origin) and everything about its
// protocol (spec/websocket.md): hello, topic subscriptions, terminal input,
// paste, resize, heartbeats, reconnect with backoff and resubscription, and
// both ways terminal output can arrive:
//
//  - raw mode (ours, asked for with `ptyMode:"raw"` in hello): one
//    `pty_snapshot` (capture-pane -e of the screen, base64) and then every
//    `pty_raw` chunk of PTY bytes in seq order. On reconnect we subscribe with
//    the last seq we wrote and get exactly the missed bytes.
//  - frame mode (the reference's, websocket.md §5.1): every `pty_output` is the
//    whole visible screen; we repaint from it. The first screen comes from
//    GET /sessions/:id/output because the server sends nothing until a change.
//
// Client messages carry the operation both as `op` (the reference's name) and
// as `type`, so either spelling of the server accepts them; server messages are
// dispatched on `op ?? type`. Keep protocol details here so they are easy to
// adjust; callers see topics, a byte sink for terminals and input helpers.

import { api } from './api';

export type ConnState = 'idle' | 'connecting' | 'open' | 'reconnecting';

type Json = Record<string, any>;
type Handler = (msg: Json) => void;

/** Where a terminal's output goes: xterm's reset() and write(). */
export interface PtySink {
  reset(): void;
  write(data: string | Uint8Array): void;
  /** Around a raw-mode snapshot taken at the server's size (cols x rows):
   *  the terminal may take that size to lay it out, then fit itself again. */
  beginSnapshot?(cols?: number, rows?: number): void;
  endSnapshot?(): void;
}

/** Input failure reported by the server (websocket.md §4.6). */
export interface InputError {
  sessionId: string;
  error: string;
  code?: string;
  policyAction?: string;
}

interface PtySub {
  sessionId: string;
  sinks: Set<PtySink>;
  lastSeq: number | null;      // last seq written to the sinks
  haveBase: boolean;           // a snapshot or a full frame has been written
  pending: Json[];             // raw chunks that arrived before the snapshot
  lastResyncAt: number;
  firstScreenTimer: number | null;
}

interface PendingInput { sessionId: string; kind: 'text' | 'key'; data: string }

const HELLO = {
  version: 1,
  supports: { ptyPatch: false, ptyBinary: false, ptyPaste: true },
  ptyMode: 'raw',
};
const PASTE_CHUNK = 8192;
const PASTE_MAX_BYTES = 2 * 1024 * 1024;
const PASTE_MAX_CHUNKS = 512;
const BUFFERED_HIGH_WATER = 256 * 1024;
const PING_EVERY_MS = 25_000;
const SILENCE_LIMIT_MS = 70_000;
const MAX_BACKOFF_MS = 30_000;

function backoffDelay(attempt: number): number {
  const base = Math.min(1000 * 2 ** attempt, MAX_BACKOFF_MS);
  return base / 2 + Math.random() * base / 2;
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A reference full-screen frame as terminal writes: home, each line with an
 *  erase-to-end, erase below, then the cursor where tmux has it. */
export function frameToAnsi(text: string, cursor?: { x: number; y: number; visible?: boolean }): string {
  let body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = body.split('\n');
  let out = '\x1b[H' + lines.map((l) => l + '\x1b[0m\x1b[K').join('\r\n') + '\x1b[J';
  if (cursor) {
    out += `\x1b[${cursor.y + 1};${cursor.x + 1}H` + (cursor.visible === false ? '\x1b[?25l' : '\x1b[?25h');
  }
  return out;
}

// ---- terminal input: what xterm's onData gives, as pty_input / pty_key ----

const SEQUENCE_KEYS: Record<string, string> = {
  '\r': 'enter', '\x7f': 'backspace', '\b': 'backspace', '\t': 'tab', '\x1b': 'escape',
  '\x1b[Z': 'shift+tab',
  '\x1b[A': 'up', '\x1b[B': 'down', '\x1b[C': 'right', '\x1b[D': 'left',
  '\x1bOA': 'up', '\x1bOB': 'down', '\x1bOC': 'right', '\x1bOD': 'left',
  '\x1b[H': 'home', '\x1b[F': 'end', '\x1bOH': 'home', '\x1bOF': 'end', '\x1b[1~': 'home', '\x1b[4~': 'end',
  '\x1b[2~': 'insert', '\x1b[3~': 'delete', '\x1b[5~': 'pageup', '\x1b[6~': 'pagedown',
  '\x1bOP': 'f1', '\x1bOQ': 'f2', '\x1bOR': 'f3', '\x1bOS': 'f4', '\x1b[15~': 'f5', '\x1b[17~': 'f6',
  '\x1b[18~': 'f7', '\x1b[19~': 'f8', '\x1b[20~': 'f9', '\x1b[21~': 'f10', '\x1b[23~': 'f11', '\x1b[24~': 'f12',
};
const CSI_ARROWS: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };

export type InputToken = { kind: 'text'; data: string } | { kind: 'key'; key: string };

/** Splits terminal input into literal text runs and named keys (the key
 *  vocabulary of POST /sessions/:id/keys), keeping their order. */
export function tokenizeInput(data: string): InputToken[] {
  const out: InputToken[] = [];
  let text = '';
  const flush = () => { if (text) { out.push({ kind: 'text', data: text }); text = ''; } };
  const key = (k: string) => { flush(); out.push({ kind: 'key', key: k }); };
  let i = 0;
  while (i < data.length) {
    const c = data[i];
    const code = c.charCodeAt(0);
    if (c === '\x1b') {
      // CSI: ESC [ params final
      if (data[i + 1] === '[') {
        let j = i + 2;
        while (j < data.length && /[0-9;?]/.test(data[j])) j++;
        const seq = data.slice(i, j + 1);
        const mod = /^\x1b\[1;(\d)([ABCDHF])$/.exec(seq);
        if (SEQUENCE_KEYS[seq]) key(SEQUENCE_KEYS[seq]);
        else if (mod && (mod[1] === '3' || mod[1] === '5')) key((mod[1] === '5' ? 'ctrl+' : 'alt+') + CSI_ARROWS[mod[2]]);
        else { text += seq; }
        i = j + 1;
        continue;
      }
      if (data[i + 1] === 'O' && i + 2 < data.length) {
        const seq = data.slice(i, i + 3);
        if (SEQUENCE_KEYS[seq]) { key(SEQUENCE_KEYS[seq]); i += 3; continue; }
      }
      if (i + 1 < data.length && data[i + 1] !== '\x1b' && data.charCodeAt(i + 1) >= 0x20) {
        key('alt+' + data[i + 1].toLowerCase());
        i += 2;
        continue;
      }
      key('escape');
      i++;
      continue;
    }
    if (SEQUENCE_KEYS[c]) { key(SEQUENCE_KEYS[c]); i++; continue; }
    if (code === 0) { key('ctrl+space'); i++; continue; }
    if (code >= 1 && code <= 26) { key('ctrl+' + String.fromCharCode(code + 96)); i++; continue; }
    text += c;
    i++;
  }
  flush();
  return out;
}

// ---- the client ----

class WsClient {
  private socket: WebSocket | null = null;
  private wanted = false;
  private attempt = 0;
  private failuresBeforeOpen = 0;
  private reconnectTimer: number | null = null;
  private pingTimer: number | null = null;
  private lastMessageAt = 0;
  private helloAck: Json | null = null;
  private pingSupported: boolean | null = null;
  private wsResize = true;
  private lastResize = new Map<string, { cols: number; rows: number }>();
  private topics = new Map<string, Set<Handler>>();
  private pty = new Map<string, PtySub>();
  private stateListeners = new Set<(s: ConnState) => void>();
  private openListeners = new Set<() => void>();
  private inputErrorListeners = new Set<(e: InputError) => void>();
  private inflight = new Map<string, PendingInput>();
  private seq = 0;
  state: ConnState = 'idle';
  /** Called after several failed connection attempts in a row (the cookie may be gone). */
  onRepeatedFailure: (() => void) | null = null;

  start() {
    if (this.wanted) return;
    this.wanted = true;
    this.attempt = 0;
    this.open();
    window.addEventListener('online', this.kick);
    document.addEventListener('visibilitychange', this.kick);
  }

  stop() {
    this.wanted = false;
    window.removeEventListener('online', this.kick);
    document.removeEventListener('visibilitychange', this.kick);
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPing();
    const s = this.socket;
    this.socket = null;
    if (s) { s.onclose = null; s.close(1000, 'Signed out'); }
    this.setState('idle');
  }

  /** Reconnect now when the page comes back or the network returns. */
  private kick = () => {
    if (!this.wanted || document.visibilityState === 'hidden') return;
    if (this.state === 'reconnecting' && this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.attempt = 0;
      this.open();
    }
  };

  onState(fn: (s: ConnState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Called on every (re)connection, after hello and resubscription. */
  onOpen(fn: () => void): () => void {
    this.openListeners.add(fn);
    return () => this.openListeners.delete(fn);
  }

  onInputError(fn: (e: InputError) => void): () => void {
    this.inputErrorListeners.add(fn);
    return () => this.inputErrorListeners.delete(fn);
  }

  private setState(s: ConnState) {
    if (this.state === s) return;
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private open() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let sock: WebSocket;
    try {
      sock = new WebSocket(`${proto}//${location.host}/ws`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    sock.binaryType = 'arraybuffer';
    this.socket = sock;
    this.setState(this.attempt === 0 && this.state !== 'reconnecting' ? 'connecting' : 'reconnecting');
    let opened = false;
    sock.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.failuresBeforeOpen = 0;
      this.lastMessageAt = Date.now();
      this.helloAck = null;
      this.raw({ op: 'hello', ...HELLO });
      for (const topic of this.topics.keys()) this.raw({ op: 'subscribe', topic });
      for (const sub of this.pty.values()) this.subscribePtyTopic(sub);
      this.startPing();
      this.setState('open');
      for (const fn of this.openListeners) fn();
    };
    sock.onmessage = (ev) => {
      this.lastMessageAt = Date.now();
      if (typeof ev.data !== 'string') return; // binary frames are never negotiated
      let msg: Json;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg && typeof msg === 'object') this.dispatch(msg);
    };
    sock.onclose = () => {
      if (this.socket !== sock) return;
      this.socket = null;
      this.stopPing();
      if (!opened) {
        this.failuresBeforeOpen++;
        if (this.failuresBeforeOpen === 3 && this.onRepeatedFailure) this.onRepeatedFailure();
      }
      // In-flight keystrokes were lost with the socket; they are not replayed
      // (a stale keystroke typed into an agent later is worse than a lost one).
      this.inflight.clear();
      if (this.wanted) this.scheduleReconnect();
      else this.setState('idle');
    };
    sock.onerror = () => { /* onclose follows */ };
  }

  private scheduleReconnect() {
    this.setState('reconnecting');
    if (this.reconnectTimer !== null) return;
    const delay = backoffDelay(this.attempt++);
    this.reconnectTimer = window.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.wanted) this.open();
    }, delay);
  }

  private startPing() {
    this.stopPing();
    this.pingTimer = window.setInterval(() => {
      if (Date.now() - this.lastMessageAt > SILENCE_LIMIT_MS && this.pingSupported) {
        // The server answers pings; silence this long means the link is dead.
        this.socket?.close(4000, 'Heartbeat timeout');
        return;
      }
      if (this.pingSupported !== false) this.raw({ op: 'ping', ts: Date.now() });
    }, PING_EVERY_MS);
  }

  private stopPing() {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private raw(msg: Json): boolean {
    const s = this.socket;
    if (!s || s.readyState !== WebSocket.OPEN) return false;
    s.send(JSON.stringify({ ...msg, type: msg.op }));
    return true;
  }

  get isOpen(): boolean {
    return !!this.socket && this.socket.readyState === WebSocket.OPEN;
  }

  private nextRequestId(prefix: string): string {
    this.seq = (this.seq + 1) % 1e9;
    return `${prefix}-${Date.now().toString(36)}-${this.seq}`;
  }

  // ---- topics ----

  subscribe(topic: string, fn: Handler): () => void {
    let set = this.topics.get(topic);
    if (!set) {
      set = new Set();
      this.topics.set(topic, set);
      this.raw({ op: 'subscribe', topic });
    }
    set.add(fn);
    return () => {
      const cur = this.topics.get(topic);
      if (!cur) return;
      cur.delete(fn);
      if (cur.size === 0) {
        this.topics.delete(topic);
        this.raw({ op: 'unsubscribe', topic });
      }
    };
  }

  private dispatch(msg: Json) {
    const kind: string | undefined = msg.op ?? msg.type;
    if (!msg.topic) {
      this.control(kind, msg);
      return;
    }
    const topic: string = msg.topic;
    if (topic.endsWith(':pty')) {
      const sub = this.pty.get(topic.slice('session:'.length, -':pty'.length));
      if (sub) this.ptyMessage(sub, kind, msg);
      return;
    }
    const set = this.topics.get(topic);
    if (set) for (const fn of [...set]) fn(msg);
  }

  private control(kind: string | undefined, msg: Json) {
    switch (kind) {
      case 'hello_ack':
        this.helloAck = msg;
        // Frame-mode servers send no screen until it changes: fetch it now.
        if (!this.rawMode) for (const sub of this.pty.values()) if (!sub.haveBase) this.fetchScreen(sub);
        return;
      case 'pong':
        this.pingSupported = true;
        return;
      case 'pty_input_ack': case 'pty_key_ack': case 'pty_paste_ack':
        if (msg.requestId) this.inflight.delete(msg.requestId);
        return;
      case 'pty_input_error': case 'pty_key_error': case 'pty_paste_error':
        this.inputFailed(msg);
        return;
      case 'resize_ack':
        return;
    }
    if (typeof msg.error === 'string') {
      const err: string = msg.error;
      if (/unknown operation:?\s*ping/i.test(err)) { this.pingSupported = false; return; }
      if (/unknown operation:?\s*resize/i.test(err)) {
        // Resize is HTTP in the reference (websocket.md §11): replay over HTTP.
        this.wsResize = false;
        for (const [id, size] of this.lastResize) void api.resize(id, size.cols, size.rows).catch(() => {});
        return;
      }
      console.warn('[ws]', err);
    }
  }

  private inputFailed(msg: Json) {
    const pending: PendingInput | undefined = msg.requestId ? this.inflight.get(msg.requestId) : undefined;
    if (msg.requestId) this.inflight.delete(msg.requestId);
    if (msg.code !== 'policy_blocked' && pending) {
      // A delivery failure: try the same input once over HTTP (§4.6).
      const p = pending.kind === 'text'
        ? api.send(pending.sessionId, pending.data, false)
        : api.keys(pending.sessionId, [pending.data]);
      p.catch((e: Error) => this.emitInputError({ sessionId: pending.sessionId, error: e.message }));
      return;
    }
    this.emitInputError({
      sessionId: msg.sessionId, error: msg.error || 'Input was not delivered',
      code: msg.code, policyAction: msg.policyAction,
    });
  }

  private emitInputError(e: InputError) {
    for (const fn of this.inputErrorListeners) fn(e);
  }

  // ---- terminal output ----

  private get rawMode(): boolean {
    const a = this.helloAck;
    if (!a) return true; // until told otherwise, expect our own server
    return a.ptyMode === 'raw' || a.negotiated?.ptyMode === 'raw' || a.features?.ptyRaw === true
      || a.negotiated?.ptyRaw === true;
  }

  /** Streams a session's terminal into `sink` until the returned function is called. */
  subscribePty(sessionId: string, sink: PtySink): () => void {
    const topic = sessionId;
    let sub = this.pty.get(topic);
    if (!sub) {
      sub = {
        sessionId, sinks: new Set(), lastSeq: null, haveBase: false, pending: [], lastResyncAt: 0,
        firstScreenTimer: null,
      };
      this.pty.set(topic, sub);
      sub.sinks.add(sink);
      this.subscribePtyTopic(sub);
    } else {
      sub.sinks.add(sink);
      // A second viewer of the same session needs a screen of its own.
      this.resync(sub, true);
    }
    const s = sub;
    return () => {
      s.sinks.delete(sink);
      if (s.sinks.size === 0) {
        if (s.firstScreenTimer !== null) clearTimeout(s.firstScreenTimer);
        this.pty.delete(topic);
        this.raw({ op: 'unsubscribe', topic: `session:${sessionId}:pty` });
      }
    };
  }

  /** Starts a session's stream over from a fresh screen (e.g. after a resume). */
  refreshPty(sessionId: string) {
    const sub = this.pty.get(sessionId);
    if (sub) this.resync(sub, true);
  }

  private subscribePtyTopic(sub: PtySub) {
    const msg: Json = { op: 'subscribe', topic: `session:${sub.sessionId}:pty` };
    if (sub.lastSeq !== null && sub.haveBase) {
      msg.lastSeq = sub.lastSeq;
      msg.sinceSeq = sub.lastSeq;
    }
    if (!this.raw(msg)) return;
    if (this.helloAck && !this.rawMode) {
      this.fetchScreen(sub);
    } else if (!sub.haveBase) {
      // No hello_ack yet: if neither a snapshot nor a frame shows up soon,
      // ask for the screen over HTTP.
      if (sub.firstScreenTimer !== null) clearTimeout(sub.firstScreenTimer);
      sub.firstScreenTimer = window.setTimeout(() => {
        sub.firstScreenTimer = null;
        if (!sub.haveBase && this.pty.get(sub.sessionId) === sub) this.fetchScreen(sub);
      }, 1500);
    }
  }

  private fetchScreen(sub: PtySub) {
    api.output(sub.sessionId).then(({ output }) => {
      if (this.pty.get(sub.sessionId) !== sub || (sub.haveBase && this.rawMode)) return;
      if (!sub.haveBase) for (const k of sub.sinks) k.reset();
      sub.haveBase = true;
      const text = frameToAnsi(output ?? '');
      for (const k of sub.sinks) k.write(text);
    }).catch(() => { /* a stopped session has no screen; the page says so */ });
  }

  private resync(sub: PtySub, force = false) {
    const now = Date.now();
    if (!force && now - sub.lastResyncAt < 2000) return;
    sub.lastResyncAt = now;
    sub.haveBase = false;
    sub.lastSeq = null;
    sub.pending = [];
    this.raw({ op: 'unsubscribe', topic: `session:${sub.sessionId}:pty` });
    this.subscribePtyTopic(sub);
  }

  private ptyMessage(sub: PtySub, kind: string | undefined, msg: Json) {
    const seq = typeof msg.seq === 'number' ? msg.seq : null;
    switch (kind) {
      case 'pty_snapshot': {
        for (const k of sub.sinks) k.reset();
        const bytes = typeof msg.data === 'string' ? base64ToBytes(msg.data) : new Uint8Array();
        for (const k of sub.sinks) {
          k.beginSnapshot?.(msg.cols, msg.rows);
          k.write(bytes);
          if (typeof msg.cursorX === 'number' && typeof msg.cursorY === 'number') {
            k.write(`\x1b[${msg.cursorY + 1};${msg.cursorX + 1}H`);
          }
          k.endSnapshot?.();
        }
        sub.haveBase = true;
        sub.lastSeq = seq;
        const queued = sub.pending;
        sub.pending = [];
        for (const m of queued) this.ptyMessage(sub, 'pty_raw', m);
        return;
      }
      case 'pty_raw': {
        if (!sub.haveBase) {
          if (seq === 1) {
            // The very start of a runtime's output (we subscribed before it
            // existed): everything follows from here, no snapshot needed.
            for (const k of sub.sinks) k.reset();
            sub.haveBase = true;
            sub.lastSeq = 0;
          } else {
            sub.pending.push(msg);
            return;
          }
        }
        if (seq !== null && sub.lastSeq !== null) {
          if (seq === 1 && sub.lastSeq > 1) {         // numbering restarted (resume, daemon restart)
            this.resync(sub, true);
            return;
          }
          if (seq <= sub.lastSeq) return;             // already written
          if (seq > sub.lastSeq + 1) {                // bytes were lost: start over
            this.resync(sub);
            return;
          }
        }
        if (typeof msg.data === 'string') {
          const bytes = base64ToBytes(msg.data);
          for (const k of sub.sinks) k.write(bytes);
        }
        if (seq !== null) sub.lastSeq = seq;
        return;
      }
      case 'pty_output': {
        if (seq !== null && seq === sub.lastSeq) return;
        if (!sub.haveBase) for (const k of sub.sinks) k.reset();
        sub.haveBase = true;
        sub.lastSeq = seq;
        const text = frameToAnsi(String(msg.data ?? ''), msg.cursor);
        for (const k of sub.sinks) k.write(text);
        return;
      }
      default:
        return; // pty_patch is never negotiated
    }
  }

  // ---- terminal input ----

  /** Sends what the user typed in a focused terminal, in order. */
  sendInput(sessionId: string, data: string) {
    for (const t of tokenizeInput(data)) {
      if (t.kind === 'text') this.sendText(sessionId, t.data);
      else this.sendKey(sessionId, t.key);
    }
  }

  sendText(sessionId: string, data: string) {
    if (!data) return;
    const requestId = this.nextRequestId('in');
    if (this.raw({ op: 'pty_input', sessionId, data, requestId })) {
      this.track(requestId, { sessionId, kind: 'text', data });
    } else {
      api.send(sessionId, data, false).catch((e: Error) => this.emitInputError({ sessionId, error: e.message }));
    }
  }

  sendKey(sessionId: string, key: string) {
    const requestId = this.nextRequestId('key');
    if (this.raw({ op: 'pty_key', sessionId, key, requestId })) {
      this.track(requestId, { sessionId, kind: 'key', data: key });
    } else {
      api.keys(sessionId, [key]).catch((e: Error) => this.emitInputError({ sessionId, error: e.message }));
    }
  }

  private track(requestId: string, p: PendingInput) {
    this.inflight.set(requestId, p);
    if (this.inflight.size > 500) {
      const first = this.inflight.keys().next().value;
      if (first !== undefined) this.inflight.delete(first);
    }
  }

  /** Pastes text as one atomic input (pty_paste in 8192-character chunks). */
  async paste(sessionId: string, text: string): Promise<void> {
    if (!text) return;
    if (new TextEncoder().encode(text).length > PASTE_MAX_BYTES) throw new Error('Paste is larger than 2 MB');
    const chunkCount = Math.ceil(text.length / PASTE_CHUNK);
    if (chunkCount > PASTE_MAX_CHUNKS) throw new Error('Paste is too large');
    if (!this.isOpen) {
      await api.send(sessionId, text, false);
      return;
    }
    const requestId = this.nextRequestId('paste');
    for (let i = 0; i < chunkCount; i++) {
      while (this.socket && this.socket.bufferedAmount > BUFFERED_HIGH_WATER) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const ok = this.raw({
        op: 'pty_paste', sessionId, requestId, chunkIndex: i, chunkCount,
        data: text.slice(i * PASTE_CHUNK, (i + 1) * PASTE_CHUNK),
      });
      if (!ok) throw new Error('Connection lost during paste');
    }
  }

  /** Tells the server this viewer's terminal size. */
  resize(sessionId: string, cols: number, rows: number) {
    if (cols < 1 || rows < 1) return;
    this.lastResize.set(sessionId, { cols, rows });
    if (this.wsResize && this.raw({ op: 'resize', sessionId, cols, rows })) return;
    void api.resize(sessionId, cols, rows).catch(() => {});
  }

  forgetSize(sessionId: string) {
    this.lastResize.delete(sessionId);
  }
}

export const ws = new WsClient();
