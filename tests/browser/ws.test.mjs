// The WebSocket relay end to end, through the real nginx: `agentd --web`
// starts nginx, codepiper-fcgi and codepiper-ws; the client is the `ws`
// package speaking websocket.md as the dashboard does. Sessions run a plain
// shell (ws-stack.mjs), so what is typed is echoed and commands run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, openClient, waitFor } from './ws-stack.mjs';

let stack, sid;

before(async () => {
  stack = await startStack();
  sid = await stack.newSession();
});

after(async () => {
  if (!stack) return;
  const { code, sanitizer, log } = await stack.stop();
  assert.equal(sanitizer, false, `sanitizer report in agentd's log:\n${log.slice(-4000)}`);
  assert.equal(code, 0, 'agentd exits 0');
});

const decode = (m) => Buffer.from(m.data, 'base64');
const ptyTopic = (id) => `session:${id}:pty`;

async function rawClient(opts) {
  const c = await stack.connect(opts);
  c.send({ op: 'hello', version: 1, supports: { ptyPaste: true }, ptyMode: 'raw' });
  await c.next((m) => m.op === 'hello_ack');
  return c;
}

/** Raw bytes of session id on c, from now on, until they contain text. */
async function readUntil(c, id, text, timeout = 10000) {
  let bytes = Buffer.alloc(0);
  const deadline = Date.now() + timeout;
  while (!bytes.toString('utf8').includes(text)) {
    const m = await c.next((x) => x.type === 'pty_raw' && x.sessionId === id, Math.max(1, deadline - Date.now()));
    bytes = Buffer.concat([bytes, decode(m)]);
  }
  return bytes.toString('utf8');
}

