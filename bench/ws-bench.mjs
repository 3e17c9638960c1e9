// The live terminal under measurement (run by bench/ws.sh): the real stack
// (`agentd --web`: nginx, codepiper-fcgi, codepiper-ws), sessions running a
// plain shell, WebSocket clients speaking websocket.md.
//
//   1. pane output -> client: the shell prints its own clock
//      ($EPOCHREALTIME) and the client subtracts it from its clock on arrival;
//      through nginx, straight to codepiper-ws, and as the reference's
//      pty_output screens;
//   2. keystroke echo: pty_input of one character until its echo arrives;
//   3. load: 100 clients watching 10 busy sessions (10 each) for a while:
//      CPU and memory of every process, chunks lost (seq gaps), resyncs,
//      latency under load; and two clients that stop reading, to show that a
//      slow client costs bounded memory and gets a snapshot when it is back.
//
// Environment: CODEPIPER_BIN (default build/bin), BENCH_SAMPLES (300),
// BENCH_LOAD_SECONDS (10), BENCH_CLIENTS (100), BENCH_SESSIONS (10).
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startStack, openClient, waitFor } from '../tests/browser/ws-stack.mjs';

const SAMPLES = Number(process.env.BENCH_SAMPLES || 300);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS || 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS || 100);
const SESSIONS = Number(process.env.BENCH_SESSIONS || 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowSeconds = () => (performance.timeOrigin + performance.now()) / 1000;
const fmt = (ms) => `${ms.toFixed(2)} ms`;
// Pauses in the shell loops without a process per iteration (`sleep` would
// fork thousands of times a second): read with a timeout from a pipe that
// never has data.
const PAUSE_FD = 'exec 7< <(while :; do sleep 3600; done);';
const pause = (s) => `read -t ${s} -u 7`;

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { n: v.length, median: at(0.5), p99: at(0.99), max: v[v.length - 1] };
}

function line(label, text) {
  console.log(`  ${label.padEnd(44)} ${text}`);
}

// ---- processes -------------------------------------------------------------

const HZ = 100;	// USER_HZ on Linux
function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);	// utime + stime
}
function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}
function children(ppid) {
  const out = {};
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')'));
      const parent = Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === ppid) out[comm] = Number(d);
    } catch { /* gone */ }
  }
  return out;
}

// ---- clients ---------------------------------------------------------------

async function rawClient(stack, url) {
  const headers = { Cookie: `codepiper_session=${stack.cookie}` };
  const c = url ? await openClient(url, { headers }) : await stack.connect();
  c.send({ op: 'hello', version: 1, ptyMode: 'raw' });
  await c.next((m) => m.op === 'hello_ack');
  return c;
}

async function framesClient(stack) {
  const c = await stack.connect();
  c.send({ op: 'hello', version: 1, supports: { ptyPaste: true } });
  await c.next((m) => m.op === 'hello_ack');
  return c;
}

/** Feed a session's pty_raw text into onLine, one complete line at a time. */
function lineReader(c, sessionId, onLine) {
  let partial = '';
  c.ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.type !== 'pty_raw' || m.sessionId !== sessionId) return;
    const at = nowSeconds();
    const text = partial + Buffer.from(m.data, 'base64').toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop();
    for (const l of lines) onLine(l.replace(/\r$/, ''), at);
  });
}

// ---- 1. pane output -> client -------------------------------------------------

let runs = 0;

async function outputLatency(stack, sessionId, c, mode) {
  const latencies = [];
  // Markers of earlier runs may still be on the screen: tag this run's.
  const tag = `LAT${++runs}`;
  const marker = new RegExp(`^${tag} (\\d+\\.\\d+)$`, 'gm');
  if (mode === 'raw') {
    c.send({ op: 'subscribe', topic: `session:${sessionId}:pty` });
    await c.next((m) => m.type === 'pty_snapshot');
    lineReader(c, sessionId, (l, at) => {
      marker.lastIndex = 0;
      const m = marker.exec(l);
      if (m) latencies.push((at - Number(m[1])) * 1000);
    });
  } else {
    // A screen carries every marker still on it: count each one once.
    const seen = new Set();
    c.send({ op: 'subscribe', topic: `session:${sessionId}:pty` });
    c.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type !== 'pty_output') return;
      const at = nowSeconds();
      for (const x of m.data.matchAll(marker)) {
        if (seen.has(x[1])) continue;
        seen.add(x[1]);
        latencies.push((at - Number(x[1])) * 1000);
      }
    });
  }
  await sleep(200);
  await stack.cli('POST', `/sessions/${sessionId}/send`, {
    text: `${PAUSE_FD} for i in $(seq ${SAMPLES}); do printf '${tag} %s\\n' "$EPOCHREALTIME"; ${pause(0.01)}; done`,
    newline: true,
  });
  await waitFor(() => latencies.length >= SAMPLES * 0.98, { timeout: SAMPLES * 50 + 10000, what: 'markers' });
  await sleep(300);
  c.send({ op: 'unsubscribe', topic: `session:${sessionId}:pty` });
  return stats(latencies);
}

