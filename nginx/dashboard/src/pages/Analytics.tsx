// Analytics: usage over a range (Today, 7 days, 30 days, All time). KPI cards,
// then tokens over time, activity, policy decisions, tokens by model, tool
// usage and sessions by provider, each with a CSV export. Time charts use a
// continuous day axis over the whole range, so a quiet day is a visible gap.

import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AnalyticsRange } from '../types';
import { PageHeader } from '../Shell';
import { Link, navigate, useQuery } from '../router';
import { Icon, type IconName } from '../icons';
import { Button, ErrorBox, IconButton, Spinner, toast, useMediaQuery } from '../ui';
import { compactNumber, fullNumber, providerLabel, shortModel, usd } from '../format';
import { BarList, Composition, Donut, Legend, StackedBars, type Series } from './AnalyticsCharts';
import {
  RANGES, csvName, downloadCsv, fetchAnalytics, parseRange, rangeDays, toBuckets, toCsv,
  type AnalyticsData, type AnalyticsResult, type PartKey,
} from './analyticsData';
import './analytics.css';

const cache = new Map<AnalyticsRange, AnalyticsResult>();

const TOKEN_SERIES: Series[] = [
  { key: 'prompt', label: 'Input', color: 'var(--c-input)' },
  { key: 'completion', label: 'Output', color: 'var(--c-output)' },
  { key: 'cacheCreation', label: 'Cache write', color: 'var(--c-cache-write)' },
  { key: 'cacheRead', label: 'Cache read', color: 'var(--c-cache-read)' },
];
const ACTIVITY_SERIES: Series[] = [
  { key: 'user', label: 'User', color: 'var(--c-user)' },
  { key: 'assistant', label: 'Assistant', color: 'var(--c-assistant)' },
];
const DECISION_SERIES: Series[] = [
  { key: 'allow', label: 'Allowed', color: 'var(--green)' },
  { key: 'ask', label: 'Asked', color: 'var(--amber)' },
  { key: 'deny', label: 'Denied', color: 'var(--red)' },
  { key: 'other', label: 'Other', color: 'var(--muted)' },
];
const MODEL_COLORS = ['var(--c-m1)', 'var(--c-m2)', 'var(--c-m3)', 'var(--c-m4)', 'var(--c-m5)', 'var(--c-m6)'];
const providerColor = (p: string) => (p === 'claude-code' ? 'var(--orange)' : p === 'codex' ? 'var(--sky)' : 'var(--violet)');

function cacheQuality(rate: number): string {
  if (rate >= 70) return 'Excellent cache reuse';
  if (rate >= 40) return 'Good cache reuse';
  if (rate > 0) return 'Low: mostly uncached';
  return 'No cached reads yet';
}