/** Wait until no pty_raw for the session has arrived for quietMs. */
async function settle(c, id, quietMs = 300) {
  let last = -1;
  for (;;) {
    const n = c.messages.filter((m) => m.type === 'pty_raw' && m.sessionId === id).length;
    if (n === last) return;
    last = n;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/**
 * The terminal size the shell sees, as `stty size` prints it. tmux applies
 * a pane's new size to its pty a moment after resize-window, so ask until
 * it shows (or the deadline passes).
 */
async function shellSize(c, id, want, timeout = 5000) {
  const deadline = Date.now() + timeout;
  let seen;
  do {
    c.send({ op: 'pty_input', sessionId: id, data: 'stty size\r' });
    const out = await readUntil(c, id, '\r\n$ ');
    seen = /(\d+ \d+)\r\n\$ /.exec(out)?.[1];
    if (seen === want) return seen;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  return seen;
}

const lastSeq = (c, id) => c.messages.filter((m) => m.sessionId === id && (m.type === 'pty_raw' || m.type === 'pty_snapshot'))
  .reduce((s, m) => Math.max(s, m.seq), 0);

test('an upgrade without a session is refused with 401', async () => {
  await assert.rejects(openClient(stack.wsUrl), (e) => {
    assert.equal(e.status, 401);
    assert.equal(JSON.parse(e.body).error, 'Authentication required');
    return true;
  });
  await assert.rejects(openClient(stack.wsUrl, { headers: { Cookie: `codepiper_session=${'a'.repeat(64)}` } }),
    (e) => e.status === 401);
});

test('a cross-origin upgrade is refused with 403; a local origin is accepted', async () => {
  await assert.rejects(stack.connect({ headers: { Origin: 'https://evil.example' } }), (e) => {
    assert.equal(e.status, 403);
    assert.equal(JSON.parse(e.body).error, 'Origin not allowed');
    return true;
  });
  await assert.rejects(stack.connect({ headers: { Origin: 'null' } }), (e) => e.status === 403);
  const c = await stack.connect({ headers: { Origin: 'http://localhost:5173' } });
  await c.close();
});

test('a plain GET of /ws is checked, then refused with 400', async () => {
  const anonymous = await fetch(`${stack.base}/ws`);
  assert.equal(anonymous.status, 401);
  const signedIn = await fetch(`${stack.base}/ws`, { headers: { Cookie: `codepiper_session=${stack.cookie}` } });
  assert.equal(signedIn.status, 400);
  assert.equal(await signedIn.text(), 'WebSocket upgrade failed');
});

test('hello, ping and the protocol errors of websocket.md', async () => {
  const c = await stack.connect();
  c.send({ op: 'hello', version: 1, supports: { ptyPatch: true, ptyBinary: true, ptyPaste: true } });
  const ack = await c.next((m) => m.op === 'hello_ack');
  assert.deepEqual(ack.features, { ptyReplay: true, ptyPatch: false, ptyBinary: false, ptyPaste: true, ptyRaw: true });
  assert.deepEqual(ack.negotiated, { ptyPatch: false, ptyBinary: false, ptyPaste: true, ptyMode: 'frames' });
  const expectError = async (msg, error) => {
    c.send(msg);
    const m = await c.next((x) => typeof x.error === 'string' && !x.op);
    assert.equal(m.error, error, `reply to ${typeof msg === 'string' ? msg : JSON.stringify(msg)}`);
  };
  await expectError({ op: 'hello', version: 2 }, 'Unsupported protocol version: 2 (server=1)');
  await expectError({ op: 'hello', version: 0 }, "Invalid message: 'version' must be a positive integer");
  await expectError('{nope', 'Invalid JSON message');
  await expectError('[1,2]', 'Invalid message: expected JSON object');
  await expectError({ topic: 'sessions' }, "Invalid message: missing 'op' field");
  await expectError({ op: 'fly' }, 'Unknown operation: fly');
  await expectError({ op: 'subscribe' }, "Invalid message: missing 'topic' field");
  await expectError({ op: 'subscribe', topic: 'session:a_b:pty' }, 'Invalid topic format: session:a_b:pty');
  await expectError({ op: 'subscribe', topic: 'sessions', sinceSeq: -1 }, "Invalid message: 'sinceSeq' must be a non-negative integer");
  await expectError({ op: 'pty_input', sessionId: '', data: 'x' }, "Invalid message: 'sessionId' must be a non-empty string");
  await expectError({ op: 'pty_input', sessionId: 'a b', data: 'x' }, "Invalid message: 'sessionId' format is invalid");
  await expectError({ op: 'pty_input', sessionId: sid, data: '' }, "Invalid message: 'data' must not be empty");
  await expectError({ op: 'pty_input', sessionId: sid, data: 'x', requestId: 'no spaces' }, "Invalid message: 'requestId' format is invalid");
  await expectError({ op: 'pty_paste', sessionId: sid, requestId: 'p0', chunkIndex: 1, chunkCount: 2, data: 'x' },
    'Invalid message: pty_paste chunk stream must start at index 0');
  c.send({ op: 'pty_input', sessionId: '00000000-0000-4000-8000-000000000000', data: 'x', requestId: 'gone1' });
  const failed = await c.next((m) => m.op === 'pty_input_error');
  assert.deepEqual({ ...failed, _at: undefined, _taken: undefined }, {
    op: 'pty_input_error', sessionId: '00000000-0000-4000-8000-000000000000', requestId: 'gone1',
    error: 'Failed to deliver PTY input', _at: undefined, _taken: undefined,
  });
  c.send({ op: 'ping', ts: 42 });
  assert.equal((await c.next((m) => m.op === 'pong')).ts, 42);
  await c.close();
});

test('raw mode: a snapshot, then typing echoed as raw bytes in sequence', async () => {
  const c = await rawClient();
  c.send({ op: 'subscribe', topic: ptyTopic(sid) });
  const snap = await c.next((m) => m.type === 'pty_snapshot');
  assert.equal(snap.topic, ptyTopic(sid));
  assert.equal(snap.sessionId, sid);
  assert.ok(Number.isSafeInteger(snap.seq) && snap.seq > 0, 'snapshot seq');
  assert.ok(snap.cols > 0 && snap.rows > 0, 'snapshot size');
  assert.ok(snap.cursorX >= 0 && snap.cursorY >= 0, 'cursor');
  assert.match(decode(snap).toString(), /\$/, 'the prompt is on the screen');
  assert.equal(decode(snap).toString().split('\r\n').length, snap.rows, 'one line per row, joined by CRLF');

  const t0 = performance.now();
  c.send({ op: 'pty_input', sessionId: sid, data: 'echo typed-$((6*7))\r', requestId: 'in-1' });
  const out = await readUntil(c, sid, 'typed-42');
  assert.match(out, /echo typed-\$\(\(6\*7\)\)\r\n/, 'the keystrokes are echoed');
  assert.ok(performance.now() - t0 < 2000);
  const ack = await c.next((m) => m.op === 'pty_input_ack');
  assert.deepEqual([ack.sessionId, ack.requestId], [sid, 'in-1']);

  const raws = c.messages.filter((m) => m.type === 'pty_raw');
  raws.forEach((m, i) => assert.equal(m.seq, snap.seq + 1 + i, 'every chunk numbered, none missing'));
  await c.close();
});

test('text then a key arrive in that order', async () => {
  const c = await rawClient();
  c.send({ op: 'subscribe', topic: ptyTopic(sid) });
  await c.next((m) => m.type === 'pty_snapshot');
  // The reference delivered keys before buffered text; ours keeps order.
  c.send({ op: 'pty_input', sessionId: sid, data: 'echo order-$((1+1))' });
  c.send({ op: 'pty_key', sessionId: sid, key: 'enter', requestId: 'k-1' });
  const out = await readUntil(c, sid, 'order-2\r\n');
  assert.match(out, /\r\norder-2\r\n/, 'the command ran');
  assert.equal((await c.next((m) => m.op === 'pty_key_ack')).requestId, 'k-1');
  await c.close();
});

test('resize is applied to the terminal', async () => {
  const c = await rawClient();
  c.send({ op: 'subscribe', topic: ptyTopic(sid) });
  await c.next((m) => m.type === 'pty_snapshot');
  c.send({ op: 'pty_key', sessionId: sid, key: 'ctrl+u' });  // type first: this viewer owns the size
  c.send({ op: 'resize', sessionId: sid, cols: 101, rows: 31 });
  const ack = await c.next((m) => m.op === 'resize_ack');
  assert.deepEqual([ack.applied, ack.cols, ack.rows], [true, 101, 31]);
  assert.equal(await shellSize(c, sid, '31 101'), '31 101');
  c.send({ op: 'resize', sessionId: sid, cols: 0, rows: 31 });
  assert.equal((await c.next((m) => typeof m.error === 'string')).error,
    "Invalid message: 'cols' and 'rows' must be integers from 1 to 1000");
  await c.close();
});

test('a phone and a desktop: the viewer who types owns the size', async () => {
  const desktop = await rawClient();
  const phone = await rawClient();
  for (const c of [desktop, phone]) {
    c.send({ op: 'subscribe', topic: ptyTopic(sid) });
    await c.next((m) => m.type === 'pty_snapshot');
  }
  desktop.send({ op: 'pty_key', sessionId: sid, key: 'ctrl+u' });
  desktop.send({ op: 'resize', sessionId: sid, cols: 140, rows: 40 });
  assert.equal((await desktop.next((m) => m.op === 'resize_ack')).applied, true);
  // The phone opening the session does not shrink the desktop's terminal.
  phone.send({ op: 'resize', sessionId: sid, cols: 44, rows: 19 });
  const refused = await phone.next((m) => m.op === 'resize_ack');
  assert.deepEqual([refused.applied, refused.cols, refused.rows], [false, 140, 40]);
  // Typing on the phone hands it the size it asked for; the desktop gets a
  // fresh snapshot laid out for it.
  assert.equal(await shellSize(phone, sid, '19 44'), '19 44');
  const snap = await desktop.next((m) => m.type === 'pty_snapshot');
  assert.deepEqual([snap.cols, snap.rows], [44, 19]);
  await desktop.close();
  await phone.close();
});

test('reconnect with lastSeq: exactly the missed bytes, no snapshot', async () => {
  const observer = await rawClient();
  observer.send({ op: 'subscribe', topic: ptyTopic(sid) });
  await observer.next((m) => m.type === 'pty_snapshot');

  const first = await rawClient();
  first.send({ op: 'subscribe', topic: ptyTopic(sid) });
  await first.next((m) => m.type === 'pty_snapshot');
  first.send({ op: 'pty_input', sessionId: sid, data: 'echo before\r' });
  await readUntil(first, sid, 'before\r\n$ ');
  await settle(first, sid);
  const seen = lastSeq(first, sid);
  await first.close();

  // Output while nobody (but the observer) is connected, sent over HTTP.
  const r = await stack.cli('POST', `/sessions/${sid}/send`, { text: 'for i in 1 2 3; do echo missed-$i; sleep 0.05; done', newline: true });
  assert.equal(r.status, 200);
  await readUntil(observer, sid, 'missed-3\r\n$ ');
  await settle(observer, sid);
  const upTo = lastSeq(observer, sid);
  assert.ok(upTo > seen + 2, `several chunks were missed (seen ${seen}, up to ${upTo})`);

  const again = await rawClient();
  again.send({ op: 'subscribe', topic: ptyTopic(sid), lastSeq: seen, sinceSeq: seen });
  await waitFor(() => lastSeq(again, sid) >= upTo, { what: 'the replay' });
  assert.equal(again.messages.filter((m) => m.type === 'pty_snapshot').length, 0, 'no snapshot needed');
  const replay = again.messages.filter((m) => m.type === 'pty_raw');
  assert.deepEqual(replay.map((m) => m.seq), Array.from({ length: upTo - seen }, (_, i) => seen + 1 + i));
  const expected = observer.messages.filter((m) => m.type === 'pty_raw' && m.seq > seen && m.seq <= upTo);
  assert.deepEqual(Buffer.concat(replay.map(decode)), Buffer.concat(expected.map(decode)), 'byte for byte');
  assert.match(Buffer.concat(replay.map(decode)).toString(), /missed-1\r\nmissed-2\r\nmissed-3/);

  // A number the ring no longer holds (or never did) gets a fresh snapshot.
  const stale = await rawClient();
  stale.send({ op: 'subscribe', topic: ptyTopic(sid), lastSeq: 5 });
  const snap = await stale.next((m) => m.type === 'pty_snapshot');
  assert.ok(snap.seq >= upTo);
  for (const c of [observer, again, stale]) await c.close();
});

test("frame mode: the reference's pty_output screens", async () => {
  const c = await stack.connect();
  c.send({ op: 'hello', version: 1, supports: { ptyPatch: false, ptyBinary: false, ptyPaste: true } });
  await c.next((m) => m.op === 'hello_ack');
  c.send({ op: 'subscribe', topic: ptyTopic(sid), sinceSeq: 0 });
  c.send({ op: 'pty_input', sessionId: sid, data: 'echo frame-$((2+3))\r' });
  const frame = await c.next((m) => m.type === 'pty_output' && /frame-5\n/.test(m.data));
  assert.equal(frame.topic, ptyTopic(sid));
  assert.ok(frame.data.endsWith('\n') && !frame.data.endsWith(' \n\n'), 'trailing blank lines dropped, one final newline');
  assert.ok(Number.isInteger(frame.seq) && frame.seq >= 1);
  assert.deepEqual(Object.keys(frame.cursor).sort(), ['visible', 'x', 'y']);
  const frames = c.messages.filter((m) => m.type === 'pty_output');
  for (let i = 1; i < frames.length; i++) assert.ok(frames[i].seq > frames[i - 1].seq);
  await c.close();
});

test('a chunked paste arrives whole', async () => {
  const c = await rawClient();
  c.send({ op: 'subscribe', topic: ptyTopic(sid) });
  await c.next((m) => m.type === 'pty_snapshot');
  const parts = ['echo pas', 'ted-$((3', '*3))\n'];
  parts.forEach((data, chunkIndex) => c.send({ op: 'pty_paste', sessionId: sid, requestId: 'paste-1', chunkIndex, chunkCount: parts.length, data }));
  assert.match(await readUntil(c, sid, 'pasted-9\r\n'), /pasted-9/);
  assert.equal((await c.next((m) => m.op === 'pty_paste_ack')).requestId, 'paste-1');
  await c.close();
});

test('the sessions topic reports new sessions and status changes', async () => {
  const c = await stack.connect();
  c.send({ op: 'subscribe', topic: 'sessions' });
  await new Promise((r) => setTimeout(r, 100));
  const other = await stack.newSession();
  const created = await c.next((m) => m.topic === 'sessions' && m.type === 'session_created');
  assert.equal(created.session.id, other);
  await stack.cli('POST', `/sessions/${other}/kill`);
  const stopped = await c.next((m) => m.topic === 'sessions' && m.session?.id === other && m.session.status === 'STOPPED');
  assert.equal(stopped.type, 'session_updated');
  await c.close();
});

test('session events arrive as {topic, data}', async () => {
  const c = await stack.connect();
  c.send({ op: 'subscribe', topic: `session:${sid}:events` });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await stack.cli('POST', `/sessions/${sid}/terminal/mode`, { mode: 'scroll' })).status, 200);
  const m = await c.next((x) => x.topic === `session:${sid}:events`);
  assert.deepEqual([m.data.type, m.data.sessionId, m.data.mode], ['terminal_mode_change', sid, 'scroll']);
  await stack.cli('POST', `/sessions/${sid}/terminal/mode`, { mode: 'interactive' });
  assert.equal((await c.next((x) => x.data?.type === 'terminal_mode_change')).data.mode, 'interactive');
  await c.close();
});

test('a message over 64 KiB closes the connection with 1009', async () => {
  const c = await stack.connect();
  c.send(JSON.stringify({ op: 'pty_input', sessionId: sid, data: 'x'.repeat(70 * 1024) }));
  const closed = await c.closedPromise();
  assert.equal(closed.code, 1009);
  assert.equal(closed.reason, 'Message too large');
});

test('logout closes that session\'s WebSockets at once, and only those', async () => {
  const token = await stack.signInAgain();
  const doomed = await stack.connect({ cookie: token });
  doomed.send({ op: 'ping', ts: 1 });
  await doomed.next((m) => m.op === 'pong');
  const survivor = await stack.connect();
  const r = await stack.api('POST', '/auth/logout', undefined, { cookie: token });
  assert.equal(r.status, 200);
  const closed = await doomed.closedPromise();
  assert.deepEqual([closed.code, closed.reason], [1008, 'Session revoked']);
  survivor.send({ op: 'ping', ts: 2 });
  assert.equal((await survivor.next((m) => m.op === 'pong')).ts, 2, 'the other sign-in keeps its connection');
  await survivor.close();
  await assert.rejects(stack.connect({ cookie: token }), (e) => e.status === 401);
});
