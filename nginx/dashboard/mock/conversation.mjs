// Mock of GET /api/sessions/:id/conversation (agentd/conversation.c): the
// transcript's user and assistant lines, newest page first, `before=` older
// pages, `after=` what came since; tool calls carry their result. Also seeds a
// realistic Claude Code transcript (thinking, tool calls and results, an error,
// several models, one API response split over several lines).

import crypto from 'node:crypto';

const LIMIT_DEFAULT = 50;
const LIMIT_MAX = 200;
const TEXT_MAX = 16 * 1024;

function cut(text) {
  const s = String(text ?? '');
  return Buffer.byteLength(s) > TEXT_MAX ? { text: Buffer.from(s).subarray(0, TEXT_MAX).toString('utf8').replace(/\uFFFD+$/, ''), truncated: true } : { text: s };
}

function resultText(content) {
  if (typeof content === 'string') return cut(content);
  if (Array.isArray(content)) return cut(content.map((b) => (typeof b?.text === 'string' ? b.text : '')).join(''));
  return cut('');
}

function renderResult(block) {
  const r = resultText(block.content);
  const o = { type: 'tool_result', toolUseId: block.tool_use_id ?? null, content: r.text, isError: block.is_error === true };
  if (r.truncated) o.truncated = true;
  return o;
}

function findResult(events, sessionId, toolUseId) {
  for (const e of events) {
    if (e.sessionId !== sessionId || e.source !== 'transcript' || e.type !== 'user') continue;
    const content = e.payload?.message?.content;
    if (!Array.isArray(content)) continue;
    for (const b of content) {
      if (b?.type === 'tool_result' && b.tool_use_id === toolUseId) {
        const r = renderResult(b);
        const out = { content: r.content, isError: r.isError, eventId: e.id };
        if (r.truncated) out.truncated = true;
        return out;
      }
    }
  }
  return null;
}

function renderBlock(events, sessionId, b) {
  if (!b || typeof b.type !== 'string') return null;
  if (b.type === 'text' || b.type === 'thinking') {
    if (typeof b[b.type] !== 'string') return null;
    const r = cut(b[b.type]);
    return { type: b.type, [b.type]: r.text, ...(r.truncated ? { truncated: true } : {}) };
  }
  if (b.type === 'tool_use') {
    const o = { type: 'tool_use', id: b.id ?? null, name: b.name ?? null, input: b.input ?? null };
    const res = b.id ? findResult(events, sessionId, b.id) : null;
    if (res) o.result = res;
    return o;
  }
  if (b.type === 'tool_result') return renderResult(b);
  return { type: b.type };
}

function renderMessage(events, sessionId, e) {
  const p = e.payload ?? {};
  const m = p.message ?? {};
  const o = { id: e.id, role: e.type, timestamp: typeof p.timestamp === 'string' ? p.timestamp : e.timestamp };
  if (typeof p.uuid === 'string') o.uuid = p.uuid;
  if (p.isMeta === true) o.isMeta = true;
  if (e.type === 'assistant') {
    if (typeof m.id === 'string') o.messageId = m.id;
    if (typeof m.model === 'string') o.model = m.model;
    if (typeof m.stop_reason === 'string') o.stopReason = m.stop_reason;
    if (m.usage && typeof m.usage === 'object') o.usage = m.usage;
  }
  const blocks = [];
  let onlyResults = true;
  if (typeof m.content === 'string') {
    const r = cut(m.content);
    blocks.push({ type: 'text', text: r.text, ...(r.truncated ? { truncated: true } : {}) });
    onlyResults = false;
  } else if (Array.isArray(m.content)) {
    for (const b of m.content) {
      const rb = renderBlock(events, sessionId, b);
      if (!rb) continue;
      if (rb.type !== 'tool_result') onlyResults = false;
      blocks.push(rb);
    }
  }
  if (e.type === 'user' && onlyResults && blocks.length) o.toolResult = true;
  o.content = blocks;
  return o;
}

/** {status, body} for GET /sessions/:id/conversation. */
export function conversationRoute(state, sessionId, params) {
  if (!state.sessions.some((s) => s.id === sessionId)) return { status: 404, body: { error: `Session not found: ${sessionId}` } };
  const num = (k) => {
    const v = params.get(k);
    if (v === null) return { ok: true, v: undefined };
    return /^\d+$/.test(v) ? { ok: true, v: Number(v) } : { ok: false };
  };
  const before = num('before'), after = num('after'), limit = num('limit');
  if (!before.ok || !after.ok) return { status: 400, body: { error: 'before and after must be message ids (non-negative integers)' } };
  if (before.v !== undefined && after.v !== undefined) return { status: 400, body: { error: 'Give before or after, not both' } };
  if (!limit.ok || (limit.v !== undefined && (limit.v < 1 || limit.v > LIMIT_MAX))) return { status: 400, body: { error: `limit must be an integer from 1 to ${LIMIT_MAX}` } };
  const n = limit.v ?? LIMIT_DEFAULT;
  let list = state.events.filter((e) => e.sessionId === sessionId && e.source === 'transcript' && (e.type === 'user' || e.type === 'assistant'));
  let hasMore;
  if (after.v !== undefined) {
    list = list.filter((e) => e.id > after.v).sort((a, b) => a.id - b.id);
    hasMore = list.length > n;
    list = list.slice(0, n);
  } else {
    list = list.filter((e) => before.v === undefined || e.id < before.v).sort((a, b) => b.id - a.id);
    hasMore = list.length > n;
    list = list.slice(0, n).reverse();
  }
  const messages = list.map((e) => renderMessage(state.events, sessionId, e));
  return {
    status: 200,
    body: { sessionId, messages, hasMore, oldestId: messages[0]?.id ?? null, newestId: messages[messages.length - 1]?.id ?? null },
  };
}

