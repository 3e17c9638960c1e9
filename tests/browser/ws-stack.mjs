// The real stack for WebSocket tests and benchmarks: `agentd --web` on a
// free port (it starts nginx, codepiper-fcgi and codepiper-ws itself), a
// private data dir, tmux server and HOME, stand-in agents that are plain
// shells, and a signed-in session (bootstrap password -> onboarding -> MFA,
// as auth.md describes). Nothing here touches the user's own daemon.
//
//   const stack = await startStack();
//   const ws = await stack.connect();           // a signed-in WebSocket
//   const id = await stack.newSession();        // a shell session
//   await stack.stop();                         // asserts a clean exit
//
// Options: `agents: 'standin'` puts tests/bin (the stand-in claude and codex,
// tests/fake-anthropic/README.md) first on PATH instead of the shells;
// `signIn: false` leaves the daemon in onboarding (the caller signs in, e.g.
// through the dashboard) and `stack.signIn()` does it later.
//
// CODEPIPER_BIN selects the programs (default build/san/bin).

import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const BIN = process.env.CODEPIPER_BIN || join(ROOT, 'build/san/bin');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, { timeout = 10000, interval = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(interval);
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

/** RFC 6238 code of a base32 secret (HMAC-SHA1, 6 digits, 30 s steps). */
export function totp(secret, offsetSeconds = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor((Date.now() / 1000 + offsetSeconds) / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1] & 0xf;
  const n = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  return String(n % 1e6).padStart(6, '0');
}

// A shell standing in for an agent: what is typed is echoed, commands run.
const SHELL_AGENT = `#!/usr/bin/env bash
rc=$(mktemp)
printf '%s\\n' "PS1='$ '" "bind 'set enable-bracketed-paste off' 2>/dev/null" "unset HISTFILE" > "$rc"
exec bash --rcfile "$rc" -i
`;

/** One HTTP request on a Unix socket (agentd's CLI socket). */
export function unixRequest(socketPath, method, path, body) {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request({ socketPath, method, path, headers: data ? { 'Content-Type': 'application/json' } : {} }, (r) => {
      let out = '';
      r.setEncoding('utf8');
      r.on('data', (d) => { out += d; });
      r.on('end', () => {
        let json = null;
        try { json = JSON.parse(out); } catch { /* not JSON */ }
        res({ status: r.statusCode, body: out, json });
      });
    });
    req.on('error', rej);
    if (data) req.write(data);
    req.end();
  });
}

export const STANDIN_BIN = join(ROOT, 'tests/bin');