export default function AnalyticsPage() {
  const q = useQuery();
  const range = parseRange(q.get('range'));
  const [result, setResult] = useState<AnalyticsResult | null>(() => cache.get(range) ?? null);
  const [loading, setLoading] = useState(true);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    const cached = cache.get(range);
    if (cached) setResult(cached);
    setLoading(true);
    fetchAnalytics(range, ctl.signal).then((r) => {
      cache.set(range, r);
      setResult(r);
      setLoading(false);
    }).catch(() => { /* aborted by a newer range */ });
    return () => ctl.abort();
  }, [range, reload]);

  const retry = () => setReload((n) => n + 1);
  const errors = result?.errors ?? {};
  const allFailed = !!result && Object.keys(errors).length === 7;
  const d = allFailed ? undefined : result?.data;
  const rangeLabel = RANGES.find((r) => r.id === range)!.label;

  return (
    <div class="page analytics-page">
      <PageHeader title="Analytics" icon="chart" subtitle="Tokens, estimated cost and activity across your sessions" />
      <div class="analytics-toolbar">
        <div class="segmented range-picker" role="radiogroup" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.id} type="button" role="radio" aria-checked={r.id === range ? 'true' : 'false'}
                    class={r.id === range ? 'active' : ''} onClick={() => navigate(`/analytics?range=${r.id}`, true)}>
              <span class="hide-phone">{r.label}</span><span class="show-phone">{r.short}</span>
            </button>
          ))}
        </div>
        <div class="toolbar-spacer" />
        <span class="muted small analytics-status" aria-live="polite">
          {loading ? <><Spinner size={12} /> Updating…</> : result ? <>Updated {new Date(result.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</> : null}
        </span>
        <IconButton icon="refresh" label="Refresh" onClick={retry} disabled={loading} />
        <Button icon="download" size="sm" disabled={!d?.overview} onClick={() => d && exportAll(d, range)} aria-label="Export all as CSV">
          <span class="hide-phone">Export all</span>
        </Button>
      </div>

      {allFailed ? <ErrorBox message={errors.overview ?? 'Analytics are not available'} onRetry={retry} /> : (
        <div class={'analytics-body' + (loading && result ? ' refreshing' : '')} aria-busy={loading ? 'true' : 'false'}>
          <Kpis data={d} error={errors.overview} onRetry={retry} />
          <Notes data={d} rangeLabel={rangeLabel} />
          <Charts data={d} errors={errors} range={range} onRetry={retry} />
        </div>
      )}
    </div>
  );
}

// ---- KPIs ----

function Kpi({ label, value, sub, icon, tone, children }: { label: string; value: string; sub: string; icon: IconName; tone: string; children?: ComponentChildren }) {
  return (
    <div class={`kpi kpi-static kpi-${tone}`}>
      <div class="kpi-top">
        <span class="kpi-label">{label}</span>
        <span class="kpi-icon"><Icon name={icon} size={18} /></span>
      </div>
      <div class="kpi-value">{value}</div>
      <div class="kpi-sub">{sub}</div>
      {children}
    </div>
  );
}

function Kpis({ data, error, onRetry }: { data?: Partial<AnalyticsData>; error?: string; onRetry: () => void }) {
  if (error) return <ErrorBox message={`Totals: ${error}`} onRetry={onRetry} />;
  const o = data?.overview;
  if (!o) {
    return <div class="kpis analytics-kpis" aria-busy="true">{[0, 1, 2, 3, 4].map((i) => <div key={i} class="kpi skeleton" />)}</div>;
  }
  const cached = o.cacheReadTokens;
  return (
    <div class="kpis analytics-kpis">
      <Kpi label="Sessions" value={fullNumber(o.sessionsCount)} sub={`${o.activeSessions} active now`} icon="monitor" tone="cyan" />
      <Kpi label="Messages" value={o.totalMessages >= 100000 ? compactNumber(o.totalMessages) : fullNumber(o.totalMessages)} sub="user and assistant" icon="activity" tone="violet" />
      <Kpi label="Tokens" value={compactNumber(o.totalTokens)} sub={`${compactNumber(cached)} read from cache`} icon="layers" tone="sky" />
      <Kpi label="Cache hit rate" value={`${o.cacheHitRate.toFixed(1)}%`} sub={cacheQuality(o.cacheHitRate)} icon="zap" tone="green">
        <span class="kpi-meter" aria-hidden="true"><span style={{ width: `${Math.min(100, Math.max(0, o.cacheHitRate))}%` }} /></span>
      </Kpi>
      <Kpi label="Est. cost" value={usd(o.costEstimate)} sub="if billed per token" icon="scale" tone="amber" />
    </div>
  );
}

