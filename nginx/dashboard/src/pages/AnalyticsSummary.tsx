// Today's usage on the home page (checklist 5): messages, tokens with the
// cached share, cache hit rate and the estimated cost, from
// GET /analytics/overview?range=today. Links to the analytics page.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { AnalyticsOverview } from '../types';
import { Link } from '../router';
import { Icon } from '../icons';
import { compactNumber, fullNumber, usd } from '../format';
import './analyticsSummary.css';

export function UsageToday() {
  const [o, setO] = useState<AnalyticsOverview | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const ctl = new AbortController();
    api.analytics.overview('today', ctl.signal).then(setO).catch((e) => { if ((e as Error).name !== 'AbortError') setFailed(true); });
    return () => ctl.abort();
  }, []);
  const v = (f: (x: AnalyticsOverview) => string) => (o ? f(o) : failed ? '—' : '–');
  const cell = (label: string, value: string, sub: string, title?: string) => (
    <div class="usage-cell" title={title}>
      <span class="usage-label">{label}</span>
      <span class="usage-value">{value}</span>
      <span class="usage-sub">{failed ? 'not available' : sub}</span>
    </div>
  );
  return (
    <section class="card usage-strip" aria-label="Usage today" aria-busy={!o && !failed ? 'true' : 'false'}>
      {cell('Messages today', v((x) => fullNumber(x.totalMessages)), 'user and assistant')}
      {cell('Tokens today', v((x) => compactNumber(x.totalTokens)), o ? `${compactNumber(o.cacheReadTokens)} read from cache` : 'read from cache',
            o ? `${fullNumber(o.totalTokens)} tokens` : undefined)}
      {cell('Cache hit', v((x) => `${x.cacheHitRate.toFixed(1)}%`), 'of prompt tokens')}
      {cell('Est. cost today', v((x) => usd(x.costEstimate)), 'if billed per token')}
      <Link href="/analytics?range=today" class="usage-link">Analytics <Icon name="chevronRight" size={14} /></Link>
    </section>
  );
}
