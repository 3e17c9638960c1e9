// The Conversation tab's data model: raw transcript messages (as
// GET /sessions/:id/conversation returns them, agentd/conversation.c) turned
// into what is shown. One API response that Claude Code wrote as several lines
// (same message.id) becomes one message; tool-result lines are folded into
// the tool call they answer; meta lines are hidden.

import type { ConversationBlock, ConversationMessage, ConversationPage, ConversationUsage, ToolResultData } from '../types';

export interface ToolCall { id?: string; name: string; input: unknown; result?: ToolResultData }
export type ShownBlock =
  | { kind: 'text'; text: string; truncated?: boolean }
  | { kind: 'thinking'; text: string }
  | { kind: 'tool'; call: ToolCall }
  | { kind: 'other'; type: string };

export interface Item {
  key: string;
  ids: number[];
  role: 'user' | 'assistant';
  timestamp: string;
  model?: string;
  usage?: ConversationUsage;
  blocks: ShownBlock[];
  /** Same speaker as the item before, a few minutes later: no header. */
  continued: boolean;
  /** Lower-cased text for search. */
  haystack: string;
}

/**
 * Accepts the daemon's page shape, and the older draft shape
 * ({cursor, text, tokens, toolCalls}) in case a server still sends that.
 */
export function normalizePage(raw: any): ConversationPage {
  const list: any[] = Array.isArray(raw?.messages) ? raw.messages : [];
  const messages: ConversationMessage[] = list.map((m) => {
    if (Array.isArray(m.content)) return m as ConversationMessage;
    const content: ConversationBlock[] = [];
    if (typeof m.text === 'string' && m.text) content.push({ type: 'text', text: m.text });
    for (const t of Array.isArray(m.toolCalls) ? m.toolCalls : []) {
      content.push({ type: 'tool_use', id: t.id, name: t.name, input: t.input,
        result: t.result ? { content: t.result.text ?? t.result.content, isError: !!t.result.isError } : undefined });
    }
    const tk = m.tokens;
    return {
      id: typeof m.id === 'number' ? m.id : Number(m.cursor ?? m.id),
      role: (m.role === 'assistant' ? 'assistant' : 'user') as ConversationMessage['role'],
      timestamp: m.timestamp,
      model: m.model,
      usage: tk ? { input_tokens: tk.input, output_tokens: tk.output, cache_read_input_tokens: tk.cacheRead, cache_creation_input_tokens: tk.cacheCreation } : undefined,
      content,
    };
  }).filter((m) => Number.isFinite(m.id));
  const ids = messages.map((m) => m.id);
  return {
    messages,
    hasMore: !!raw?.hasMore,
    oldestId: raw?.oldestId ?? (ids.length ? Math.min(...ids) : null),
    newestId: raw?.newestId ?? (ids.length ? Math.max(...ids) : null),
  };
}

