#!/usr/bin/env node
// Fake Anthropic Messages API for offline end-to-end tests (see README.md).
//
//   node server.mjs [--port N] [--host H] [--log FILE] [--log-bodies]
//
// Prints "LISTENING <port>" on stdout once the socket is bound (--port 0, the
// default, picks a free port). Everything it answers is decided from the
// request alone, so two runs of the same scenario give the same answers;
// only message ids (msg_fake_<n>) and tool ids (toolu_fake_<n>) count up.
//
// Scripted behaviour, decided from the whole message list:
//   - a title/topic request (Claude Code's small side request)  -> short text
//   - last real user turn is a tool_result  -> "Tool finished: <first 60 chars>"
//   - last real user text contains "RUN_BASH: <command>" -> tool_use Bash
//   - anything else                          -> "Echo: <prompt>"
// Usage: input_tokens = 10 + messages.length, output_tokens = 5 +
// floor(length of the answer text (or tool input JSON) / 10),
// cache_creation_input_tokens = 20, cache_read_input_tokens = 30.

import http from 'node:http';
import fs from 'node:fs';

const opts = { port: 0, host: '127.0.0.1', log: null, logBodies: false };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i];
    const val = () => {
      if (i + 1 >= a.length) usage(`${k} needs a value`);
      return a[++i];
    };
    if (k === '--port') opts.port = Number(val());
    else if (k.startsWith('--port=')) opts.port = Number(k.slice(7));
    else if (k === '--host') opts.host = val();
    else if (k === '--log') opts.log = val();
    else if (k.startsWith('--log=')) opts.log = k.slice(6);
    else if (k === '--log-bodies') opts.logBodies = true;
    else if (k === '-h' || k === '--help') usage(null);
    else usage(`unknown argument ${k}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    usage('bad --port');
}

function usage(err) {
  if (err) process.stderr.write(`server.mjs: ${err}\n`);
  process.stderr.write('usage: node server.mjs [--port N] [--host H] [--log FILE] [--log-bodies]\n');
  process.exit(err ? 2 : 0);
}

const CACHE_CREATION = 20;
const CACHE_READ = 30;
let msgCounter = 0;
let toolCounter = 0;
let reqCounter = 0;

function logLine(obj) {
  if (!opts.log) return;
  try {
    fs.appendFileSync(opts.log, JSON.stringify(obj) + '\n');
  } catch (e) {
    process.stderr.write(`server.mjs: cannot write log: ${e.message}\n`);
  }
}

// ---- message list analysis -------------------------------------------------

function blocksOf(msg) {
  if (!msg) return [];
  if (typeof msg.content === 'string') return [{ type: 'text', text: msg.content }];
  return Array.isArray(msg.content) ? msg.content : [];
}

function systemText(body) {
  const s = body.system;
  if (typeof s === 'string') return s;
  if (Array.isArray(s)) return s.map((b) => (b && typeof b.text === 'string' ? b.text : '')).join('\n');
  return '';
}

// Text that Claude Code adds around the user's own words.
function isWrapperText(t) {
  const s = t.trim();
  return s === '' || /^<(system-reminder|command-name|command-message|command-args|local-command-stdout|local-command-caveat)>/.test(s);
}

function stripReminders(t) {
  return t.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
}

function toolResultText(block) {
  const c = block.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((b) => (b && b.type === 'text' ? b.text : '')).join('');
  return '';
}

// The newest user turn that carries either a tool_result or the user's text.
// Within one message the last such block wins: Claude Code appends a new
// prompt to the message holding the tool_result of an interrupted/refused
// tool call ([tool_result, "[Request interrupted ...]", "<new prompt>"]).
function lastUserTurn(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!m || m.role !== 'user') continue;
    let turn = null;
    for (const b of blocksOf(m)) {
      if (!b) continue;
      if (b.type === 'tool_result') {
        turn = { kind: 'tool_result', result: toolResultText(b), isError: !!b.is_error };
      } else if (b.type === 'text' && typeof b.text === 'string' && !isWrapperText(b.text)) {
        const t = stripReminders(b.text);
        if (t !== '' && !/^\[Request interrupted by user[^\]]*\]$/.test(t)) turn = { kind: 'text', text: t };
      }
    }
    if (turn) return turn;
  }
  return { kind: 'none', text: '' };
}

// Claude Code's side requests (session title, topic detection) carry no
// tools and ask for a title in the system prompt or the last user message.
// The main request always carries tools (and its system prompt may mention
// titles elsewhere), so it is never taken for one.
function isTitleRequest(body, turn) {
  if (Array.isArray(body.tools) && body.tools.length > 0) return false;
  const sys = systemText(body);
  if (/isNewTopic/.test(sys) || /\btitle\b/i.test(sys)) return true;
  return turn.kind === 'text' && /\btitle\b/i.test(turn.text);
}

function decide(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const turn = lastUserTurn(messages);
  if (isTitleRequest(body, turn)) {
    const sys = systemText(body);
    // Claude Code parses some side requests as JSON; give it what it asks for.
    if (/isNewTopic/.test(sys)) return { kind: 'title', text: '{"isNewTopic": true, "title": "Fake session"}' };
    if (/json/i.test(sys) || (body.output_format && body.output_format.type === 'json_schema'))
      return { kind: 'title', text: '{"title": "Fake session"}' };
    return { kind: 'title', text: 'Fake session' };
  }
  if (turn.kind === 'tool_result') {
    const r = turn.result.slice(0, 60);
    return { kind: 'tool_done', text: `Tool finished: ${r}` };
  }
  const prompt = turn.kind === 'text' ? turn.text : '';
  const m = /RUN_BASH:[ \t]*([^\n]*)/.exec(prompt);
  if (m && m[1].trim() !== '') {
    const command = m[1].trim();
    return {
      kind: 'tool_use',
      tool: { id: `toolu_fake_${++toolCounter}`, name: 'Bash', input: { command, description: `Run ${command.slice(0, 60)}` } },
    };
  }
  return { kind: 'echo', text: `Echo: ${prompt}` };
}

function usageFor(body, d) {
  const n = Array.isArray(body.messages) ? body.messages.length : 0;
  const len = d.kind === 'tool_use' ? JSON.stringify(d.tool.input).length : d.text.length;
  return {
    input_tokens: 10 + n,
    output_tokens: 5 + Math.floor(len / 10),
    cache_creation_input_tokens: CACHE_CREATION,
    cache_read_input_tokens: CACHE_READ,
  };
}

// ---- responses -------------------------------------------------------------

function contentOf(d) {
  if (d.kind === 'tool_use') return [{ type: 'tool_use', id: d.tool.id, name: d.tool.name, input: d.tool.input }];
  return [{ type: 'text', text: d.text }];
}

function sendJSON(res, code, obj, extra = {}) {
  const s = JSON.stringify(obj);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s), ...extra });
  res.end(s);
}

function chunks(s, n) {
  const out = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out.length ? out : [''];
}

function streamMessage(res, id, model, d, usage, reqId) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': reqId,
  });
  const ev = (name, data) => res.write(`event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`);
  ev('message_start', {
    message: {
      id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens, output_tokens: 1 },
    },
  });
  ev('ping', {});
  if (d.kind === 'tool_use') {
    ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: d.tool.id, name: d.tool.name, input: {} } });
    for (const c of chunks(JSON.stringify(d.tool.input), 24))
      ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: c } });
    ev('content_block_stop', { index: 0 });
  } else {
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    for (const c of chunks(d.text, 16)) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: c } });
    ev('content_block_stop', { index: 0 });
  }
  ev('message_delta', {
    delta: { stop_reason: d.kind === 'tool_use' ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens, cache_read_input_tokens: usage.cache_read_input_tokens },
  });
  ev('message_stop', {});
  res.end();
}

function handleMessages(req, res, body, url) {
  const n = ++reqCounter;
  const d = decide(body);
  const id = `msg_fake_${++msgCounter}`;
  const reqId = `req_fake_${n}`;
  const model = typeof body.model === 'string' && body.model ? body.model : 'claude-fake-1';
  const usage = usageFor(body, d);
  const entry = {
    n, time: new Date().toISOString(), method: req.method, path: url.pathname, query: url.search || undefined,
    model, stream: !!body.stream, messages: Array.isArray(body.messages) ? body.messages.length : 0,
    kind: d.kind, id, usage,
  };
  if (d.kind === 'tool_use') entry.tool = d.tool;
  else entry.text = d.text;
  if (opts.logBodies) entry.body = body;
  logLine(entry);
  if (body.stream) return streamMessage(res, id, model, d, usage, reqId);
  sendJSON(res, 200, {
    id, type: 'message', role: 'assistant', model, content: contentOf(d),
    stop_reason: d.kind === 'tool_use' ? 'tool_use' : 'end_turn', stop_sequence: null, usage,
  }, { 'request-id': reqId });
}

function countTokens(body) {
  const s = JSON.stringify(body.messages || []) + systemText(body);
  return 10 + Math.ceil(s.length / 4);
}

const server = http.createServer((req, res) => {
  const bufs = [];
  req.on('data', (c) => bufs.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    const raw = Buffer.concat(bufs).toString('utf8');
    let body = {};
    if (raw) {
      try { body = JSON.parse(raw); } catch { body = null; }
    }
    try {
      if (req.method === 'POST' && url.pathname === '/v1/messages') {
        if (!body || typeof body !== 'object')
          return sendJSON(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'invalid JSON body' } });
        return handleMessages(req, res, body, url);
      }
      if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
        const n = countTokens(body || {});
        logLine({ n: ++reqCounter, time: new Date().toISOString(), method: req.method, path: url.pathname, kind: 'count_tokens', input_tokens: n });
        return sendJSON(res, 200, { input_tokens: n });
      }
      logLine({ n: ++reqCounter, time: new Date().toISOString(), method: req.method, path: url.pathname, query: url.search || undefined, kind: 'other' });
      sendJSON(res, 200, {});
    } catch (e) {
      process.stderr.write(`server.mjs: ${e.stack || e}\n`);
      if (!res.headersSent) sendJSON(res, 500, { type: 'error', error: { type: 'api_error', message: String(e) } });
      else res.end();
    }
  });
});
server.keepAliveTimeout = 60000;
server.on('error', (e) => {
  process.stderr.write(`server.mjs: ${e.message}\n`);
  process.exit(1);
});
server.listen(opts.port, opts.host, () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => process.exit(0));