function Notes({ data, rangeLabel }: { data?: Partial<AnalyticsData>; rangeLabel: string }) {
  const o = data?.overview;
  if (!o) return null;
  const codex = data?.providers?.find((p) => p.provider === 'codex')?.count ?? 0;
  const nothing = o.sessionsCount === 0 && o.totalMessages === 0 && o.totalTokens === 0 && !data?.decisions?.length;
  return (
    <div class="analytics-notes">
      {nothing && (
        <div class="callout callout-info" role="status">
          <Icon name="info" size={16} />
          <span>Nothing was recorded in this range ({rangeLabel.toLowerCase()}). Start a session, or pick a longer range.</span>
        </div>
      )}
      <p class="muted small">
        <Icon name="info" size={13} /> Costs are estimates at per-token API list prices; a subscription plan is billed differently.
      </p>
      {codex > 0 && (
        <p class="small note-amber">
          <Icon name="alert" size={13} /> {codex} Codex session{codex === 1 ? '' : 's'} in this range: Codex keeps no transcript, so its tokens, messages and tools are not counted.
        </p>
      )}
    </div>
  );
}

// ---- charts ----

function ChartCard({ title, subtitle, extra, onCsv, loading, error, onRetry, empty, emptyIcon = 'chart', emptyText, children, wide, id }: {
  title: string; subtitle?: ComponentChildren; extra?: ComponentChildren; onCsv?: () => void; loading: boolean; error?: string;
  onRetry: () => void; empty: boolean; emptyIcon?: IconName; emptyText: string; children: ComponentChildren; wide?: boolean; id: string;
}) {
  return (
    <section class={'card chart-card' + (wide ? ' span-all' : '')} aria-labelledby={`${id}-h`} data-chart={id}>
      <div class="chart-head">
        <div class="chart-titles">
          <h2 id={`${id}-h`}>{title}</h2>
          {subtitle && !loading && !error && <div class="muted small">{subtitle}</div>}
        </div>
        {!loading && !error && !empty && extra}
        {onCsv && <IconButton icon="download" label={`Download ${title.toLowerCase()} as CSV`} class="csv-btn" disabled={loading || !!error || empty} onClick={onCsv} />}
      </div>
      {error ? <ErrorBox message={error} onRetry={onRetry} />
        : loading ? <div class="skeleton chart-skeleton" aria-busy="true" aria-label="Loading" />
        : empty ? (
          <div class="chart-empty">
            <span class="empty-icon"><Icon name={emptyIcon} size={20} /></span>
            <span>{emptyText}</span>
          </div>
        ) : children}
    </section>
  );
}

