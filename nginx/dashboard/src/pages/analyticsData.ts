// Analytics data: fetching every /analytics/* route for a range, the
// continuous day axis (UTC days, as the daemon buckets them), and CSV export.

import { api } from '../api';
import type {
  ActivityDay, AnalyticsOverview, AnalyticsRange, DecisionDay, ModelUsage, ProviderCount, TokenDay, ToolCount,
} from '../types';
import type { Bucket } from './AnalyticsCharts';

export const RANGES: { id: AnalyticsRange; label: string; short: string }[] = [
  { id: 'today', label: 'Today', short: 'Today' },
  { id: '7d', label: 'Last 7 days', short: '7 days' },
  { id: '30d', label: 'Last 30 days', short: '30 days' },
  { id: 'all', label: 'All time', short: 'All' },
];

export function parseRange(v: string | null): AnalyticsRange {
  return RANGES.some((r) => r.id === v) ? (v as AnalyticsRange) : '7d';
}

export interface AnalyticsData {
  overview: AnalyticsOverview;
  activity: ActivityDay[];
  models: ModelUsage[];
  tokens: TokenDay[];
  providers: ProviderCount[];
  tools: ToolCount[];
  decisions: DecisionDay[];
}
export type PartKey = keyof AnalyticsData;
export interface AnalyticsResult { data: Partial<AnalyticsData>; errors: Partial<Record<PartKey, string>>; at: number }

const EMPTY_OVERVIEW: AnalyticsOverview = {
  sessionsCount: 0, activeSessions: 0, totalTokens: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0,
  cacheCreationTokens: 0, totalMessages: 0, cacheHitRate: 0, costEstimate: 0,
};

const arr = <T,>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** All seven routes in parallel; a failing route fails only its own card. */
export async function fetchAnalytics(range: AnalyticsRange, signal?: AbortSignal): Promise<AnalyticsResult> {
  const a = api.analytics;
  const parts: [PartKey, Promise<unknown>][] = [
    ['overview', a.overview(range, signal)],
    ['activity', a.activity(range, signal)],
    ['models', a.tokensByModel(range, signal)],
    ['tokens', a.tokenUsage(range, signal)],
    ['providers', a.sessionsByProvider(range, signal)],
    ['tools', a.toolUsage(range, signal)],
    ['decisions', a.policyDecisions(range, signal)],
  ];
  const settled = await Promise.allSettled(parts.map(([, p]) => p));
  if (signal?.aborted) throw new DOMException('Aborted', 'AbortError');
  const data: Partial<AnalyticsData> = {};
  const errors: AnalyticsResult['errors'] = {};
  settled.forEach((r, i) => {
    const key = parts[i][0];
    if (r.status === 'rejected') { errors[key] = (r.reason as Error)?.message || 'Failed to load'; return; }
    if (key === 'overview') data.overview = { ...EMPTY_OVERVIEW, ...(r.value as object) };
    else (data as Record<string, unknown>)[key] = arr(r.value);
  });
  return { data, errors, at: Date.now() };
}

// ---- the day axis ----

const DAY = 86400000;
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (d: string) => Date.parse(d + 'T00:00:00Z');

/** Every UTC day the range covers (the daemon's buckets), oldest first. */
export function rangeDays(range: AnalyticsRange, dataDates: string[], now = Date.now()): string[] {
  let from: number;
  if (range === 'today') { const m = new Date(now); m.setHours(0, 0, 0, 0); from = m.getTime(); }
  else if (range === '30d') from = now - 30 * DAY;
  else if (range === 'all') {
    const first = dataDates.filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort()[0];
    from = first ? Math.min(dayMs(first), now) : now - 6 * DAY;
  } else from = now - 7 * DAY;
  const days: string[] = [];
  for (let t = dayMs(utcDay(from)); t <= dayMs(utcDay(now)); t += DAY) days.push(utcDay(t));
  // Days the server has but the clock here disagrees about still show.
  for (const d of dataDates) if (/^\d{4}-\d{2}-\d{2}$/.test(d) && !days.includes(d)) days.push(d);
  return days.sort();
}

const fmtDay = (d: string, opts: Intl.DateTimeFormatOptions) =>
  new Date(dayMs(d)).toLocaleDateString(undefined, { ...opts, timeZone: 'UTC' });

/**
 * Buckets for a bar chart: one per day, or per week (starting Monday) when
 * the range is longer than about three months.
 */
export function toBuckets(days: string[], valuesOf: (day: string) => number[], seriesCount: number): Bucket[] {
  const today = utcDay(Date.now());
  if (days.length <= 92) {
    return days.map((d) => ({
      key: d,
      label: days.length === 1 && d === today ? 'Today' : fmtDay(d, { month: 'short', day: 'numeric' }),
      title: fmtDay(d, { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' }) + (d === today ? ' (today)' : ''),
      values: valuesOf(d),
    }));
  }
  const weeks = new Map<string, number[]>();
  for (const d of days) {
    const t = dayMs(d);
    const wk = utcDay(t - ((new Date(t).getUTCDay() + 6) % 7) * DAY);
    const cur = weeks.get(wk) ?? new Array(seriesCount).fill(0);
    valuesOf(d).forEach((v, i) => { cur[i] += v; });
    weeks.set(wk, cur);
  }
  return [...weeks.entries()].map(([wk, values]) => ({
    key: wk,
    label: fmtDay(wk, { month: 'short', day: 'numeric', ...(days.length > 400 ? { year: '2-digit' } : {}) }),
    title: 'Week of ' + fmtDay(wk, { month: 'short', day: 'numeric', year: 'numeric' }),
    values,
  }));
}

// ---- CSV ----

function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // Quote when needed; a leading =+-@ is neutralised so spreadsheets do not run it.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? "'" + s : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function downloadCsv(name: string, csv: string) {
  const blob = new Blob([csv], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const csvName = (what: string, range: AnalyticsRange) => `codepiper-${what}-${range}-${utcDay(Date.now())}.csv`;
