#!/usr/bin/env node
// Development mock of the CodePiper back end for the dashboard: serves dist/
// and fakes enough of /api and /ws (state in memory) to click through every
// page and to take screenshots. Plain node, no dependencies. NOT the daemon:
// the browser tests of the product run against the real agentd.
//
//   node mock/server.mjs [--port 4178] [--auth ready|bootstrap|setup] [--seed 0|1] [--pty raw|frames]
//
// Environment equivalents: PORT, MOCK_AUTH, MOCK_SEED, MOCK_PTY_MODE.
// Credentials in "ready" mode: password "codepiper-demo", TOTP secret
// JBSWY3DPEHPK3PXP (any authenticator, or GET /__mock/totp for the current code).
// Bootstrap password in "bootstrap" mode: "bootstrap-pass-1234".
//
// Test hooks (no auth): GET /__mock/login?next=/ sets a session cookie;
// POST /__mock/pending {sessionId?, toolName?, command?} raises an approval;
// GET /__mock/totp?secret=… returns the current code; POST /__mock/drop-sockets
// cuts every WebSocket; GET /__mock/state dumps state; POST /__mock/analytics
// {empty?, delayMs?} empties or slows the analytics routes (mock/analytics.mjs).

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAnalytics } from './analytics.mjs';
import { conversationRoute, seedTranscript } from './conversation.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, '../dist');

const argv = process.argv.slice(2);
const arg = (name, env, def) => {
  const i = argv.indexOf('--' + name);
  if (i >= 0 && argv[i + 1] !== undefined) return argv[i + 1];
  return process.env[env] ?? def;
};
const PORT = Number(arg('port', 'PORT', '4178'));
const AUTH_MODE = arg('auth', 'MOCK_AUTH', 'ready');
const SEED = arg('seed', 'MOCK_SEED', '1') !== '0';
const PTY_MODE = arg('pty', 'MOCK_PTY_MODE', 'raw');

const READY_PASSWORD = 'codepiper-demo';
const READY_SECRET = 'JBSWY3DPEHPK3PXP';
const BOOTSTRAP_PASSWORD = 'bootstrap-pass-1234';

const now = () => new Date().toISOString();
const ago = (ms) => new Date(Date.now() - ms).toISOString();
const uuid = () => crypto.randomUUID();

// ---------------------------------------------------------------- TOTP

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) continue;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

function base32Encode(buf) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0, out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) { out += alphabet[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

export function totp(secret, step = Math.floor(Date.now() / 30000)) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = crypto.createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1e6).padStart(6, '0');
}

function totpOk(secret, code) {
  const step = Math.floor(Date.now() / 30000);
  return [-1, 0, 1].some((d) => totp(secret, step + d) === code);
}

/** A QR-looking SVG (not a real QR code: the mock has no encoder). */
function fakeQr(seed) {
  const h = crypto.createHash('sha256').update(seed).digest();
  const n = 25, cell = 8;
  let rects = '';
  const finder = (x, y) => `<rect x="${x * cell}" y="${y * cell}" width="${7 * cell}" height="${7 * cell}" fill="#000"/>`
    + `<rect x="${(x + 1) * cell}" y="${(y + 1) * cell}" width="${5 * cell}" height="${5 * cell}" fill="#fff"/>`
    + `<rect x="${(x + 2) * cell}" y="${(y + 2) * cell}" width="${3 * cell}" height="${3 * cell}" fill="#000"/>`;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const inFinder = (x < 8 && y < 8) || (x > n - 9 && y < 8) || (x < 8 && y > n - 9);
    if (inFinder) continue;
    const bit = (h[(x * 7 + y * 13) % 32] >> ((x + y) % 8)) & 1;
    if (bit) rects += `<rect x="${x * cell}" y="${y * cell}" width="${cell}" height="${cell}"/>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-16 -16 ${n * cell + 32} ${n * cell + 32}" shape-rendering="crispEdges"><rect x="-16" y="-16" width="${n * cell + 32}" height="${n * cell + 32}" fill="#fff"/>${finder(0, 0)}${finder(n - 7, 0)}${finder(0, n - 7)}${rects}</svg>`;
  return 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64');
}

// ---------------------------------------------------------------- state

const state = {
  auth: {
    mode: AUTH_MODE === 'setup' ? 'S0' : AUTH_MODE === 'bootstrap' ? 'S1' : 'S2',
    password: AUTH_MODE === 'bootstrap' ? BOOTSTRAP_PASSWORD : AUTH_MODE === 'setup' ? null : READY_PASSWORD,
    secret: AUTH_MODE === 'ready' ? READY_SECRET : null,
    pendingSecret: null,
    recovery: AUTH_MODE === 'ready' ? ['abcd-1234', 'ef01-5678'] : [],
    sessions: new Set(),
    onboarding: new Set(),
    failures: 0,
    lockedUntil: 0,
    passwordChangeRequired: AUTH_MODE === 'bootstrap',
  },
  sessions: [],
  events: [],
  eventId: 100,
  policies: [],
  policySets: [],
  setMembers: new Map(),   // setId -> Set(policyId)
  sessionSets: new Map(),  // sessionId -> Set(setId)
  decisions: [],
  decisionId: 0,
  pending: [],
  pendingId: 0,
  notifications: [],
  notificationId: 0,
  workspaces: [],
  envSets: [],
};

const PROVIDERS = [
  { id: 'claude-code', label: 'Claude Code', runtime: 'tmux',
    capabilities: { nativeHooks: true, supportsDangerousMode: true, supportsModelSwitch: true, supportsTranscriptTailing: true, supportsTmuxAdoption: true, policyChannel: 'native-hooks', metricsChannel: 'transcript' },
    launchHints: { dangerousModeFlags: ['--dangerously-skip-permissions'], resumeCommands: { resume: 'claude --resume {id}', fork: 'claude --resume {id} --fork-session', idPlaceholder: 'claude session id' } } },
  { id: 'codex', label: 'Codex', runtime: 'tmux',
    capabilities: { nativeHooks: false, supportsDangerousMode: true, supportsModelSwitch: false, supportsTranscriptTailing: false, supportsTmuxAdoption: true, policyChannel: 'input-preflight', metricsChannel: 'pty' },
    launchHints: { dangerousModeFlags: ['--dangerously-bypass-approvals-and-sandbox'], resumeCommands: { resume: 'codex resume {id}', fork: 'codex fork {id}', idPlaceholder: '019c7285-ba64-7462-bbfc-4227f3e24e88' } } },
];

// ---------------------------------------------------------------- mock terminal

const ESC = '\x1b';
const C = {
  reset: `${ESC}[0m`, bold: `${ESC}[1m`, dim: `${ESC}[2m`, orange: `${ESC}[38;5;208m`, cyan: `${ESC}[36m`,
  green: `${ESC}[32m`, yellow: `${ESC}[33m`, gray: `${ESC}[90m`, blue: `${ESC}[34m`, magenta: `${ESC}[35m`, red: `${ESC}[31m`,
};
const visibleLength = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length;