function Charts({ data, errors, range, onRetry }: { data?: Partial<AnalyticsData>; errors: AnalyticsResult['errors']; range: AnalyticsRange; onRetry: () => void }) {
  const phone = useMediaQuery('(max-width: 767px)');
  const [hiddenTokens, setHiddenTokens] = useState<Set<string>>(new Set());
  const [activeModel, setActiveModel] = useState<string | null>(null);
  const [activeProvider, setActiveProvider] = useState<string | null>(null);
  const has = (k: PartKey) => data?.[k] !== undefined;

  const model = useMemo(() => {
    const activity = data?.activity ?? [];
    const tokens = data?.tokens ?? [];
    const decisions = data?.decisions ?? [];
    const days = rangeDays(range, [...activity.map((a) => a.date), ...tokens.map((t) => t.date), ...decisions.map((x) => x.date)]);
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    const byDay = <T extends { date: string }>(list: T[]) => new Map(list.map((x) => [x.date, x]));
    const act = byDay(activity);
    const tok = byDay(tokens);
    const dec = new Map<string, number[]>();
    for (const x of decisions) {
      const cur = dec.get(x.date) ?? [0, 0, 0, 0];
      const i = x.decision === 'allow' ? 0 : x.decision === 'ask' ? 1 : x.decision === 'deny' ? 2 : 3;
      cur[i] += num(x.count);
      dec.set(x.date, cur);
    }
    const tokenValues = (d: string) => { const t = tok.get(d); return t ? [num(t.prompt), num(t.completion), num(t.cacheCreation), num(t.cacheRead)] : [0, 0, 0, 0]; };
    const activityValues = (d: string) => { const a = act.get(d); return a ? [num(a.user_messages), num(a.assistant_messages)] : [0, 0]; };
    const decisionValues = (d: string) => dec.get(d) ?? [0, 0, 0, 0];
    const sum = (vals: number[][], n: number) => vals.reduce((acc, v) => acc.map((x, i) => x + v[i]), new Array<number>(n).fill(0));
    return {
      days,
      tokenValues, activityValues, decisionValues,
      tokenBuckets: toBuckets(days, tokenValues, 4),
      activityBuckets: toBuckets(days, activityValues, 2),
      decisionBuckets: toBuckets(days, decisionValues, 4),
      tokenTotals: sum(days.map(tokenValues), 4),
      activityTotals: sum(days.map(activityValues), 2),
      decisionTotals: sum(days.map(decisionValues), 4),
    };
  }, [data, range]);

  const decisionSeries = DECISION_SERIES.filter((s, i) => i < 3 || model.decisionTotals[3] > 0);
  const decisionBuckets = model.decisionTotals[3] > 0 ? model.decisionBuckets : model.decisionBuckets.map((b) => ({ ...b, values: b.values.slice(0, 3) }));
  const chartH = phone ? 180 : 230;
  // One day has no "over time": show what it is made of instead.
  const oneDay = range === 'today';
  const perDay = oneDay ? 'by kind' : model.days.length > 92 ? 'per week' : 'per day (UTC)';

  const models = data?.models ?? [];
  const totalModelTokens = models.reduce((n, m) => n + m.tokens, 0);
  const slices = models.map((m, i) => ({ key: m.model, label: m.model, value: m.tokens, color: MODEL_COLORS[i % MODEL_COLORS.length] }));
  const tools = data?.tools ?? [];
  const providers = data?.providers ?? [];
  const totalProviders = providers.reduce((n, p) => n + p.count, 0);

  const csv = {
    tokens: () => downloadCsv(csvName('tokens-over-time', range), toCsv(['date', 'input', 'output', 'cache_write', 'cache_read', 'total'],
      model.days.map((d) => { const v = model.tokenValues(d); return [d, ...v, v.reduce((a, b) => a + b, 0)]; }))),
    activity: () => downloadCsv(csvName('activity', range), toCsv(['date', 'user_messages', 'assistant_messages', 'total'],
      model.days.map((d) => { const v = model.activityValues(d); return [d, v[0], v[1], v[0] + v[1]]; }))),
    decisions: () => downloadCsv(csvName('policy-decisions', range), toCsv(['date', 'allow', 'ask', 'deny', 'other', 'total'],
      model.days.map((d) => { const v = model.decisionValues(d); return [d, ...v, v.reduce((a, b) => a + b, 0)]; }))),
    models: () => downloadCsv(csvName('tokens-by-model', range), toCsv(['model', 'tokens', 'input', 'output', 'cache_read', 'cache_write', 'requests', 'cost_usd'],
      models.map((m) => [m.model, m.tokens, m.prompt_tokens, m.completion_tokens, m.cache_read, m.cache_creation, m.requests, m.costEstimate]))),
    tools: () => downloadCsv(csvName('tool-usage', range), toCsv(['tool', 'calls'], tools.map((t) => [t.tool, t.count]))),
    providers: () => downloadCsv(csvName('sessions-by-provider', range), toCsv(['provider', 'sessions'], providers.map((p) => [p.provider, p.count]))),
  };
  const done = (f: () => void) => () => { f(); toast.success('CSV downloaded'); };

  return (
    <div class="analytics-grid">
      <ChartCard id="tokens" wide title={oneDay ? 'Tokens today' : 'Tokens over time'} onCsv={done(csv.tokens)}
                 subtitle={perDay}
                 loading={!has('tokens')} error={errors.tokens} onRetry={onRetry}
                 empty={model.tokenTotals.every((v) => v === 0)} emptyIcon="layers" emptyText="No token usage in this range."
                 extra={oneDay ? undefined : <Legend series={TOKEN_SERIES} hidden={hiddenTokens} values={model.tokenTotals}
                                onToggle={(k) => setHiddenTokens((h) => { const n = new Set(h); if (n.has(k)) n.delete(k); else if (n.size < TOKEN_SERIES.length - 1) n.add(k); return n; })} />}>
        {oneDay ? <Composition label="Tokens today" series={TOKEN_SERIES} values={model.tokenTotals} />
          : <StackedBars label="Tokens over time" buckets={model.tokenBuckets} series={TOKEN_SERIES} hidden={hiddenTokens} height={chartH + 30} />}
      </ChartCard>

      <ChartCard id="activity" title="Activity" onCsv={done(csv.activity)}
                 subtitle={`${fullNumber(model.activityTotals[0] + model.activityTotals[1])} messages`}
                 loading={!has('activity')} error={errors.activity} onRetry={onRetry}
                 empty={model.activityTotals.every((v) => v === 0)} emptyIcon="activity" emptyText="No messages in this range."
                 extra={oneDay ? undefined : <Legend series={ACTIVITY_SERIES} />}>
        {oneDay ? <Composition label="Messages today" series={ACTIVITY_SERIES} values={model.activityTotals} />
          : <StackedBars label="Messages per day" buckets={model.activityBuckets} series={ACTIVITY_SERIES} height={chartH} tipTotal="Messages" />}
      </ChartCard>

      <ChartCard id="decisions" title="Policy decisions" onCsv={done(csv.decisions)}
                 subtitle={<>{fullNumber(model.decisionTotals.reduce((a, b) => a + b, 0))} decisions · <Link href="/policies/audit" class="link">audit log</Link></>}
                 loading={!has('decisions')} error={errors.decisions} onRetry={onRetry}
                 empty={model.decisionTotals.every((v) => v === 0)} emptyIcon="shield" emptyText="No permission decisions in this range."
                 extra={oneDay ? undefined : <Legend series={decisionSeries} />}>
        {oneDay ? <Composition label="Policy decisions today" series={decisionSeries} values={model.decisionTotals.slice(0, decisionSeries.length)} />
          : <StackedBars label="Policy decisions per day" buckets={decisionBuckets} series={decisionSeries} height={chartH} tipTotal="Decisions" />}
      </ChartCard>

      <ChartCard id="models" wide title="Tokens by model" onCsv={done(csv.models)}
                 subtitle={models.length ? `${models.length} model${models.length === 1 ? '' : 's'} · ${usd(models.reduce((n, m) => n + m.costEstimate, 0))} estimated` : undefined}
                 loading={!has('models')} error={errors.models} onRetry={onRetry}
                 empty={totalModelTokens === 0} emptyIcon="layers" emptyText="No model has used tokens in this range.">
        <div class="models-wrap">
          <Donut slices={slices} active={activeModel} onActive={setActiveModel} centerLabel="tokens" />
          <div class="table-scroll models-table-wrap">
            <table class="table models-table">
              <thead>
                <tr>
                  <th>Model</th><th class="num">Tokens</th><th class="num hide-phone">Share</th>
                  <th class="num hide-phone">Cache read</th><th class="num hide-phone">Requests</th><th class="num">Est. cost</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m, i) => (
                  <tr key={m.model} class={activeModel === m.model ? 'active' : ''}
                      onMouseEnter={() => setActiveModel(m.model)} onMouseLeave={() => setActiveModel(null)}>
                    <td>
                      <span class="model-cell" title={`${m.model}\ninput ${fullNumber(m.prompt_tokens)} · output ${fullNumber(m.completion_tokens)} · cache write ${fullNumber(m.cache_creation)} · cache read ${fullNumber(m.cache_read)}`}>
                        <span class="swatch" style={{ background: MODEL_COLORS[i % MODEL_COLORS.length] }} />
                        <span class="mono truncate model-full">{m.model}</span>
                        <span class="mono truncate model-short">{shortModel(m.model)}</span>
                      </span>
                    </td>
                    <td class="num" title={fullNumber(m.tokens)}>{compactNumber(m.tokens)}</td>
                    <td class="num hide-phone">{totalModelTokens ? `${((m.tokens / totalModelTokens) * 100).toFixed(1)}%` : '—'}</td>
                    <td class="num hide-phone">{compactNumber(m.cache_read)}</td>
                    <td class="num hide-phone">{fullNumber(m.requests)}</td>
                    <td class="num">{usd(m.costEstimate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </ChartCard>

      <ChartCard id="tools" title="Tool usage" onCsv={done(csv.tools)}
                 subtitle={tools.length ? `top ${tools.length} · ${fullNumber(tools.reduce((n, t) => n + t.count, 0))} calls` : undefined}
                 loading={!has('tools')} error={errors.tools} onRetry={onRetry}
                 empty={tools.length === 0} emptyIcon="terminal" emptyText="No tool calls in this range.">
        <BarList label="Tool calls by tool" items={tools.map((t) => ({ key: t.tool, label: <span class="mono">{t.tool}</span>, value: t.count, title: t.tool }))} />
      </ChartCard>

      <ChartCard id="providers" title="Sessions by provider" onCsv={done(csv.providers)}
                 subtitle={totalProviders ? `${fullNumber(totalProviders)} session${totalProviders === 1 ? '' : 's'} started` : undefined}
                 loading={!has('providers')} error={errors.providers} onRetry={onRetry}
                 empty={totalProviders === 0} emptyIcon="monitor" emptyText="No session was started in this range.">
        <div class="providers-wrap">
          <Donut slices={providers.map((p) => ({ key: p.provider, label: providerLabel(p.provider), value: p.count, color: providerColor(p.provider) }))}
                 active={activeProvider} onActive={setActiveProvider} centerLabel={totalProviders === 1 ? 'session' : 'sessions'} format={fullNumber} />
          <BarList label="Sessions by provider" items={providers.map((p) => ({
            key: p.provider, label: providerLabel(p.provider), value: p.count, color: providerColor(p.provider),
            href: `/sessions?provider=${encodeURIComponent(p.provider)}`, title: `Show ${providerLabel(p.provider)} sessions`,
            sub: totalProviders ? `(${Math.round((p.count / totalProviders) * 100)}%)` : undefined,
          }))} />
        </div>
      </ChartCard>
    </div>
  );
}

/** Everything on the page as one tidy CSV: section, key, metric, value. */
function exportAll(d: Partial<AnalyticsData>, range: AnalyticsRange) {
  const rows: unknown[][] = [];
  const o = d.overview;
  if (o) for (const [k, v] of Object.entries(o)) rows.push(['overview', '', k, v]);
  for (const a of d.activity ?? []) { rows.push(['activity', a.date, 'user_messages', a.user_messages]); rows.push(['activity', a.date, 'assistant_messages', a.assistant_messages]); }
  for (const t of d.tokens ?? []) for (const k of ['prompt', 'completion', 'cacheCreation', 'cacheRead'] as const) rows.push(['tokens', t.date, k, t[k]]);
  for (const m of d.models ?? []) for (const k of ['tokens', 'prompt_tokens', 'completion_tokens', 'cache_read', 'cache_creation', 'requests', 'costEstimate'] as const) rows.push(['model', m.model, k, m[k]]);
  for (const t of d.tools ?? []) rows.push(['tool', t.tool, 'calls', t.count]);
  for (const p of d.providers ?? []) rows.push(['provider', p.provider, 'sessions', p.count]);
  for (const x of d.decisions ?? []) rows.push(['policy_decision', x.date, x.decision, x.count]);
  downloadCsv(csvName('analytics', range), toCsv(['section', 'key', 'metric', 'value'], rows));
  toast.success('CSV downloaded');
}