/** Merges a page into the list: by id, sorted, no duplicates. */
export function mergeMessages(cur: ConversationMessage[], add: ConversationMessage[]): ConversationMessage[] {
  if (!add.length) return cur;
  const byId = new Map(cur.map((m) => [m.id, m]));
  for (const m of add) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function searchText(b: ShownBlock): string {
  if (b.kind === 'text' || b.kind === 'thinking') return b.text;
  if (b.kind === 'tool') {
    let input = '';
    try { input = typeof b.call.input === 'string' ? b.call.input : JSON.stringify(b.call.input); } catch { /* ignore */ }
    return `${b.call.name} ${input} ${str(b.call.result?.content ?? b.call.result?.text)}`;
  }
  return '';
}

export function buildItems(messages: ConversationMessage[]): Item[] {
  // Results of tool calls, from tool-result lines (for calls whose result
  // arrived after the call was loaded).
  const results = new Map<string, ToolResultData>();
  for (const m of messages) {
    if (m.role !== 'user') continue;
    for (const b of m.content) {
      if (b.type === 'tool_result') {
        const r = b as { toolUseId?: string; content?: string; isError?: boolean; truncated?: boolean };
        if (r.toolUseId) results.set(r.toolUseId, { content: r.content, isError: r.isError, truncated: r.truncated });
      }
    }
  }
  const items: Item[] = [];
  for (const m of messages) {
    if (m.isMeta || m.toolResult) continue;
    const blocks: ShownBlock[] = [];
    for (const b of m.content) {
      if (b.type === 'text') {
        const t = str((b as { text?: string }).text);
        if (t.trim()) blocks.push({ kind: 'text', text: t, truncated: !!(b as { truncated?: boolean }).truncated });
      } else if (b.type === 'thinking') {
        const t = str((b as { thinking?: string }).thinking);
        if (t.trim()) blocks.push({ kind: 'thinking', text: t });
      } else if (b.type === 'tool_use') {
        const u = b as { id?: string; name?: string; input?: unknown; result?: ToolResultData };
        blocks.push({ kind: 'tool', call: { id: u.id, name: u.name || 'tool', input: u.input, result: u.result ?? (u.id ? results.get(u.id) : undefined) } });
      } else if (b.type !== 'tool_result' && b.type !== 'redacted_thinking') {
        blocks.push({ kind: 'other', type: b.type });
      }
    }
    if (!blocks.length) continue;
    const prev = items[items.length - 1];
    if (prev && m.role === 'assistant' && prev.role === 'assistant' && m.messageId && prev.key.endsWith('|' + m.messageId)) {
      prev.ids.push(m.id);
      prev.blocks.push(...blocks);
      prev.usage = m.usage ?? prev.usage;
      prev.model = m.model ?? prev.model;
      prev.haystack += '\n' + blocks.map(searchText).join('\n').toLowerCase();
      continue;
    }
    const continued = !!prev && prev.role === m.role && m.role === 'assistant'
      && Date.parse(m.timestamp) - Date.parse(prev.timestamp) < 10 * 60e3
      && new Date(m.timestamp).toDateString() === new Date(prev.timestamp).toDateString();
    items.push({
      key: `${m.id}|${m.messageId ?? ''}`,
      ids: [m.id],
      role: m.role,
      timestamp: m.timestamp,
      model: m.model,
      usage: m.usage,
      blocks,
      continued,
      haystack: blocks.map(searchText).join('\n').toLowerCase(),
    });
  }
  return items;
}

/** Claude Code's slash-command and local-output lines, made readable. */
export function specialUserText(text: string): { command?: string; output?: string } | null {
  const cmd = /<command-name>([\s\S]*?)<\/command-name>/.exec(text);
  if (cmd) {
    const args = /<command-args>([\s\S]*?)<\/command-args>/.exec(text)?.[1]?.trim();
    return { command: cmd[1].trim() + (args ? ' ' + args : '') };
  }
  const out = /<local-command-stdout>([\s\S]*?)<\/local-command-stdout>/.exec(text);
  if (out) return { output: out[1].replace(/\x1b\[[0-9;]*m/g, '').trim() };
  return null;
}

// ---- a small Markdown subset: fences, lists, headings, inline code, bold ----

export type MdBlock =
  | { t: 'p'; text: string }
  | { t: 'h'; text: string }
  | { t: 'ul' | 'ol'; items: string[] }
  | { t: 'code'; lang: string; text: string };

export function parseMarkdown(src: string): MdBlock[] {
  const out: MdBlock[] = [];
  const lines = src.replace(/\r\n/g, '\n').split('\n');
  let para: string[] = [];
  const flush = () => { if (para.length) { out.push({ t: 'p', text: para.join('\n') }); para = []; } };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^\s*```\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      out.push({ t: 'code', lang: fence[1], text: body.join('\n') });
      continue;
    }
    const li = /^\s*(?:[-*•]|(\d+)[.)])\s+(.*)$/.exec(line);
    if (li) {
      flush();
      const kind = li[1] ? 'ol' : 'ul';
      const last = out[out.length - 1];
      if (last && last.t === kind) last.items.push(li[2]);
      else out.push({ t: kind, items: [li[2]] });
      continue;
    }
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) { flush(); out.push({ t: 'h', text: h[1] }); continue; }
    if (!line.trim()) { flush(); continue; }
    const last = out[out.length - 1];
    if (!para.length && last && (last.t === 'ul' || last.t === 'ol') && /^\s{2,}\S/.test(line)) {
      last.items[last.items.length - 1] += ' ' + line.trim();
      continue;
    }
    para.push(line);
  }
  flush();
  return out;
}

/** Inline spans: `code` and **bold**, the rest plain. */
export function inlineSpans(text: string): { t: 'text' | 'code' | 'bold'; s: string }[] {
  const out: { t: 'text' | 'code' | 'bold'; s: string }[] = [];
  const re = /`([^`\n]+)`|\*\*([^*\n]+)\*\*/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push({ t: 'text', s: text.slice(last, m.index) });
    out.push(m[1] !== undefined ? { t: 'code', s: m[1] } : { t: 'bold', s: m[2] });
    last = re.lastIndex;
  }
  if (last < text.length) out.push({ t: 'text', s: text.slice(last) });
  return out;
}

export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** One line saying what a tool call does: the command, the file, the pattern. */
export function toolSummary(name: string, input: unknown): string {
  if (!input || typeof input !== 'object') return typeof input === 'string' ? input : '';
  const o = input as Record<string, unknown>;
  if (name === 'TodoWrite' && Array.isArray(o.todos)) return `${o.todos.length} item${o.todos.length === 1 ? '' : 's'}`;
  for (const k of ['command', 'file_path', 'pattern', 'path', 'url', 'query', 'description', 'prompt']) {
    if (typeof o[k] === 'string' && o[k]) return (o[k] as string).split('\n')[0];
  }
  return '';
}