export async function startStack({ env: extraEnv = {}, agents = 'shell', signIn = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cp-ws-'));
  const home = join(dir, 'home');
  const bin = join(dir, 'bin');
  mkdirSync(home);
  mkdirSync(bin);
  for (const name of ['claude', 'codex']) {
    writeFileSync(join(bin, name), SHELL_AGENT);
    chmodSync(join(bin, name), 0o755);
  }
  const cliSocket = join(dir, 'a.sock');
  const tmuxName = `cpws-${process.pid}-${randomBytes(3).toString('hex')}`;
  const env = {
    ...process.env,
    PATH: `${agents === 'standin' ? STANDIN_BIN : bin}:${process.env.PATH}`,
    HOME: home,
    CODEPIPER_HOME: join(home, '.codepiper'),
    CODEPIPER_TMUX_SOCKET: tmuxName,
    ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0:exitcode=99',
    UBSAN_OPTIONS: process.env.UBSAN_OPTIONS || 'print_stacktrace=1:halt_on_error=1:exitcode=99',
    ...extraEnv,
  };
  let port, child, log = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    log = '';
    child = spawn(join(BIN, 'agentd'), ['--socket', cliSocket, '--web', '--port', String(port)],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    const exited = new Promise((r) => child.once('exit', (code) => r(code)));
    child.exited = exited;
    try {
      await waitFor(async () => {
        try { return (await fetch(`http://127.0.0.1:${port}/api/health`)).ok; } catch { return false; }
      }, { timeout: 20000, what: 'the web edge' });
      // codepiper-ws comes up next to nginx; wait for its socket too.
      await waitFor(() => existsSync(join(env.CODEPIPER_HOME, 'web/ws.sock')), { what: 'codepiper-ws' });
      break;
    } catch (e) {
      child.kill('SIGTERM');
      await exited;
      if (attempt === 2) throw new Error(`${e.message}\n${log}`);
    }
  }
  const base = `http://127.0.0.1:${port}`;
  const stack = {
    dir, env, port, base, cliSocket, tmuxName, child,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    get log() { return log; },
    cookie: null,
  };

  /** The API through nginx, as the browser calls it. */
  stack.api = async (method, path, body, { cookie = stack.cookie, headers = {} } = {}) => {
    const h = { ...headers };
    if (cookie) h.Cookie = `codepiper_session=${cookie}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const r = await fetch(base + '/api' + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, json, text, headers: r.headers };
  };
  stack.cli = (method, path, body) => unixRequest(cliSocket, method, path, body);

  // The bootstrap password agentd wrote (stdout is not a terminal).
  const password = readFileSync(join(env.CODEPIPER_HOME, 'bootstrap-password'), 'utf8').trim();
  stack.password = password;
  stack.secret = null;

  /** Sign in: the bootstrap password, the onboarding cookie, MFA enrolment. */
  stack.signIn = async () => {
    const login = await fetch(base + '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password }) });
    const onboarding = login.headers.getSetCookie().map((c) => /^codepiper_onboarding=([0-9a-f]+)/.exec(c)).find(Boolean)?.[1];
    if (!onboarding) throw new Error(`no onboarding cookie (${login.status})`);
    const setup = await (await fetch(base + '/api/auth/mfa/setup', { method: 'POST', headers: { Cookie: `codepiper_onboarding=${onboarding}` } })).json();
    const verify = await fetch(base + '/api/auth/mfa/verify', {
      method: 'POST', headers: { Cookie: `codepiper_onboarding=${onboarding}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ totpCode: totp(setup.secret) }),
    });
    const verified = await verify.json();
    if (!verified.token) throw new Error(`MFA verify failed: ${JSON.stringify(verified)}`);
    stack.cookie = verified.token;
    stack.secret = setup.secret;
    return verified.token;
  };
  let nextStep = 30;
  /** Another signed-in session (the next TOTP step: codes are single use). */
  stack.signInAgain = async () => {
    if (!stack.secret) throw new Error('not enrolled yet: set stack.secret');
    const r = await stack.api('POST', '/auth/login', { password, totpCode: totp(stack.secret, nextStep) }, { cookie: null });
    nextStep += 30;
    if (!r.json?.token) throw new Error(`login failed: ${r.text}`);
    return r.json.token;
  };
  if (signIn) await stack.signIn();

  /** A signed-in WebSocket through nginx; resolves once open. */
  stack.connect = (opts = {}) => openClient(stack.wsUrl, {
    headers: { Cookie: `codepiper_session=${opts.cookie ?? stack.cookie}`, ...(opts.headers || {}) },
  });

  /** A new session running a shell; resolves to its id once it shows a prompt. */
  stack.newSession = async () => {
    const r = await stack.cli('POST', '/sessions', { provider: 'claude-code', cwd: dir });
    if (r.status !== 201) throw new Error(`create: ${r.body}`);
    const id = r.json.session.id;
    await waitFor(async () => /^\$ ?$/m.test((await stack.cli('GET', `/sessions/${id}/output`)).json?.output ?? ''),
      { what: 'the shell prompt' });
    return id;
  };

  stack.stop = async () => {
    child.kill('SIGTERM');
    const code = await child.exited;
    spawnSync('tmux', ['-L', tmuxName, 'kill-server'], { stdio: 'ignore' });
    const sanitizer = /ERROR: [A-Za-z]+Sanitizer|runtime error:/.test(log);
    if (!process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    return { code, sanitizer, log };
  };
  return stack;
}

/**
 * A WebSocket client that records every message: `next(pred)` resolves with
 * the first message (from now on, or already received and not yet taken)
 * that matches.
 */
export function openClient(url, options = {}) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, options);
    const client = { ws, messages: [], waiters: [], closed: null };
    ws.on('message', (data) => {
      let msg;
      try { msg = JSON.parse(data.toString()); } catch { msg = { unparsed: data.toString() }; }
      msg._at = performance.now();
      client.messages.push(msg);
      for (const w of [...client.waiters]) {
        if (w.pred(msg)) { client.waiters.splice(client.waiters.indexOf(w), 1); w.resolve(msg); }
      }
    });
    ws.on('close', (code, reason) => {
      client.closed = { code, reason: reason.toString() };
      for (const w of client.waiters.splice(0)) w.reject(new Error(`closed ${code} ${reason} while waiting`));
    });
    ws.once('open', () => res(client));
    ws.once('unexpected-response', (req, r) => {
      let body = '';
      r.on('data', (d) => { body += d; });
      r.on('end', () => rej(Object.assign(new Error(`upgrade refused: ${r.statusCode}`), { status: r.statusCode, body })));
    });
    ws.once('error', (e) => rej(e));
    client.send = (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    client.next = (pred, timeout = 10000) => {
      const i = client.messages.findIndex((m) => !m._taken && pred(m));
      if (i >= 0) { client.messages[i]._taken = true; return Promise.resolve(client.messages[i]); }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          client.waiters.splice(client.waiters.findIndex((w) => w.resolve === done), 1);
          reject(new Error('timed out waiting for a message'));
        }, timeout);
        const done = (m) => { clearTimeout(timer); m._taken = true; resolve(m); };
        client.waiters.push({ pred, resolve: done, reject: (e) => { clearTimeout(timer); reject(e); } });
      });
    };
    client.close = () => new Promise((r) => {
      if (client.closed) return r(client.closed);
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() }));
      ws.close();
    });
    client.closedPromise = () => new Promise((r) => {
      if (client.closed) return r(client.closed);
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() }));
    });
  });
}