// ---- 2. keystroke echo ---------------------------------------------------------

async function echoLatency(stack, sessionId, c, mode) {
  c.send({ op: 'subscribe', topic: `session:${sessionId}:pty` });
  if (mode === 'raw') await c.next((m) => m.type === 'pty_snapshot');
  await sleep(300);
  c.messages.length = 0;
  const latencies = [];
  let typed = '';
  for (let i = 0; i < Math.min(SAMPLES, 200); i++) {
    if (typed.length >= 40) {
      c.send({ op: 'pty_key', sessionId, key: 'ctrl+u' });
      typed = '';
      await sleep(50);
      c.messages.length = 0;
      c.waiters.length = 0;
    }
    const ch = String.fromCharCode(97 + (i % 26));
    typed += ch;
    const want = typed;
    const t0 = performance.now();
    c.send({ op: 'pty_input', sessionId, data: ch });
    if (mode === 'raw')
      await c.next((m) => m.type === 'pty_raw' && Buffer.from(m.data, 'base64').toString().includes(ch), 5000);
    else
      await c.next((m) => m.type === 'pty_output' && m.data.includes(`$ ${want}`), 5000);
    latencies.push(performance.now() - t0);
    await sleep(5);
  }
  c.send({ op: 'pty_key', sessionId, key: 'ctrl+u' });
  c.send({ op: 'unsubscribe', topic: `session:${sessionId}:pty` });
  await sleep(100);
  return stats(latencies);
}

// ---- 3. load -------------------------------------------------------------------

async function load(stack, pids) {
  const sessions = [];
  for (let i = 0; i < SESSIONS; i++) sessions.push(await stack.newSession());
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const sid = sessions[i % SESSIONS];
    const c = await rawClient(stack);
    const st = { c, sid, chunks: 0, bytes: 0, gaps: 0, missing: 0, snapshots: 0, last: null, latencies: [] };
    c.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.sessionId !== sid) return;
      if (m.type === 'pty_snapshot') { st.snapshots++; st.last = m.seq; return; }
      if (m.type !== 'pty_raw') return;
      st.chunks++;
      st.bytes += data.length;
      if (st.last !== null && m.seq !== st.last + 1) { st.gaps++; st.missing += m.seq - st.last - 1; }
      st.last = m.seq;
    });
    // Latency under load: one client per session reads the markers.
    if (i < SESSIONS) lineReader(c, sid, (l, at) => {
      const m = /^BUSY (\d+\.\d+) /.exec(l);
      if (m) st.latencies.push((at - Number(m[1])) * 1000);
    });
    c.send({ op: 'subscribe', topic: `session:${sid}:pty` });
    clients.push(st);
  }
  await waitFor(() => clients.every((s) => s.snapshots > 0), { timeout: 30000, what: 'every first snapshot' });
  for (const s of clients) s.snapshots = 0;

  const filler = 'x'.repeat(60);
  for (const sid of sessions) {
    await stack.cli('POST', `/sessions/${sid}/send`, {
      text: `${PAUSE_FD} while :; do printf 'BUSY %s %s\\n' "$EPOCHREALTIME" ${filler}; ${pause(0.005)}; done`, newline: true,
    });
  }
  await sleep(1000);	// steady state
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuTicks(p)]));
  for (const s of clients) { s.chunks = 0; s.bytes = 0; s.gaps = 0; s.missing = 0; s.latencies.length = 0; }
  const t0 = performance.now();
  await sleep(LOAD_SECONDS * 1000);
  const seconds = (performance.now() - t0) / 1000;
  loopDelay.disable();
  const clientLag = { median: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6 };
  const after = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuTicks(p)]));
  const rss = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, rssKiB(p)]));

  for (const sid of sessions) await stack.cli('POST', `/sessions/${sid}/keys`, { keys: ['ctrl+c'] });
  const total = clients.reduce((a, s) => ({ chunks: a.chunks + s.chunks, bytes: a.bytes + s.bytes, gaps: a.gaps + s.gaps, missing: a.missing + s.missing, snapshots: a.snapshots + s.snapshots }), { chunks: 0, bytes: 0, gaps: 0, missing: 0, snapshots: 0 });
  const lat = stats(clients.flatMap((s) => s.latencies));
  for (const s of clients) await s.c.close();
  for (const sid of sessions) await stack.cli('POST', `/sessions/${sid}/kill`);
  return { seconds, before, after, rss, total, lat, clientLag };
}