// ---------------------------------------------------------------- seed

const INTRO = `# CodePiper

CodePiper runs coding agents (Claude Code, Codex) in tmux sessions on your
machine and lets you watch and steer them from a browser or the CLI.

- Sessions survive a closed laptop lid
- Policies decide which tool calls run without asking
`;

const PROMPTS = [
  'Rewrite the introduction of docs/intro.md so that a new user understands what CodePiper does from the first paragraph.',
  'Add a quickstart section with the three commands it takes to get going.',
  'The docs build fails on the link checker. Can you fix the broken links?',
  'Make the tone a little less formal, it reads like a spec right now.',
  'Please also:\n- fix the heading levels (only one h1)\n- add alt text to the screenshots\n- keep lines under 100 characters',
  'Add a short FAQ at the end: sign-in and MFA, tmux, and what the cost estimate means.',
  'Check that the README uses the same install command as the quickstart.',
  'Run the docs build again and show me any warnings that are left.',
  'Shorten the FAQ answers to two sentences each.',
  'Does the intro still mention the old `agent-daemon` name anywhere?',
  'Add a screenshot of the analytics page under "What you get".',
  'The FAQ link in the sidebar 404s, look into it.',
  'Run the link checker one last time.',
  'Good. Summarize what changed, but do not commit anything yet.',
];

const uid = () => crypto.randomUUID();
const toolId = () => 'toolu_' + crypto.randomBytes(12).toString('base64url').slice(0, 24);
const msgId = () => 'msg_' + crypto.randomBytes(12).toString('base64url').slice(0, 24);