class MockPty {
  constructor(session) {
    this.session = session;
    this.cols = 120;
    this.rows = 30;
    this.lines = [''];
    this.input = '';
    this.seq = 0;
    this.chunks = []; // {seq, data(Buffer)}
    this.turn = 0;
    this.promptShown = false;
  }
  emit(text) {
    // Keep a line model for snapshots.
    let cur = this.lines.length - 1;
    for (const part of text.split(/(\r\n|\n|\r|\x1b\[2J\x1b\[H|\x08 \x08)/)) {
      if (part === '\r\n' || part === '\n') { this.lines.push(''); cur++; }
      else if (part === '\r') { /* ignore */ }
      else if (part === '\x1b[2J\x1b[H') { this.lines = ['']; cur = 0; }
      else if (part === '\x08 \x08') { this.lines[cur] = this.lines[cur].slice(0, -1); }
      else if (part) this.lines[cur] += part;
    }
    if (this.lines.length > 2000) this.lines = this.lines.slice(-2000);
    const data = Buffer.from(text, 'utf8');
    const seq = ++this.seq;
    this.chunks.push({ seq, data });
    if (this.chunks.length > 3000) this.chunks.shift();
    broadcastPty(this.session.id, { seq, data });
  }
  /** The last screenful of lines, counting the rows long lines wrap to (as
   *  capture-pane would show them at the current width). */
  screen() {
    const rowsOf = (l) => Math.max(1, Math.ceil(visibleLength(l) / this.cols));
    const out = [];
    let used = 0;
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const r = rowsOf(this.lines[i]);
      if (used + r > this.rows && out.length) break;
      out.unshift(this.lines[i]);
      used += r;
    }
    const last = out[out.length - 1] ?? '';
    const lastLen = visibleLength(last);
    const before = out.slice(0, -1).reduce((n, l) => n + rowsOf(l), 0);
    return { lines: out, cursorX: lastLen % this.cols, cursorY: before + Math.floor(lastLen / this.cols) };
  }
  snapshot() {
    const s = this.screen();
    return { text: s.lines.join('\r\n'), cursorX: s.cursorX, cursorY: s.cursorY };
  }
  frame() {
    const s = this.screen();
    return { text: s.lines.join('\n') + '\n', cursor: { x: s.cursorX, y: s.cursorY, visible: true } };
  }
  banner() {
    const s = this.session;
    const w = Math.min(60, this.cols - 2);
    const name = s.provider === 'codex' ? 'Codex' : 'Claude Code';
    const color = s.provider === 'codex' ? C.blue : C.orange;
    const pad = (t) => t + ' '.repeat(Math.max(0, w - 3 - visibleLength(t)));
    this.emit(`${color}╭${'─'.repeat(w - 2)}╮${C.reset}\r\n`);
    this.emit(`${color}│${C.reset} ${pad(`${C.bold}✻ Welcome to ${name}${C.reset} ${C.gray}(mock agent)${C.reset}`)}${color}│${C.reset}\r\n`);
    this.emit(`${color}│${C.reset} ${pad(`${C.gray}cwd: ${s.cwd}${C.reset}`)}${color}│${C.reset}\r\n`);
    this.emit(`${color}╰${'─'.repeat(w - 2)}╯${C.reset}\r\n\r\n`);
    this.emit(`${C.gray}  Tip: type a prompt and press Enter. "rm …" asks for approval.${C.reset}\r\n\r\n`);
    this.prompt();
  }
  prompt() { this.emit(`${C.cyan}>${C.reset} `); }
  type(text) {
    for (const ch of text) {
      if (ch === '\r' || ch === '\n') this.key('enter');
      else if (ch === '\x7f') this.key('backspace');
      else if (ch === '\x03') this.key('ctrl+c');
      else if (ch >= ' ' || ch === '\t') { this.input += ch; this.emit(ch); }
    }
  }
  key(k) {
    switch (k) {
      case 'enter': {
        const line = this.input;
        this.input = '';
        this.emit('\r\n');
        this.respond(line);
        break;
      }
      case 'backspace':
        if (this.input) { this.input = this.input.slice(0, -1); this.emit('\x08 \x08'); }
        break;
      case 'ctrl+c':
        this.input = '';
        this.emit(`${C.gray}^C${C.reset}\r\n`);
        this.prompt();
        break;
      case 'ctrl+l':
        this.emit('\x1b[2J\x1b[H');
        this.prompt();
        break;
      case 'escape': case 'tab': case 'shift+tab': case 'up': case 'down': case 'left': case 'right':
      case 'pageup': case 'pagedown': case 'home': case 'end': case 'delete':
        break;
      default:
        if (k.length === 1) this.type(k);
    }
  }
  respond(line) {
    const text = line.trim();
    if (!text) { this.prompt(); return; }
    this.turn++;
    addEvent(this.session.id, 'transcript', 'user', { type: 'user', uuid: uuid(), timestamp: now(), message: { role: 'user', content: text } });
    setTimeout(() => {
      if (/^rm\s|sudo|git push/.test(text)) {
        this.emit(`${C.yellow}●${C.reset} I need to run ${C.bold}Bash${C.reset}: ${C.gray}${text}${C.reset}\r\n`);
        this.emit(`${C.yellow}  Waiting for permission…${C.reset}\r\n`);
        raisePending(this.session.id, 'Bash', { command: text, description: 'Run a shell command' }, text);
        return;
      }
      this.emit(`${C.green}●${C.reset} You said: "${text}". ${C.gray}(stub reply #${this.turn} — no model is attached)${C.reset}\r\n`);
      this.emit(`  ${C.magenta}•${C.reset} Read ${C.cyan}src/main.c${C.reset} ${C.gray}(42 lines)${C.reset}\r\n\r\n`);
      addEvent(this.session.id, 'transcript', 'assistant', { type: 'assistant', uuid: uuid(), timestamp: now(), message: {
        id: 'msg_' + uuid().replace(/-/g, '').slice(0, 24), role: 'assistant', model: 'claude-sonnet-4-5-20250929', stop_reason: 'end_turn',
        content: [{ type: 'text', text: `You said: "${text}".` }],
        usage: { input_tokens: 12, output_tokens: 18 + text.length, cache_creation_input_tokens: 0, cache_read_input_tokens: 14200 } } });
      this.prompt();
    }, 120);
  }
  resolved(decision) {
    if (decision === 'allow') this.emit(`${C.green}●${C.reset} Allowed. Command finished with exit code 0.\r\n\r\n`);
    else this.emit(`${C.red}●${C.reset} Denied by the user.\r\n\r\n`);
    this.prompt();
  }
}

const ptys = new Map();

function ensurePty(s) {
  let p = ptys.get(s.id);
  if (!p) {
    p = new MockPty(s);
    ptys.set(s.id, p);
    p.banner();
  }
  return p;
}

// ---------------------------------------------------------------- seed

function addEvent(sessionId, source, type, payload, timestamp = now()) {
  const ev = { id: ++state.eventId, sessionId, timestamp, source, type, payload };
  state.events.push(ev);
  publish(`session:${sessionId}:events`, { topic: `session:${sessionId}:events`, data: ev });
  return ev;
}

function addDecision(sessionId, toolName, args, decision, reason, policyId, eventId) {
  const d = { id: ++state.decisionId, sessionId, toolName, args, decision, timestamp: now() };
  if (reason) d.reason = reason;
  if (policyId) d.policyId = policyId;
  if (eventId) d.eventId = eventId;
  state.decisions.push(d);
  return d;
}

function raisePending(sessionId, toolName, toolInput, command) {
  const item = { id: String(++state.pendingId), sessionId, toolName, toolInput, createdAt: now() };
  if (command) item.command = command;
  state.pending.push(item);
  const s = state.sessions.find((x) => x.id === sessionId);
  if (s) setStatus(s, 'NEEDS_PERMISSION');
  addEvent(sessionId, 'hook', 'PermissionRequest', { hook_event_name: 'PermissionRequest', tool_name: toolName, tool_input: toolInput, decision: 'ask', policyAction: 'ask' });
  publish('notifications', { topic: 'notifications', type: 'policy_pending', data: item });
  return item;
}

function makeSession(provider, cwd, status, opts = {}) {
  const s = {
    id: opts.id ?? uuid(), provider, cwd, status, createdAt: opts.createdAt ?? now(), updatedAt: opts.updatedAt ?? now(),
    pid: 20000 + Math.floor(Math.random() * 9000),
    metadata: { launch: { args: opts.args ?? [], billingMode: 'subscription', envSetIds: [] }, providerSession: { mode: 'resume', source: 'codepiper-session-id' } },
  };
  if (opts.name) s.metadata.ui = { customName: opts.name };
  if (opts.worktree) s.metadata.worktree = opts.worktree;
  if (opts.dangerous) s.metadata.security = { dangerousMode: true };
  state.sessions.push(s);
  return s;
}

function seed() {
  const home = process.env.HOME || '/root';
  const a = makeSession('claude-code', `${home}/src/refactor-math`, 'RUNNING', { name: 'refactor-math', createdAt: ago(3 * 60e3), updatedAt: ago(20e3) });
  const b = makeSession('codex', `${home}/src/codex-tests`, 'RUNNING', { createdAt: ago(14 * 60e3), updatedAt: ago(2 * 60e3) });
  const c = makeSession('claude-code', `${home}/src/docs-pass`, 'NEEDS_INPUT', { name: 'docs-pass', createdAt: ago(42 * 60e3), updatedAt: ago(6 * 60e3),
    worktree: { repoRoot: `${home}/src/docs`, worktreePath: `${home}/src/docs-worktrees/x`, branch: 'docs/intro-rewrite', createdBranch: true, originalCwd: `${home}/src/docs` } });
  makeSession('claude-code', `${home}/src/api-server`, 'STOPPED', { createdAt: ago(5 * 3600e3), updatedAt: ago(4 * 3600e3) });
  makeSession('codex', `${home}/src/migrations`, 'CRASHED', { createdAt: ago(26 * 3600e3), updatedAt: ago(25 * 3600e3) });
  makeSession('claude-code', `${home}/src/website`, 'STOPPED', { name: 'landing page copy', createdAt: ago(3 * 86400e3), updatedAt: ago(3 * 86400e3) });
  for (const s of [a, b, c]) ensurePty(s);
  // Transcripts for the Conversation tab: a long one (paging) and an ended one.
  seedTranscript(addEvent, c.id, { fromMs: Date.now() - 41 * 60e3, toMs: Date.now() - 6 * 60e3, exchanges: 14, cwd: c.cwd });
  const stopped = state.sessions.find((x) => x.cwd.endsWith('/api-server'));
  seedTranscript(addEvent, stopped.id, { fromMs: Date.now() - 5 * 3600e3 + 60e3, toMs: Date.now() - 4 * 3600e3 - 60e3, exchanges: 2, cwd: stopped.cwd });
  ptys.get(a.id).type('run the unit tests\r');

  state.policies.push(
    { id: 'block-destructive-shell', name: 'Block destructive shell', description: 'Deny rm -rf and force pushes', enabled: true, priority: 100, sessionId: null,
      rules: [
        { id: 'no-rm-rf', action: 'deny', tool: 'Bash', args: { command: ['rm -rf*', '*rm -rf /*'] }, reason: 'Destructive delete blocked' },
        { id: 'no-force-push', action: 'deny', tool: 'Bash', args: { command: '*git push*--force*' }, reason: 'No force push' },
      ], createdAt: ago(90e3), updatedAt: ago(60e3) },
    { id: 'auto-approve-reads', name: 'Auto-approve reads', description: 'Allow read-only tools inside the demo repo', enabled: true, priority: 50, sessionId: null,
      rules: [
        { id: 'reads', action: 'allow', tool: ['Read', 'Glob', 'Grep'], cwd: `${home}/src/**`, reason: 'Read-only tools are safe' },
        { id: 'writes', action: 'ask', tool: ['Write', 'Edit'], reason: 'Confirm file writes' },
      ], createdAt: ago(150e3), updatedAt: ago(120e3) },
    { id: 'codex-input-guard', name: 'Codex input guard', enabled: false, priority: 10, sessionId: null,
      rules: [{ id: 'no-secrets', action: 'deny', tool: 'terminal_input', args: { input: '*API_KEY*' }, reason: 'Do not paste keys' }],
      createdAt: ago(3600e3), updatedAt: ago(3600e3) },
  );
  state.policySets.push({ id: 'default-guardrails', name: 'Default guardrails', description: 'Applied to every new session', isDefault: true, createdAt: ago(3600e3), updatedAt: ago(3600e3) });
  state.setMembers.set('default-guardrails', new Set(['block-destructive-shell', 'auto-approve-reads']));
  for (const s of [a, b, c]) state.sessionSets.set(s.id, new Set(['default-guardrails']));

  const ev1 = addEvent(a.id, 'hook', 'PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'rm -rf build/' }, decision: 'deny', policyAction: 'deny' });
  addDecision(a.id, 'Bash', { command: 'rm -rf build/' }, 'deny', 'Destructive delete blocked', 'block-destructive-shell', ev1.id);
  const ev2 = addEvent(a.id, 'hook', 'PermissionRequest', { tool_name: 'Read', tool_input: { file_path: 'src/main.c' }, decision: 'allow', policyAction: 'allow' });
  addDecision(a.id, 'Read', { file_path: 'src/main.c' }, 'allow', 'Read-only tools are safe', 'auto-approve-reads', ev2.id);
  const ev3 = addEvent(c.id, 'hook', 'PermissionRequest', { tool_name: 'Write', tool_input: { file_path: 'docs/intro.md' }, decision: 'ask', policyAction: 'ask' });
  addDecision(c.id, 'Write', { file_path: 'docs/intro.md' }, 'ask', 'Confirm file writes', 'auto-approve-reads', ev3.id);
  addDecision(b.id, 'terminal_input', { provider: 'codex', newline: true, inputBytes: 18 }, 'allow', 'No matching policy rule found (default ask fallback for no-hook provider)');
  addEvent(c.id, 'hook', 'Notification', { hook_event_name: 'Notification', message: 'Claude is waiting for your input', notification_type: 'idle_prompt' });
  addEvent(c.id, 'hook', 'Stop', { hook_event_name: 'Stop', stop_hook_active: false });

  state.workspaces.push(
    { id: uuid(), name: 'home', path: home, createdAt: ago(86400e3), updatedAt: ago(86400e3) },
    { id: uuid(), name: 'tmp', path: '/tmp', createdAt: ago(86400e3), updatedAt: ago(86400e3) },
  );
  state.envSets.push({ id: uuid(), name: 'staging', description: 'Staging API endpoints', maskedVars: { API_URL: '****.com', API_TOKEN: '****e123', REGION: '****' }, varCount: 3, createdAt: ago(86400e3), updatedAt: ago(86400e3) });

  state.notifications.push({ id: ++state.notificationId, sessionId: c.id, provider: 'claude-code', eventType: 'session.input_required', sourceEventId: null, title: 'Input required', body: 'docs-pass is waiting for your input in Claude Code.', payload: {}, createdAt: ago(6 * 60e3), readAt: null, readSource: null });
}

function setStatus(s, status) {
  s.status = status;
  s.updatedAt = now();
  publish('sessions', { topic: 'sessions', type: 'session_updated', session: s });
}

// ---------------------------------------------------------------- websocket

const clients = new Set();

function wsAccept(key) {
  return crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
}

function wsFrame(opcode, payload) {
  const len = payload.length;
  let header;
  if (len < 126) header = Buffer.from([0x80 | opcode, len]);
  else if (len < 65536) { header = Buffer.alloc(4); header[0] = 0x80 | opcode; header[1] = 126; header.writeUInt16BE(len, 2); }
  else { header = Buffer.alloc(10); header[0] = 0x80 | opcode; header[1] = 127; header.writeBigUInt64BE(BigInt(len), 2); }
  return Buffer.concat([header, payload]);
}

class WsClient {
  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.frag = [];
    this.topics = new Set();
    this.rawMode = false;
    this.pastes = new Map();
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => clients.delete(this));
    socket.on('error', () => clients.delete(this));
  }
  send(obj) {
    if (this.socket.destroyed) return;
    this.socket.write(wsFrame(1, Buffer.from(JSON.stringify(obj))));
  }
  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      const b0 = this.buf[0], b1 = this.buf[1];
      const fin = b0 & 0x80, opcode = b0 & 0x0f, masked = b1 & 0x80;
      let len = b1 & 0x7f, off = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      const need = off + (masked ? 4 : 0) + len;
      if (this.buf.length < need) return;
      let payload = this.buf.subarray(off + (masked ? 4 : 0), need);
      if (masked) {
        const mask = this.buf.subarray(off, off + 4);
        payload = Buffer.from(payload.map((x, i) => x ^ mask[i & 3]));
      }
      this.buf = this.buf.subarray(need);
      if (opcode === 8) { this.socket.end(wsFrame(8, Buffer.alloc(0))); clients.delete(this); return; }
      if (opcode === 9) { this.socket.write(wsFrame(10, payload)); continue; }
      if (opcode === 10) continue;
      if (opcode === 1 || opcode === 2 || opcode === 0) {
        this.frag.push(payload);
        if (!fin) continue;
        const text = Buffer.concat(this.frag).toString('utf8');
        this.frag = [];
        this.onMessage(text);
      }
    }
  }
  onMessage(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { this.send({ error: 'Invalid JSON message' }); return; }
    const op = msg.op ?? msg.type;
    switch (op) {
      case 'hello': {
        this.rawMode = msg.ptyMode === 'raw' && PTY_MODE === 'raw';
        const features = { ptyReplay: true, ptyPatch: false, ptyBinary: false, ptyPaste: true, ptyRaw: PTY_MODE === 'raw' };
        this.send({ op: 'hello_ack', version: 1, features, negotiated: { ptyPatch: false, ptyBinary: false, ptyPaste: true, ptyMode: this.rawMode ? 'raw' : 'frames' }, ptyMode: this.rawMode ? 'raw' : 'frames' });
        return;
      }
      case 'ping': this.send({ op: 'pong', ts: msg.ts }); return;
      case 'subscribe': {
        this.topics.add(msg.topic);
        const m = /^session:(.+):pty$/.exec(msg.topic ?? '');
        if (m) {
          const s = state.sessions.find((x) => x.id === m[1]);
          const p = s && ptys.get(s.id);
          if (!p) return;
          const last = msg.lastSeq ?? msg.sinceSeq;
          if (this.rawMode) {
            if (typeof last === 'number' && p.chunks.length && p.chunks[0].seq <= last + 1) {
              for (const c of p.chunks) if (c.seq > last) this.sendRaw(s.id, c);
            } else {
              const snap = p.snapshot();
              this.send({ topic: msg.topic, type: 'pty_snapshot', sessionId: s.id, seq: p.seq, data: Buffer.from(snap.text).toString('base64'), cols: p.cols, rows: p.rows, cursorX: snap.cursorX, cursorY: snap.cursorY });
            }
          } else if (typeof last === 'number') {
            const f = p.frame();
            this.send({ topic: msg.topic, type: 'pty_output', data: f.text, seq: p.seq, cursor: f.cursor });
          }
        }
        return;
      }
      case 'unsubscribe': this.topics.delete(msg.topic); return;
      case 'pty_input': case 'pty_key': case 'pty_paste': {
        const p = ptys.get(msg.sessionId);
        const s = state.sessions.find((x) => x.id === msg.sessionId);
        const failOp = op + '_error';
        if (!p || !s || !['RUNNING', 'STARTING', 'NEEDS_INPUT', 'NEEDS_PERMISSION'].includes(s.status)) {
          this.send({ op: failOp, sessionId: msg.sessionId, requestId: msg.requestId, error: op === 'pty_key' ? 'Failed to deliver PTY key input' : 'Failed to deliver PTY input' });
          return;
        }
        if (op === 'pty_paste') {
          const cur = this.pastes.get(msg.requestId) ?? [];
          cur.push(msg.data);
          if (msg.chunkIndex + 1 < msg.chunkCount) { this.pastes.set(msg.requestId, cur); return; }
          this.pastes.delete(msg.requestId);
          p.type(cur.join('').replace(/\r?\n/g, ' '));
        } else if (op === 'pty_key') p.key(String(msg.key).toLowerCase());
        else p.type(msg.data);
        if (s.status === 'NEEDS_INPUT') setStatus(s, 'RUNNING');
        if (msg.requestId) this.send({ op: op + '_ack', sessionId: msg.sessionId, requestId: msg.requestId });
        return;
      }
      case 'resize': {
        const p = ptys.get(msg.sessionId);
        if (p && msg.cols > 0 && msg.rows > 0) { p.cols = msg.cols; p.rows = msg.rows; }
        this.send({ op: 'resize_ack', sessionId: msg.sessionId });
        return;
      }
      default:
        this.send({ error: `Unknown operation: ${op}` });
    }
  }
  sendRaw(sessionId, chunk) {
    this.send({ topic: `session:${sessionId}:pty`, type: 'pty_raw', sessionId, seq: chunk.seq, data: chunk.data.toString('base64') });
  }
}