// ---- 4. slow clients -------------------------------------------------------------

/*
 * A session printing as fast as it can, two clients that stop reading (a
 * phone on a bad network) and one that keeps up. agentd must not queue
 * without bound for the stalled ones: they fall behind, and get a snapshot
 * when they read again.
 */
async function slowClients(stack, pids) {
  const sid = await stack.newSession();
  const live = await rawClient(stack);
  const stalled = [await rawClient(stack), await rawClient(stack)];
  for (const c of [live, ...stalled]) {
    c.send({ op: 'subscribe', topic: `session:${sid}:pty` });
    await c.next((m) => m.type === 'pty_snapshot');
  }
  let liveChunks = 0, liveGaps = 0, last = null;
  live.ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === 'pty_snapshot') last = m.seq;
    if (m.type !== 'pty_raw') return;
    liveChunks++;
    if (last !== null && m.seq !== last + 1) liveGaps++;
    last = m.seq;
  });
  for (const c of stalled) c.ws._socket.pause();
  const statsBefore = (await stack.cli('GET', '/stream/stats')).json;
  const rss = { agentd: [rssKiB(pids.agentd)], 'codepiper-ws': [rssKiB(pids['codepiper-ws'])] };
  await stack.cli('POST', `/sessions/${sid}/send`, { text: 'for i in $(seq 20); do seq 1 100000; done', newline: true });
  const deadline = Date.now() + 60000;
  let produced = 0;
  do {
    await sleep(500);
    rss.agentd.push(rssKiB(pids.agentd));
    rss['codepiper-ws'].push(rssKiB(pids['codepiper-ws']));
    produced = (await stack.cli('GET', `/sessions/${sid}/output`)).json?.output ?? '';
  } while (!/^\$ ?$/m.test(produced.split('\n').slice(-2).join('\n')) && Date.now() < deadline);
  const statsAfter = (await stack.cli('GET', '/stream/stats')).json;
  for (const c of stalled) { c.messages.length = 0; c.ws._socket.resume(); }
  const resumed = await Promise.all(stalled.map((c) => c.next((m) => m.type === 'pty_snapshot', 30000).then(() => true, () => false)));
  for (const c of [live, ...stalled]) await c.close();
  await stack.cli('POST', `/sessions/${sid}/kill`);
  return { statsBefore, statsAfter, rss, resumed, liveChunks, liveGaps };
}

// ---- main ----------------------------------------------------------------------