/** The turns of one exchange: [{role, content, model?, split?}] */
function exchange(k, rnd) {
  const model = k % 4 === 3 ? 'claude-opus-4-6' : k % 5 === 4 ? 'claude-haiku-4-5-20251001' : 'claude-sonnet-4-5-20250929';
  const turns = [{ role: 'user', content: PROMPTS[k % PROMPTS.length] }];
  const tool = (name, input, result, isError = false) => {
    const id = toolId();
    return [{ role: 'assistant', model, split: true, content: [
      ...(rnd() < 0.5 ? [{ type: 'thinking', thinking: `The user wants: ${PROMPTS[k % PROMPTS.length].split('\n')[0]} I should check ${input.file_path ?? input.pattern ?? input.command ?? 'the files'} first.` }] : []),
      { type: 'text', text: name === 'Read' ? "I'll start by reading the current file." : name === 'Bash' ? 'Let me run that.' : name === 'Grep' ? 'Searching the docs for references first.' : name === 'TodoWrite' ? 'Updating the plan.' : name === 'Write' ? 'Creating the page.' : 'Making the change now.' },
      { type: 'tool_use', id, name, input },
    ] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: result, ...(isError ? { is_error: true } : {}) }] }];
  };
  const steps = [
    () => tool('Read', { file_path: 'docs/intro.md' }, INTRO.split('\n').map((l, i) => `${String(i + 1).padStart(5)}→${l}`).join('\n')),
    () => tool('Grep', { pattern: 'quickstart|agent-daemon', path: 'docs', output_mode: 'content' }, 'docs/intro.md:14:See the [quickstart](./quick-start.md).\ndocs/cli.md:3:The agent-daemon binary was renamed.'),
    () => tool('Edit', { file_path: 'docs/intro.md', old_string: 'runs coding agents', new_string: 'runs your coding agents' }, 'The file docs/intro.md has been updated. Here\'s the result of running `cat -n` on a snippet of the edited file:\n     3→CodePiper runs your coding agents (Claude Code, Codex) in tmux sessions'),
    () => tool('Bash', { command: 'npm run docs:build', description: 'Build the docs site' }, '> docs:build\n> vitepress build docs\n\n  vitepress v1.6.3\n\n✓ building client + server bundles...\n✓ rendering pages...\nbuild complete in 4.21s.'),
    () => tool('Bash', { command: 'npm run docs:check-links', description: 'Check links' }, 'docs/intro.md\n  ✖ ./quick-start.md → file not found\n  ✖ https://example.invalid/tmux → ENOTFOUND\n\n2 broken links found.\nnpm ERR! code 1', true),
    () => tool('Write', { file_path: 'docs/faq.md', content: '## FAQ\n\n### Do I need MFA?\nYes. Sign-in takes a password and a code from your authenticator.\n' }, 'File created successfully at: docs/faq.md'),
    () => tool('TodoWrite', { todos: [{ content: 'Rewrite intro', status: 'completed' }, { content: 'Quickstart', status: 'in_progress' }, { content: 'FAQ', status: 'pending' }] }, 'Todos have been modified successfully.'),
  ];
  const order = [[0, 2], [6, 2, 3], [4, 1, 2, 3], [0, 2], [2, 2, 3], [5, 3], [1, 2], [3], [2], [1], [2, 3], [1, 4, 2], [3, 4], [6]][k % PROMPTS.length];
  for (const s of order) turns.push(...steps[s]());
  const finals = [
    "Done. The first paragraph now says what CodePiper is, who it is for and what you get:\n\n```md\nCodePiper runs your coding agents (Claude Code, Codex) in tmux sessions\non your machine and lets you watch and steer them from a browser.\n```\n\nThe rest of the page is unchanged.",
    'Added a **Quickstart** section right after the intro:\n\n1. `codepiper daemon start`\n2. `codepiper auth setup` (password + MFA)\n3. `codepiper new --provider claude-code .`\n\nEach step links to the longer page.',
    'Fixed both links: `./quick-start.md` now points to `./quickstart.md`, and the tmux link goes to the tmux wiki. `docs:check-links` passes.',
    'Softened the tone: shorter sentences, "you" instead of "the user", and no passive voice in the intro.',
    'Heading levels fixed (one `#`, sections use `##`), alt text added to all 4 screenshots, and every line is under 100 characters.',
    'Added `docs/faq.md` with three questions and linked it from the intro.',
    'The README used `npm i -g codepiper`; I changed it to match the quickstart (`make install`).',
    'The build is clean apart from one warning:\n\n```\n(!) Found dead link ./screens/old-login.png in docs/intro.md\n```\n\nThat image is unused, so I can delete the reference if you like.',
    'Each FAQ answer is now at most two sentences.',
    'No — `agent-daemon` only appears in `docs/cli.md`, in the rename note, which is intentional.',
    'Added `![Analytics: tokens over time and by model](./screens/analytics.png)` under **What you get**, with a one-line caption.',
    'The sidebar pointed at `/faq.html`; the page is generated as `/faq`. Fixed in `docs/.vitepress/config.ts`.',
    'One link still fails, but it is an external site that is down right now (`https://example.invalid/tmux`). Everything else passes.',
    "Summary of changes (nothing committed):\n\n- `docs/intro.md`: new first paragraph, quickstart, heading levels, alt text\n- `docs/faq.md`: new FAQ page\n- `README.md`: install command matches the quickstart\n\nWant me to open a branch and commit these?",
  ];
  turns.push({ role: 'assistant', model, content: [{ type: 'text', text: finals[k % finals.length] }] });
  return turns;
}

/**
 * Adds a transcript to a session through addEvent(sessionId, source, type,
 * payload, timestamp), spread evenly between fromMs and toMs.
 */
export function seedTranscript(addEvent, sessionId, { fromMs, toMs, exchanges, cwd }) {
  let seed = 7;
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const turns = [];
  for (let k = 0; k < exchanges; k++) turns.push(...exchange(k, rnd));
  // Lines: a split assistant turn becomes one line per content block.
  const lines = [];
  for (const t of turns) {
    if (t.role === 'user') { lines.push({ type: 'user', message: { role: 'user', content: t.content } }); continue; }
    const id = msgId();
    const usage = { input_tokens: Math.round(4 + rnd() * 40), cache_creation_input_tokens: Math.round(rnd() < 0.3 ? 1500 + rnd() * 6000 : rnd() * 600),
      cache_read_input_tokens: Math.round(12000 + rnd() * 30000), output_tokens: Math.round(40 + rnd() * 700), service_tier: 'standard' };
    const blocks = t.split ? t.content.map((b) => [b]) : [t.content];
    blocks.forEach((content, i) => lines.push({ type: 'assistant', message: {
      id, type: 'message', role: 'assistant', model: t.model, content,
      stop_reason: i === blocks.length - 1 ? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn') : null, usage } }));
  }
  const step = (toMs - fromMs) / Math.max(1, lines.length - 1);
  let parent = null;
  lines.forEach((l, i) => {
    const ts = new Date(Math.round(fromMs + step * i)).toISOString();
    const uuid = uid();
    addEvent(sessionId, 'transcript', l.type, { ...l, uuid, parentUuid: parent, timestamp: ts, sessionId: 'c1a7' + sessionId.slice(4), cwd, version: '2.0.14' }, ts);
    parent = uuid;
  });
}
