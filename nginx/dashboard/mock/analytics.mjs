// Mock of the /api/analytics/* routes (transcripts-and-analytics.md §5-7):
// about two months of synthetic, deterministic usage plus whatever the mock's
// own sessions, transcripts and audit rows hold, aggregated the way the daemon
// does (ranges, UTC day buckets, pricing, rounding).
//
// Control (no auth): POST /__mock/analytics {"empty":bool,"delayMs":n}
// empties every route or slows them down (for loading-state screenshots).

const DAY = 86400000;

// ---- pricing (§5) ----

const PRICES = {
  'opus-4.6': [5, 25, 6.25, 0.5], 'opus-4.5': [5, 25, 6.25, 0.5], 'opus-4.1': [15, 75, 18.75, 1.5], 'opus-4': [15, 75, 18.75, 1.5],
  'sonnet-4.5': [3, 15, 3.75, 0.3], 'sonnet-4': [3, 15, 3.75, 0.3], 'haiku-4.5': [1, 5, 1.25, 0.1], 'haiku-3.5': [0.8, 4, 1, 0.08],
  'haiku-3': [0.25, 1.25, 0.3, 0.03],
};
function priceKey(model) {
  const has = (...xs) => xs.some((x) => model.includes(x));
  if (has('opus-4-6', 'opus-4.6')) return 'opus-4.6';
  if (has('opus-4-5', 'opus-4.5')) return 'opus-4.5';
  if (has('opus-4-1', 'opus-4.1')) return 'opus-4.1';
  if (has('opus')) return 'opus-4';
  if (has('sonnet-4-5', 'sonnet-4.5')) return 'sonnet-4.5';
  if (has('sonnet')) return 'sonnet-4';
  if (has('haiku-4-5', 'haiku-4.5')) return 'haiku-4.5';
  if (has('haiku-3-5', 'haiku-3.5')) return 'haiku-3.5';
  if (has('haiku')) return 'haiku-3';
  return 'sonnet-4.5';
}
const cost = (model, p, c, cw, cr) => {
  const [i, o, w, r] = PRICES[priceKey(model)];
  return (p / 1e6) * i + (c / 1e6) * o + (cw / 1e6) * w + (cr / 1e6) * r;
};
const cents = (x) => Math.round(x * 100) / 100;

// ---- synthetic history ----

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = [['claude-sonnet-4-5-20250929', 0.58], ['claude-opus-4-6', 0.27], ['claude-haiku-4-5-20251001', 0.15]];
const TOOLS = [['Bash', 30], ['Read', 26], ['Edit', 18], ['Grep', 12], ['Glob', 8], ['Write', 6], ['TodoWrite', 5], ['MultiEdit', 3],
  ['WebFetch', 2], ['Task', 2], ['WebSearch', 1]];
const pick = (rnd, table) => {
  const total = table.reduce((n, [, w]) => n + w, 0);
  let x = rnd() * total;
  for (const [v, w] of table) { if ((x -= w) < 0) return v; }
  return table[table.length - 1][0];
};

function synthesize(now) {
  const rnd = prng(20261129);
  const out = { usage: [], messages: [], tools: [], sessions: [], decisions: [] };
  const start = now - 62 * DAY;
  for (let day = Math.floor(start / DAY) * DAY; day <= now; day += DAY) {
    const dow = new Date(day).getUTCDay();
    const weekend = dow === 0 || dow === 6;
    const quiet = rnd() < 0.1;                     // a few days without any work
    const trend = 0.55 + 0.45 * ((day - start) / (now - start)); // busier lately
    const requests = quiet ? 0 : Math.round((weekend ? 6 : 22) * trend * (0.5 + rnd()));
    // Working hours (UTC); today's rows fall in the hours before now.
    const isToday = day + DAY > now;
    const at = () => (isToday ? now - 60e3 - rnd() * Math.min(now - day, 9 * 3600e3) : day + (8 + rnd() * 12) * 3600e3);
    for (let i = 0; i < requests; i++) {
      const ts = at();
      if (ts > now) continue;
      const model = pick(rnd, MODELS);
      out.usage.push({ ts, model, p: Math.round(8 + rnd() * 420), c: Math.round(90 + rnd() * 1600),
        cw: Math.round(rnd() < 0.3 ? 2000 + rnd() * 9000 : rnd() * 900), cr: Math.round(8000 + rnd() * 52000) });
      out.messages.push({ ts, type: 'assistant' });
      if (rnd() < 0.92) out.messages.push({ ts, type: 'user' });
      if (rnd() < 0.7) out.tools.push({ ts, tool: pick(rnd, TOOLS) });
      if (rnd() < 0.12) out.tools.push({ ts, tool: pick(rnd, TOOLS) });
    }
    const sessions = quiet ? 0 : Math.round((weekend ? 0.6 : 2.4) * trend * rnd() * 1.6);
    for (let i = 0; i < sessions; i++) {
      const ts = at();
      if (ts <= now) out.sessions.push({ ts, provider: rnd() < 0.74 ? 'claude-code' : 'codex' });
    }
    const decisions = quiet ? 0 : Math.round(requests * 0.35 * rnd());
    for (let i = 0; i < decisions; i++) {
      const ts = at();
      if (ts <= now) out.decisions.push({ ts, decision: pick(rnd, [['allow', 70], ['ask', 18], ['deny', 12]]) });
    }
  }
  return out;
}