function publish(topic, msg) {
  for (const c of clients) if (c.topics.has(topic)) c.send(msg);
}

function broadcastPty(sessionId, chunk) {
  const topic = `session:${sessionId}:pty`;
  for (const c of clients) {
    if (!c.topics.has(topic)) continue;
    if (c.rawMode) c.sendRaw(sessionId, chunk);
    else {
      const p = ptys.get(sessionId);
      const f = p.frame();
      c.send({ topic, type: 'pty_output', data: f.text, seq: chunk.seq, cursor: f.cursor });
    }
  }
}

// ---------------------------------------------------------------- http helpers

function cookies(req) {
  const out = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}
const authed = (req) => state.auth.sessions.has(cookies(req).codepiper_session);
const onboarding = (req) => state.auth.onboarding.has(cookies(req).codepiper_onboarding);

function send(res, status, body, headers = {}) {
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(data);
}
const err = (res, status, message, extra = {}) => send(res, status, { error: message, ...extra });

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function sessionCookie(token) { return `codepiper_session=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800`; }
function onboardingCookie(token) { return `codepiper_onboarding=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=86400`; }
const CLEAR_SESSION = 'codepiper_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0';
const CLEAR_ONBOARDING = 'codepiper_onboarding=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0';
const newToken = () => crypto.randomBytes(32).toString('hex');