const stack = await startStack({ env: {
  // Every client here is 127.0.0.1: the API limiter would refuse most of
  // the relay's messages (see docs/websocket.md).
  CODEPIPER_API_RATE_LIMIT_MAX: '1000000000',
} });
let failed = false;
try {
  const agentdPid = stack.child.pid;
  const kids = children(agentdPid);
  const tmuxPid = Number(execFileSync('tmux', ['-L', stack.tmuxName, 'display-message', '-p', '#{pid}']).toString().trim());
  const pids = { agentd: agentdPid, 'codepiper-ws': kids['codepiper-ws'], nginx: kids.nginx, tmux: tmuxPid };
  const relaySocket = join(stack.env.CODEPIPER_HOME, 'web/ws.sock');

  console.log(`ws bench: agentd --web on 127.0.0.1:${stack.port} (nginx -> codepiper-ws -> agentd), ${process.env.CODEPIPER_BIN || 'build/bin'}`);
  const sid = await stack.newSession();
  const goal = (s) => (s.median <= 10 ? 'goal <= 10 ms median: met' : 'goal <= 10 ms median: MISSED');

  let c = await rawClient(stack);
  let s = await outputLatency(stack, sid, c, 'raw');
  line('pane output -> client, raw, via nginx:', `median ${fmt(s.median)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  (n=${s.n})  ${goal(s)}`);
  await c.close();

  c = await rawClient(stack, `ws+unix://${relaySocket}:/ws`);
  s = await outputLatency(stack, sid, c, 'raw');
  line('pane output -> client, raw, relay direct:', `median ${fmt(s.median)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  (n=${s.n})`);
  await c.close();

  c = await framesClient(stack);
  s = await outputLatency(stack, sid, c, 'frames');
  line('pane output -> client, pty_output screens:', `median ${fmt(s.median)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  (n=${s.n}; reference: ~100-500 ms polls)`);
  await c.close();

  c = await rawClient(stack);
  s = await echoLatency(stack, sid, c, 'raw');
  line('keystroke echo round trip, raw:', `median ${fmt(s.median)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  (n=${s.n})`);
  await c.close();

  c = await framesClient(stack);
  s = await echoLatency(stack, sid, c, 'frames');
  line('keystroke echo round trip, screens:', `median ${fmt(s.median)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  (n=${s.n}; reference: p50 ~130 ms)`);
  await c.close();

  const r = await load(stack, pids);
  const pct = (k) => `${(((r.after[k] - r.before[k]) / HZ) / r.seconds * 100).toFixed(1)}%`;
  const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
  console.log(`  load: ${CLIENTS} clients watching ${SESSIONS} busy sessions (a line every ~5 ms each) for ${r.seconds.toFixed(1)} s, via nginx`);
  line('  delivered:', `${r.total.chunks} chunks (${(r.total.chunks / r.seconds).toFixed(0)}/s), ${(r.total.bytes / r.seconds / 1024 / 1024).toFixed(2)} MiB/s of JSON`);
  line('  dropped chunks (seq gaps) / resyncs:', `${r.total.missing} chunks in ${r.total.gaps} gaps / ${r.total.snapshots} snapshots`);
  line('  output -> client under load:', `median ${fmt(r.lat.median)}  p99 ${fmt(r.lat.p99)}  (n=${r.lat.n}; ` +
    `this client's own event-loop delay: median ${fmt(r.clientLag.median)}, p99 ${fmt(r.clientLag.p99)})`);
  line('  CPU (% of one core):', `agentd ${pct('agentd')}  codepiper-ws ${pct('codepiper-ws')}  nginx ${pct('nginx')}  tmux ${pct('tmux')}`);
  line('  RSS:', `agentd ${mib(r.rss.agentd)}  codepiper-ws ${mib(r.rss['codepiper-ws'])}  nginx ${mib(r.rss.nginx)}  tmux ${mib(r.rss.tmux)}`);

  const w = await slowClients(stack, pids);
  const peak = (k) => mib(Math.max(...w.rss[k]));
  console.log('  slow clients: one session printing 2,000,000 lines as fast as it can; 2 clients stop reading, 1 keeps up');
  line('  peak RSS while they stall:', `agentd ${mib(w.rss.agentd[0])} -> ${peak('agentd')}  codepiper-ws ${mib(w.rss['codepiper-ws'][0])} -> ${peak('codepiper-ws')}`);
  line('  stalled clients:', `fell behind ${w.statsAfter.behind - w.statsBefore.behind} times; snapshot when they read again: ${w.resumed.every(Boolean) ? 'yes' : 'NO'}; ` +
    `closed for backpressure: ${w.statsAfter.closedBackpressure - w.statsBefore.closedBackpressure}`);
  line('  the client that keeps up:', `${w.liveChunks} chunks, ${w.liveGaps} gaps`);
} catch (e) {
  console.error(`ws bench failed: ${e.stack || e}`);
  failed = true;
}
const { code, sanitizer } = await stack.stop();
if (code !== 0 || sanitizer) { console.error(`agentd exited ${code}${sanitizer ? ' with a sanitizer report' : ''}`); failed = true; }
process.exit(failed ? 1 : 0);
