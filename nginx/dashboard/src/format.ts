import type { Session, Provider } from './types';

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function basename(path: string): string {
  const parts = path.replace(/\/+$/, '').split('/');
  return parts[parts.length - 1] || path;
}

/** Stored custom name, else the folder's name, else the short id. */
export function sessionName(s: Session): string {
  const custom = s.metadata?.ui?.customName?.trim();
  if (custom) return custom;
  const base = s.cwd ? basename(s.cwd) : '';
  if (base && base !== '.' && base !== '/') return base;
  return `session ${shortId(s.id)}`;
}

export function sessionBranch(s: Session): string | undefined {
  return s.metadata?.worktree?.branch ?? (s.metadata?.gitBranch as string | undefined);
}

const PROVIDER_LABELS: Record<string, string> = { 'claude-code': 'Claude Code', codex: 'Codex' };

export function providerLabel(id: string, providers?: Provider[]): string {
  return providers?.find((p) => p.id === id)?.label ?? PROVIDER_LABELS[id] ?? id;
}

export function statusLabel(status: string): string {
  switch (status) {
    case 'NEEDS_PERMISSION': return 'Needs permission';
    case 'NEEDS_INPUT': return 'Needs input';
    default: return status.charAt(0) + status.slice(1).toLowerCase();
  }
}

export function relativeTime(iso: string | number | undefined, now = Date.now()): string {
  if (iso === undefined || iso === null || iso === '') return '—';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h}h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d}d ago`;
  return new Date(t).toLocaleDateString();
}

export function absoluteTime(iso: string | number | undefined): string {
  if (iso === undefined || iso === null || iso === '') return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

export function isToday(iso: string): boolean {
  const d = new Date(iso);
  const n = new Date();
  return d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
}

/** What a tool call asks for, in one line: the command, the file, or the JSON. */
export function describeToolInput(input: unknown, command?: string): string {
  if (command) return command;
  if (input === null || input === undefined) return '';
  if (typeof input === 'string') return input;
  if (typeof input === 'object') {
    const o = input as Record<string, unknown>;
    for (const k of ['command', 'file_path', 'path', 'url', 'pattern', 'input', 'query']) {
      if (typeof o[k] === 'string' && o[k]) return o[k] as string;
    }
  }
  try { return JSON.stringify(input); } catch { return String(input); }
}

/** Splits an argument line the way a shell would: quotes group, backslash escapes. */
export function splitArgs(line: string): { args: string[]; error?: string } {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c; inArg = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i]; inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) { args.push(cur); cur = ''; inArg = false; }
    } else {
      cur += c; inArg = true;
    }
  }
  if (quote) return { args, error: `Unclosed ${quote === '"' ? 'double' : 'single'} quote` };
  if (inArg) args.push(cur);
  return { args };
}

/** Quotes one argument for display in a command preview. */
export function quoteArg(a: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** 1234 -> "1.2K", 5_300_000 -> "5.3M"; below 1000 as is. */
export function compactNumber(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const a = Math.abs(n);
  const unit = a >= 1e9 ? ['B', 1e9] : a >= 1e6 ? ['M', 1e6] : a >= 1e3 ? ['K', 1e3] : null;
  if (!unit) return String(Math.round(n * 10) / 10);
  const v = n / (unit[1] as number);
  return (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10) + (unit[0] as string);
}

/** 12345 -> "12,345". */
export function fullNumber(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** US dollars: "$0.08", "$12.30", "$1,204"; tiny non-zero amounts as "<$0.01". */
export function usd(n: number): string {
  if (n > 0 && n < 0.005) return '<$0.01';
  if (n >= 1000) return '$' + Math.round(n).toLocaleString('en-US');
  return '$' + n.toFixed(2);
}

/** "claude-sonnet-4-5-20250929" -> "sonnet-4.5". */
export function shortModel(model: string): string {
  return model.replace(/^claude-/, '').replace(/-\d{8}$/, '').replace(/-(\d+)-(\d+)$/, '-$1.$2');
}