function isLive(s) { return ['STARTING', 'RUNNING', 'NEEDS_PERMISSION', 'NEEDS_INPUT'].includes(s.status); }

function policyWithSession(p) { return { ...p }; }

function setSummary(set) {
  const members = state.setMembers.get(set.id) ?? new Set();
  let sessions = 0;
  for (const v of state.sessionSets.values()) if (v.has(set.id)) sessions++;
  return { ...set, policyCount: members.size, sessionCount: sessions };
}
function setDetail(set) {
  const members = [...(state.setMembers.get(set.id) ?? [])].map((id) => state.policies.find((p) => p.id === id)).filter(Boolean)
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  return { ...set, policies: members };
}

// ---------------------------------------------------------------- API

async function api(req, res, url) {
  const p = url.pathname.replace(/^\/api/, '');
  const m = req.method;
  const raw = ['POST', 'PUT', 'DELETE'].includes(m) ? await readBody(req) : Buffer.alloc(0);
  let body = {};
  if (raw.length && !(req.headers['content-type'] ?? '').startsWith('multipart/')) {
    try { body = JSON.parse(raw.toString('utf8')); } catch { return err(res, 400, 'Invalid JSON in request body'); }
  }
  const A = state.auth;

  // ---- public auth routes
  if (p === '/auth/status' && m === 'GET') {
    return send(res, 200, {
      setupRequired: A.mode === 'S0', mfaEnabled: A.mode === 'S2', onboardingPending: A.mode === 'S1',
      mfaSetupRequired: A.mode === 'S1' && onboarding(req), authenticated: authed(req),
    });
  }
  if (p === '/version' && m === 'GET') return send(res, 200, { version: '0.1.0-mock' });
  if (p === '/health' && m === 'GET') return send(res, 200, { status: 'ok', zombieSessionCount: 0 });
  if (p === '/auth/setup' && m === 'POST') {
    const token = newToken();
    if (A.mode === 'S1' && onboarding(req) && A.passwordChangeRequired) {
      if (typeof body.password !== 'string' || body.password.length < 8) return err(res, 400, 'Password must be at least 8 characters', { code: 'WEAK_PASSWORD' });
      A.password = body.password;
      A.passwordChangeRequired = false;
      return send(res, 200, { ok: true, mfaSetupRequired: true });
    }
    if (A.mode !== 'S0') return err(res, 400, 'Password is already configured');
    if (typeof body.password !== 'string' || !body.password) return err(res, 400, 'Password is required');
    if (body.password.length < 8) return err(res, 400, 'Password must be at least 8 characters', { code: 'WEAK_PASSWORD' });
    A.password = body.password;
    A.mode = 'S1';
    A.passwordChangeRequired = false;
    A.onboarding.add(token);
    return send(res, 200, { ok: true, mfaSetupRequired: true }, { 'Set-Cookie': [onboardingCookie(token), CLEAR_SESSION] });
  }
  if (p === '/auth/login' && m === 'POST') {
    if (Date.now() < A.lockedUntil) {
      const s = Math.ceil((A.lockedUntil - Date.now()) / 1000);
      return err(res, 429, 'Too many login attempts', { retryAfter: s });
    }
    if (typeof body.password !== 'string' || !body.password) return err(res, 400, 'Password is required');
    const fail = () => {
      if (++A.failures >= 5) { A.lockedUntil = Date.now() + 900e3; A.failures = 0; }
      return err(res, 401, 'Invalid credentials', { code: 'INVALID_CREDENTIALS' });
    };
    if (body.password !== A.password) return fail();
    if (A.mode === 'S1') {
      const token = newToken();
      A.onboarding.add(token);
      A.failures = 0;
      return send(res, 401, { mfaSetupRequired: true, ...(A.passwordChangeRequired ? { passwordChangeRequired: true } : {}) },
        { 'Set-Cookie': [onboardingCookie(token), CLEAR_SESSION] });
    }
    if (A.mode === 'S2') {
      const code = typeof body.totpCode === 'string' ? body.totpCode.trim() : '';
      if (!code) return send(res, 401, { mfaRequired: true });
      const norm = code.replace(/-/g, '').toLowerCase();
      const ri = A.recovery.findIndex((r) => r.replace(/-/g, '') === norm);
      if (!totpOk(A.secret, code) && ri < 0) return fail();
      if (ri >= 0 && !totpOk(A.secret, code)) A.recovery.splice(ri, 1);
    }
    const token = newToken();
    A.sessions.add(token);
    A.failures = 0;
    return send(res, 200, { ok: true, token }, { 'Set-Cookie': sessionCookie(token) });
  }
  if ((p === '/auth/mfa/setup' || p === '/auth/mfa/verify') && m === 'POST') {
    if (!authed(req) && !(A.mode === 'S1' && onboarding(req))) return err(res, 401, 'Authentication required');
    if (p === '/auth/mfa/setup') {
      const secret = base32Encode(crypto.randomBytes(20));
      A.pendingSecret = secret;
      const otpauthUri = `otpauth://totp/CodePiper:admin?issuer=CodePiper&secret=${secret}&algorithm=SHA1&digits=6&period=30`;
      return send(res, 200, { secret, otpauthUri, qrDataUrl: fakeQr(otpauthUri) });
    }
    if (typeof body.totpCode !== 'string' || !body.totpCode) return err(res, 400, 'TOTP code is required');
    if (!A.pendingSecret) return err(res, 400, 'No pending TOTP setup. Please start MFA setup again.', { code: 'NO_PENDING_TOTP' });
    if (!totpOk(A.pendingSecret, body.totpCode)) return err(res, 400, 'Invalid TOTP code', { code: 'INVALID_TOTP' });
    A.secret = A.pendingSecret;
    A.pendingSecret = null;
    A.recovery = Array.from({ length: 8 }, () => { const h = crypto.randomBytes(4).toString('hex'); return `${h.slice(0, 4)}-${h.slice(4)}`; });
    const wasOnboarding = A.mode === 'S1';
    A.mode = 'S2';
    if (wasOnboarding) {
      const token = newToken();
      A.sessions.add(token);
      A.onboarding.clear();
      return send(res, 200, { recoveryCodes: A.recovery, token }, { 'Set-Cookie': [sessionCookie(token), CLEAR_ONBOARDING] });
    }
    return send(res, 200, { recoveryCodes: A.recovery });
  }

  if (!authed(req)) return err(res, 401, 'Authentication required', { setupRequired: A.mode === 'S0', mfaSetupRequired: A.mode === 'S1' });

  if (p === '/auth/logout' && m === 'POST') {
    A.sessions.delete(cookies(req).codepiper_session);
    return send(res, 200, { ok: true }, { 'Set-Cookie': [CLEAR_SESSION, CLEAR_ONBOARDING] });
  }

  // ---- analytics
  if (p.startsWith('/analytics/') && m === 'GET') {
    const body = await analytics.handle(p, url);
    if (body !== undefined) return send(res, 200, body);
  }

  // ---- sessions
  let r;
  const findSession = (id) => state.sessions.find((s) => s.id === id);
  if (p === '/providers' && m === 'GET') return send(res, 200, { providers: PROVIDERS });
  if (p === '/workspaces' && m === 'GET') return send(res, 200, { workspaces: state.workspaces });
  if (p === '/env-sets' && m === 'GET') return send(res, 200, { envSets: state.envSets });
  if (p === '/sessions' && m === 'GET') return send(res, 200, { sessions: [...state.sessions].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) });
  if (p === '/sessions/validate' && m === 'POST') {
    if (typeof body.cwd !== 'string') return err(res, 400, 'Missing required field: cwd');
    let st;
    try { st = fs.statSync(body.cwd); } catch { return send(res, 200, { valid: false, directoryExists: false, isGitRepo: false, errors: [`Directory does not exist: ${body.cwd}`], warnings: [] }); }
    if (!st.isDirectory()) return send(res, 200, { valid: false, directoryExists: true, isGitRepo: false, errors: [`Path is not a directory: ${body.cwd}`], warnings: [] });
    let dir = body.cwd, git = false;
    for (;;) { if (fs.existsSync(path.join(dir, '.git'))) { git = true; break; } const up = path.dirname(dir); if (up === dir) break; dir = up; }
    if (!git) return send(res, 200, { valid: true, directoryExists: true, isGitRepo: false, errors: [], warnings: [] });
    return send(res, 200, { valid: true, directoryExists: true, isGitRepo: true, errors: [], warnings: ['Repository has uncommitted changes'],
      gitInfo: { repoRoot: dir, currentBranch: 'main', hasUncommittedChanges: true, branches: ['main', 'feature/login'] } });
  }
  if (p === '/sessions/validate-git' && m === 'POST') {
    const exists = ['main', 'feature/login'].includes(body.branch);
    const errors = [];
    if (body.createBranch && exists) errors.push(`Branch already exists: ${body.branch}. Uncheck 'Create branch' to use it.`);
    if (!body.createBranch && !exists) errors.push(`Branch does not exist: ${body.branch}. Enable 'Create branch' to create it.`);
    if (!body.createBranch && body.branch === 'main') errors.splice(0, 1, `Branch 'main' is already checked out in ${body.cwd}. Choose a different branch or create a new one.`);
    return send(res, 200, { valid: errors.length === 0, errors, warnings: ['Repository has uncommitted changes. These will remain in the original working tree.'], branchExists: exists, branchCheckedOut: body.branch === 'main', uncommittedChanges: true });
  }
  if (p === '/sessions' && m === 'POST') {
    if (!body.provider) return err(res, 400, 'Missing required field: provider');
    if (!body.cwd) return err(res, 400, 'Missing required field: cwd');
    if (!PROVIDERS.some((x) => x.id === body.provider)) return err(res, 400, `Invalid provider: ${body.provider}. Must be one of: claude-code, codex`);
    if (!String(body.cwd).startsWith('/')) return err(res, 400, 'cwd must be an absolute path (start with /)');
    if (!fs.existsSync(body.cwd)) return err(res, 500, `Working directory does not exist: ${body.cwd}`);
    const s = makeSession(body.provider, body.cwd, 'STARTING', { args: body.args ?? [], name: body.name, dangerous: body.dangerousMode,
      worktree: body.worktree ? { repoRoot: body.cwd, worktreePath: body.cwd + '-worktrees/x', branch: body.worktree.branch, createdBranch: !!body.worktree.createBranch, originalCwd: body.cwd } : undefined });
    state.sessions.splice(state.sessions.indexOf(s), 1);
    state.sessions.unshift(s);
    const def = state.policySets.find((x) => x.isDefault);
    if (def) state.sessionSets.set(s.id, new Set([def.id]));
    publish('sessions', { topic: 'sessions', type: 'session_created', session: s });
    setTimeout(() => { ensurePty(s); setStatus(s, 'RUNNING'); }, 250);
    return send(res, 201, { session: s });
  }
  if ((r = /^\/sessions\/([A-Za-z0-9-]+)(\/.*)?$/.exec(p))) {
    const id = r[1], sub = r[2] ?? '';
    const s = findSession(id);
    if (sub === '/conversation' && m === 'GET') {
      const out = conversationRoute(state, id, url.searchParams);
      return send(res, out.status, out.body);
    }
    if (sub === '/events' && m === 'GET') {
      let list = state.events.filter((e) => e.sessionId === id);
      const q = url.searchParams;
      if (q.get('source')) list = list.filter((e) => e.source === q.get('source'));
      if (q.get('before')) list = list.filter((e) => e.id < Number(q.get('before')));
      if (q.get('since')) list = list.filter((e) => e.id > Number(q.get('since')));
      list.sort((a, b) => (q.get('order') === 'desc' ? b.id - a.id : a.id - b.id));
      const limit = Number(q.get('limit')) || 0;
      const hasMore = limit > 0 && list.length > limit;
      return send(res, 200, { events: limit ? list.slice(0, limit) : list, hasMore });
    }
    if (!s) return err(res, 404, `Session not found: ${id}`);
    const pty = ptys.get(id);
    if (sub === '' && m === 'GET') return send(res, 200, { session: s });
    if (sub === '/name' && m === 'PUT') {
      if (!('name' in body)) return err(res, 400, 'Missing required field: name');
      const name = typeof body.name === 'string' ? body.name.trim() : '';
      if (name.length > 80) return err(res, 400, 'name must be 80 characters or fewer');
      if (name) s.metadata.ui = { customName: name }; else delete s.metadata.ui;
      setStatus(s, s.status);
      return send(res, 200, { session: s });
    }
    if ((sub === '/stop' || sub === '/kill') && m === 'POST') {
      if (isLive(s)) { setStatus(s, 'STOPPED'); ptys.get(id)?.emit(`\r\n${C.gray}[session ${sub === '/kill' ? 'killed' : 'stopped'}]${C.reset}\r\n`); }
      state.pending = state.pending.filter((x) => x.sessionId !== id);
      return send(res, 200, { success: true });
    }
    if (sub === '/resume' && m === 'POST') {
      if (isLive(s)) return send(res, 200, { session: s });
      setStatus(s, 'STARTING');
      setTimeout(() => { const p2 = ensurePty(s); p2.emit(`\r\n${C.gray}[resumed]${C.reset}\r\n`); p2.prompt(); setStatus(s, 'RUNNING'); }, 250);
      return send(res, 200, { session: s });
    }
    if (sub === '/recover' && m === 'POST') {
      if (isLive(s)) return send(res, 200, { session: s });
      return err(res, 400, `Tmux session codepiper-${id} is no longer running`);
    }
    if (sub === '/send' && m === 'POST') {
      if (typeof body.text !== 'string') return err(res, 400, 'Missing required field: text');
      if (!pty || !isLive(s)) return err(res, 404, `Session not found: ${id}`);
      pty.type(body.text.replace(/\r?\n/g, ' '));
      if (body.newline) pty.key('enter');
      return send(res, 200, { success: true });
    }
    if (sub === '/keys' && m === 'POST') {
      if (!Array.isArray(body.keys)) return err(res, 400, 'keys must be an array');
      if (!pty || !isLive(s)) return err(res, 404, `Session not found: ${id}`);
      for (const k of body.keys) pty.key(String(k).toLowerCase());
      return send(res, 200, { success: true });
    }
    if (sub === '/output' && m === 'GET') {
      if (!pty || !isLive(s)) return err(res, 409, `Session is not actively managed: ${id}`, { status: s.status });
      return send(res, 200, { output: pty.frame().text });
    }
    if (sub === '/resize' && m === 'POST') {
      if (pty) { pty.cols = body.cols; pty.rows = body.rows; }
      return send(res, 200, { success: !!pty });
    }
    if (sub === '/upload-image' && m === 'POST') {
      const text = raw.toString('latin1');
      const fm = /name="image"; filename="([^"]*)"\r\nContent-Type: ([^\r\n]+)/.exec(text);
      if (!fm) return err(res, 400, 'Missing required field: image');
      if (!['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(fm[2])) return err(res, 400, `Invalid image type: ${fm[2]}. Allowed: PNG, JPEG, GIF, WebP`);
      const safe = (fm[1].split(/[\\/]/).pop() || 'image').replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.{2,}/g, '.').replace(/^\.+/, '') || 'image';
      return send(res, 200, { path: `${process.env.HOME || '/root'}/.codepiper/sessions/${id}/images/upload-${Date.now()}-${safe}`, filename: fm[1] });
    }
    if (sub === '/effective-policies' && m === 'GET') {
      const ids = new Set();
      const out = [];
      for (const pol of state.policies.filter((x) => x.enabled && x.sessionId === id)) { ids.add(pol.id); out.push(pol); }
      for (const setId of state.sessionSets.get(id) ?? []) for (const pid of state.setMembers.get(setId) ?? []) {
        const pol = state.policies.find((x) => x.id === pid);
        if (pol && pol.enabled && !ids.has(pid)) { ids.add(pid); out.push(pol); }
      }
      for (const pol of state.policies.filter((x) => x.enabled && !x.sessionId)) if (!ids.has(pol.id)) { ids.add(pol.id); out.push(pol); }
      return send(res, 200, { policies: out.sort((a, b) => b.priority - a.priority) });
    }
    if (sub === '/policy-sets' && m === 'GET') {
      const sets = [...(state.sessionSets.get(id) ?? [])].map((x) => state.policySets.find((y) => y.id === x)).filter(Boolean).map(setSummary);
      return send(res, 200, { policySets: sets });
    }
    if (sub === '/policy-sets' && m === 'POST') {
      const set = state.policySets.find((x) => x.id === body.policySetId);
      if (!set) return err(res, 404, `Policy set not found: ${body.policySetId}`);
      const cur = state.sessionSets.get(id) ?? new Set();
      if (cur.has(set.id)) return err(res, 409, `Policy set ${set.id} is already applied to session ${id}`);
      cur.add(set.id);
      state.sessionSets.set(id, cur);
      return send(res, 200, { success: true });
    }
    if ((r = /^\/policy-sets\/([A-Za-z0-9-]+)$/.exec(sub)) && m === 'DELETE') {
      const cur = state.sessionSets.get(id);
      if (!cur?.has(r[1])) return err(res, 404, `Policy set ${r[1]} is not applied to session ${id}`);
      cur.delete(r[1]);
      return send(res, 200, { success: true });
    }
    return err(res, 404, `Not found: ${p}`);
  }

  // ---- policies
  if (p === '/policies' && m === 'GET') return send(res, 200, { policies: [...state.policies].sort((a, b) => b.priority - a.priority).map(policyWithSession) });
  if (p === '/policies' && m === 'POST') {
    for (const f of ['id', 'name']) if (!body[f]) return err(res, 400, `Missing required field: ${f}`);
    if (body.enabled === undefined) return err(res, 400, 'Missing required field: enabled');
    if (body.priority === undefined) return err(res, 400, 'Missing required field: priority');
    if (!('sessionId' in body)) return err(res, 400, 'Missing required field: sessionId');
    if (!Array.isArray(body.rules)) return err(res, 400, "Field 'rules' must be an array");
    if (!Number.isInteger(body.priority)) return err(res, 400, "Field 'priority' must be an integer");
    if (state.policies.some((x) => x.id === body.id)) return err(res, 409, `Policy already exists: ${body.id}`);
    const pol = { id: body.id, name: body.name, enabled: body.enabled, priority: body.priority, sessionId: body.sessionId ?? null, rules: body.rules, createdAt: now(), updatedAt: now() };
    if (body.description) pol.description = body.description;
    state.policies.push(pol);
    return send(res, 201, { policy: pol });
  }
  if ((r = /^\/policies\/([A-Za-z0-9-]+)$/.exec(p))) {
    const pol = state.policies.find((x) => x.id === r[1]);
    if (!pol) return err(res, 404, `Policy not found: ${r[1]}`);
    if (m === 'GET') return send(res, 200, { policy: pol });
    if (m === 'PUT') {
      if (body.priority !== undefined && !Number.isInteger(body.priority)) return err(res, 400, "Field 'priority' must be an integer");
      for (const k of ['name', 'enabled', 'priority', 'rules']) if (body[k] !== undefined) pol[k] = body[k];
      if ('description' in body) { if (body.description === null) delete pol.description; else pol.description = body.description; }
      pol.updatedAt = now();
      return send(res, 200, { policy: pol });
    }
    if (m === 'DELETE') {
      state.policies.splice(state.policies.indexOf(pol), 1);
      for (const v of state.setMembers.values()) v.delete(pol.id);
      return send(res, 200, { success: true });
    }
  }
  if (p === '/policy-sets' && m === 'GET') return send(res, 200, { policySets: [...state.policySets].sort((a, b) => a.name.localeCompare(b.name)).map(setSummary) });
  if (p === '/policy-sets' && m === 'POST') {
    if (!body.id) return err(res, 400, 'Missing required field: id');
    if (!body.name) return err(res, 400, 'Missing required field: name');
    if (state.policySets.some((x) => x.id === body.id || x.name === body.name)) return err(res, 409, `Policy set already exists: ${body.id}`);
    if (body.isDefault) for (const x of state.policySets) x.isDefault = false;
    const set = { id: body.id, name: body.name, isDefault: !!body.isDefault, createdAt: now(), updatedAt: now() };
    if (body.description) set.description = body.description;
    state.policySets.push(set);
    state.setMembers.set(set.id, new Set(body.policyIds ?? []));
    return send(res, 201, { policySet: setDetail(set) });
  }
  if ((r = /^\/policy-sets\/([A-Za-z0-9-]+)(\/policies(?:\/([A-Za-z0-9-]+))?)?$/.exec(p))) {
    const set = state.policySets.find((x) => x.id === r[1]);
    if (!set) return err(res, 404, `Policy set not found: ${r[1]}`);
    const members = state.setMembers.get(set.id) ?? new Set();
    state.setMembers.set(set.id, members);
    if (!r[2]) {
      if (m === 'GET') return send(res, 200, { policySet: setDetail(set) });
      if (m === 'PUT') {
        if (body.name === undefined && body.description === undefined && body.isDefault === undefined) return err(res, 422, 'At least one field must be provided: name, description, or isDefault');
        if (body.isDefault) for (const x of state.policySets) x.isDefault = false;
        if (body.name !== undefined) set.name = body.name;
        if (body.description !== undefined) { if (body.description === null) delete set.description; else set.description = body.description; }
        if (body.isDefault !== undefined) set.isDefault = body.isDefault;
        set.updatedAt = now();
        return send(res, 200, { policySet: setDetail(set) });
      }
      if (m === 'DELETE') {
        state.policySets.splice(state.policySets.indexOf(set), 1);
        for (const v of state.sessionSets.values()) v.delete(set.id);
        return send(res, 200, { success: true });
      }
    } else if (!r[3] && m === 'POST') {
      if (!state.policies.some((x) => x.id === body.policyId)) return err(res, 404, `Policy not found: ${body.policyId}`);
      if (members.has(body.policyId)) return err(res, 409, `Policy ${body.policyId} is already a member of set ${set.id}`);
      members.add(body.policyId);
      return send(res, 200, { success: true });
    } else if (r[3] && m === 'DELETE') {
      if (!members.has(r[3])) return err(res, 404, `Policy ${r[3]} is not a member of set ${set.id}`);
      members.delete(r[3]);
      return send(res, 200, { success: true });
    }
  }
  if (p === '/policy-decisions' && m === 'GET') {
    const q = url.searchParams;
    let list = [...state.decisions].sort((a, b) => b.id - a.id);
    if (q.get('sessionId')) list = list.filter((d) => d.sessionId === q.get('sessionId'));
    if (q.get('decision')) {
      if (!['allow', 'deny', 'ask'].includes(q.get('decision'))) return err(res, 422, "Query param 'decision' must be one of: allow, deny, ask");
      list = list.filter((d) => d.decision === q.get('decision'));
    }
    const limit = Number(q.get('limit') ?? 100), offset = Number(q.get('offset') ?? 0);
    return send(res, 200, { decisions: list.slice(offset, offset + limit), total: list.length });
  }
  if (p === '/policy-decisions/verify' && m === 'GET') return send(res, 200, { ok: true, checked: state.decisions.length });
  if (p === '/policy-decisions/pending' && m === 'GET') return send(res, 200, { pending: state.pending });
  if ((r = /^\/policy-decisions\/pending\/([A-Za-z0-9-]+)$/.exec(p)) && m === 'POST') {
    const item = state.pending.find((x) => String(x.id) === r[1]);
    if (!item) return err(res, 404, `Pending decision not found: ${r[1]}`);
    if (!['allow', 'deny'].includes(body.decision)) return err(res, 400, "Field 'decision' must be allow or deny");
    state.pending.splice(state.pending.indexOf(item), 1);
    let policyId;
    if (body.remember && body.decision === 'allow') {
      policyId = 'remembered-' + item.toolName.toLowerCase();
      let pol = state.policies.find((x) => x.id === policyId);
      if (!pol) {
        pol = { id: policyId, name: `Always allow ${item.toolName}`, description: 'Saved from an approval', enabled: true, priority: 60, sessionId: null, rules: [], createdAt: now(), updatedAt: now() };
        state.policies.push(pol);
      }
      pol.rules.push({ id: `r${pol.rules.length + 1}`, action: 'allow', tool: item.toolName, ...(item.command ? { args: { command: item.command } } : {}), reason: 'Always allowed by the user' });
    }
    const ev = addEvent(item.sessionId, 'hook', 'PermissionDecision', { tool_name: item.toolName, tool_input: item.toolInput, decision: body.decision, source: 'user', remember: !!body.remember });
    addDecision(item.sessionId, item.toolName, item.toolInput, body.decision, body.decision === 'allow' ? 'Allowed by the user' : 'Denied by the user', policyId, ev.id);
    publish('notifications', { topic: 'notifications', type: 'policy_resolved', data: { id: item.id, sessionId: item.sessionId, decision: body.decision } });
    const s = findSession(item.sessionId);
    if (s && s.status === 'NEEDS_PERMISSION' && !state.pending.some((x) => x.sessionId === s.id)) setStatus(s, 'RUNNING');
    ptys.get(item.sessionId)?.resolved(body.decision);
    return send(res, 200, { success: true, decision: body.decision, ...(policyId ? { policyId } : {}) });
  }
  if (p === '/notifications' && m === 'GET') return send(res, 200, { notifications: [...state.notifications].sort((a, b) => b.id - a.id) });
  if (p === '/notifications/read' && m === 'POST') {
    let n = 0;
    for (const x of state.notifications) if (!x.readAt) { x.readAt = now(); x.readSource = 'bulk'; n++; }
    return send(res, 200, { success: true, updated: n });
  }
  if ((r = /^\/notifications\/(\d+)\/read$/.exec(p)) && m === 'POST') {
    const x = state.notifications.find((y) => y.id === Number(r[1]));
    const changed = !!x && !x.readAt;
    if (x && !x.readAt) { x.readAt = now(); x.readSource = body.readSource ?? 'click'; }
    return send(res, 200, { success: true, changed });
  }
  return err(res, 404, `Not found: ${p}`);
}