// ---- the routes ----

export function createAnalytics({ seed, state }) {
  const booted = Date.now();
  const synthetic = seed ? synthesize(booted) : { usage: [], messages: [], tools: [], sessions: [], decisions: [] };
  const control = { empty: false, delayMs: 0 };

  function range(name, now) {
    if (name === 'today') { const d = new Date(now); d.setHours(0, 0, 0, 0); return [d.getTime(), now]; }
    if (name === '30d') return [now - 30 * DAY, now];
    if (name === 'all') return [0, now];
    return [now - 7 * DAY, now];
  }

  /** Synthetic rows plus the mock's live state, all as {ts,...} rows. */
  function rows() {
    if (control.empty) return { usage: [], messages: [], tools: [], sessions: [], decisions: [], live: [] };
    const usage = [...synthetic.usage];
    const messages = [...synthetic.messages];
    const tools = [...synthetic.tools];
    const seenMsg = new Set();
    for (const e of state.events) {
      if (e.source !== 'transcript' || (e.type !== 'user' && e.type !== 'assistant')) continue;
      const ts = Date.parse(e.payload?.timestamp ?? e.timestamp);
      messages.push({ ts, type: e.type });
      const m = e.payload?.message;
      if (e.type === 'assistant' && m) {
        for (const b of Array.isArray(m.content) ? m.content : []) if (b?.type === 'tool_use' && b.name) tools.push({ ts, tool: b.name });
        // One usage row per API response (message.id), as the daemon dedups.
        if (m.usage && !(m.id && seenMsg.has(m.id))) {
          if (m.id) seenMsg.add(m.id);
          usage.push({ ts, model: m.model ?? 'unknown', p: m.usage.input_tokens ?? 0, c: m.usage.output_tokens ?? 0,
            cw: m.usage.cache_creation_input_tokens ?? 0, cr: m.usage.cache_read_input_tokens ?? 0 });
        }
      }
    }
    const sessions = [...synthetic.sessions, ...state.sessions.map((s) => ({ ts: Date.parse(s.createdAt), provider: s.provider }))];
    const decisions = [...synthetic.decisions, ...state.decisions.map((d) => ({ ts: Date.parse(d.timestamp), decision: d.decision }))];
    return { usage, messages, tools, sessions, decisions };
  }

  const day = (ts) => new Date(ts).toISOString().slice(0, 10);

  function compute(route, name) {
    const now = Date.now();
    const [from, to] = range(name, now);
    const r = rows();
    const inR = (x) => x.ts >= from && x.ts <= to;
    const usage = r.usage.filter(inR);
    switch (route) {
      case 'overview': {
        const s = usage.reduce((a, u) => ({ p: a.p + u.p, c: a.c + u.c, cw: a.cw + u.cw, cr: a.cr + u.cr }), { p: 0, c: 0, cw: 0, cr: 0 });
        const byModel = new Map();
        for (const u of usage) {
          const m = byModel.get(u.model) ?? { p: 0, c: 0, cw: 0, cr: 0 };
          m.p += u.p; m.c += u.c; m.cw += u.cw; m.cr += u.cr;
          byModel.set(u.model, m);
        }
        let total = 0;
        for (const [model, m] of byModel) total += cost(model, m.p, m.c, m.cw, m.cr);
        const denom = s.p + s.cw + s.cr;
        return {
          sessionsCount: r.sessions.filter(inR).length,
          activeSessions: control.empty ? 0 : state.sessions.filter((x) => ['RUNNING', 'STARTING', 'NEEDS_INPUT', 'NEEDS_PERMISSION'].includes(x.status)).length,
          totalTokens: s.p + s.c + s.cw + s.cr, inputTokens: s.p, outputTokens: s.c, cacheReadTokens: s.cr, cacheCreationTokens: s.cw,
          totalMessages: r.messages.filter(inR).length,
          cacheHitRate: denom ? Math.round((s.cr / denom) * 1000) / 10 : 0,
          costEstimate: cents(total),
        };
      }
      case 'activity-timeline': {
        const m = new Map();
        for (const x of r.messages.filter(inR)) {
          const d = day(x.ts);
          const cur = m.get(d) ?? { date: d, user_messages: 0, assistant_messages: 0, total: 0 };
          if (x.type === 'user') cur.user_messages++; else cur.assistant_messages++;
          cur.total++;
          m.set(d, cur);
        }
        return [...m.values()].sort((a, b) => a.date.localeCompare(b.date));
      }
      case 'tokens-by-model': {
        const m = new Map();
        for (const u of usage) {
          const cur = m.get(u.model) ?? { model: u.model, tokens: 0, prompt_tokens: 0, completion_tokens: 0, cache_read: 0, cache_creation: 0, requests: 0, costEstimate: 0 };
          cur.tokens += u.p + u.c + u.cw + u.cr; cur.prompt_tokens += u.p; cur.completion_tokens += u.c;
          cur.cache_read += u.cr; cur.cache_creation += u.cw; cur.requests++;
          m.set(u.model, cur);
        }
        for (const v of m.values()) v.costEstimate = cents(cost(v.model, v.prompt_tokens, v.completion_tokens, v.cache_creation, v.cache_read));
        return [...m.values()].sort((a, b) => b.tokens - a.tokens);
      }
      case 'token-usage': {
        const m = new Map();
        for (const u of usage) {
          const d = day(u.ts);
          const cur = m.get(d) ?? { date: d, prompt: 0, completion: 0, cacheCreation: 0, cacheRead: 0 };
          cur.prompt += u.p; cur.completion += u.c; cur.cacheCreation += u.cw; cur.cacheRead += u.cr;
          m.set(d, cur);
        }
        return [...m.values()].sort((a, b) => a.date.localeCompare(b.date));
      }
      case 'sessions-by-provider': {
        const m = new Map();
        for (const s of r.sessions.filter(inR)) m.set(s.provider, (m.get(s.provider) ?? 0) + 1);
        return [...m.entries()].map(([provider, count]) => ({ provider, count })).sort((a, b) => b.count - a.count);
      }
      case 'tool-usage': {
        const m = new Map();
        for (const t of r.tools.filter(inR)) m.set(t.tool, (m.get(t.tool) ?? 0) + 1);
        return [...m.entries()].map(([tool, count]) => ({ tool, count })).sort((a, b) => b.count - a.count).slice(0, 15);
      }
      case 'policy-decisions': {
        const m = new Map();
        for (const x of r.decisions.filter(inR)) {
          const k = day(x.ts) + '|' + x.decision;
          m.set(k, (m.get(k) ?? 0) + 1);
        }
        return [...m.entries()].map(([k, count]) => { const [date, decision] = k.split('|'); return { date, decision, count }; })
          .sort((a, b) => a.date.localeCompare(b.date) || a.decision.localeCompare(b.decision));
      }
      default: return null;
    }
  }

  return {
    control,
    /** The body for GET /api/analytics/<route>, or undefined when not ours. */
    async handle(path, url) {
      const m = /^\/analytics\/([a-z-]+)$/.exec(path);
      if (!m) return undefined;
      const body = compute(m[1], url.searchParams.get('range') ?? '7d');
      if (body === null) return undefined;
      if (control.delayMs > 0) await new Promise((r) => setTimeout(r, control.delayMs));
      return body;
    },
  };
}