// ---------------------------------------------------------------- static

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.woff2': 'font/woff2' };

function serveStatic(req, res, url) {
  let rel = decodeURIComponent(url.pathname);
  let file = path.join(DIST, rel);
  if (!file.startsWith(DIST)) { res.writeHead(403); res.end('Forbidden'); return; }
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(DIST, 'index.html');
  if (!fs.existsSync(file)) { res.writeHead(500, { 'Content-Type': 'text/plain' }); res.end('dist/ is missing: run npm run build'); return; }
  const hashed = rel.startsWith('/assets/');
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-store',
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'",
  });
  fs.createReadStream(file).pipe(res);
}

// ---------------------------------------------------------------- server

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  try {
    if (url.pathname.startsWith('/__mock/')) return mockControl(req, res, url);
    if (url.pathname.startsWith('/api/')) return await api(req, res, url);
    return serveStatic(req, res, url);
  } catch (e) {
    console.error(e);
    err(res, 500, 'Internal server error');
  }
});

async function mockControl(req, res, url) {
  if (url.pathname === '/__mock/login') {
    const token = newToken();
    state.auth.sessions.add(token);
    res.writeHead(302, { Location: url.searchParams.get('next') || '/', 'Set-Cookie': sessionCookie(token) });
    return res.end();
  }
  if (url.pathname === '/__mock/totp') {
    return send(res, 200, { code: totp(url.searchParams.get('secret') || state.auth.secret || READY_SECRET) });
  }
  if (url.pathname === '/__mock/pending' && req.method === 'POST') {
    const raw = await readBody(req);
    const b = raw.length ? JSON.parse(raw.toString()) : {};
    const s = state.sessions.find((x) => x.id === b.sessionId) ?? state.sessions.find(isLive);
    if (!s) return err(res, 400, 'No live session');
    const item = raisePending(s.id, b.toolName ?? 'Bash', b.toolInput ?? { command: b.command ?? 'git push origin main' }, b.command ?? 'git push origin main');
    return send(res, 200, { pending: item });
  }
  if (url.pathname === '/__mock/analytics' && req.method === 'POST') {
    const raw = await readBody(req);
    const b = raw.length ? JSON.parse(raw.toString()) : {};
    if (typeof b.empty === 'boolean') analytics.control.empty = b.empty;
    if (typeof b.delayMs === 'number') analytics.control.delayMs = b.delayMs;
    return send(res, 200, analytics.control);
  }
  if (url.pathname === '/__mock/drop-sockets' && req.method === 'POST') {
    const n = clients.size;
    for (const c of [...clients]) { c.socket.destroy(); clients.delete(c); }
    return send(res, 200, { dropped: n });
  }
  if (url.pathname === '/__mock/state') {
    return send(res, 200, { sessions: state.sessions.length, pending: state.pending, policies: state.policies.map((p) => p.id), auth: { mode: state.auth.mode } });
  }
  return err(res, 404, 'Unknown mock control');
}

server.on('upgrade', (req, socket) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== '/ws') { socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); return; }
  if (!authed(req)) {
    const body = JSON.stringify({ error: 'Authentication required' });
    socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    return;
  }
  const key = req.headers['sec-websocket-key'];
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + `Sec-WebSocket-Accept: ${wsAccept(key)}\r\n\r\n`);
  socket.setNoDelay(true);
  clients.add(new WsClient(socket));
});

if (SEED) seed();
const analytics = createAnalytics({ seed: SEED, state });

server.listen(PORT, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`codepiper mock listening on http://127.0.0.1:${addr.port} (auth=${AUTH_MODE}, pty=${PTY_MODE}, seed=${SEED ? 1 : 0})`);
});
