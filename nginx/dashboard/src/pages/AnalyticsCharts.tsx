// Small hand-written charts for the analytics page (no chart library): stacked
// bars over a continuous day axis, a donut and horizontal bar lists. Colours
// are CSS variables (analytics.css), so both themes apply without re-render.
// Sizes come from the container (ResizeObserver), so text stays crisp.

import type { ComponentChildren, Ref } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { Link } from '../router';
import { compactNumber, fullNumber } from '../format';

export function useWidth<T extends HTMLElement>(): [Ref<T>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setW(el.clientWidth);
    const ro = new ResizeObserver((entries) => {
      const next = Math.round(entries[0].contentRect.width);
      setW((cur) => (cur === next ? cur : next));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

/** 0..top in `count`-ish steps of 1, 2, 2.5 or 5 x 10^k. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const clean = step >= 1 ? step : Math.max(step, 1);
  const ticks: number[] = [];
  for (let v = 0; v < max + clean * 0.001; v += clean) ticks.push(Math.round(v * 1000) / 1000);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + clean);
  return ticks;
}

export interface Series { key: string; label: string; color: string }
export interface Bucket { key: string; label: string; title: string; values: number[] }

/** A rectangle with the two top corners rounded. */
function topRounded(x: number, y: number, w: number, h: number, r: number): string {
  const rr = Math.max(0, Math.min(r, w / 2, h));
  return `M${x},${y + h}V${y + rr}Q${x},${y} ${x + rr},${y}H${x + w - rr}Q${x + w},${y} ${x + w},${y + rr}V${y + h}Z`;
}

/**
 * Stacked vertical bars, one per bucket (day or week), every bucket of the
 * range shown even when empty. Hover, tap or arrow keys show a tooltip.
 */
export function StackedBars({ buckets, series, hidden, height = 220, label, format = compactNumber, tipTotal = 'Total' }: {
  buckets: Bucket[];
  series: Series[];
  hidden?: Set<string>;
  height?: number;
  label: string;
  format?: (n: number) => string;
  tipTotal?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [active, setActive] = useState<number | null>(null);
  const visible = series.map((s) => !hidden?.has(s.key));
  const totals = buckets.map((b) => b.values.reduce((n, v, i) => n + (visible[i] ? v : 0), 0));
  const max = Math.max(0, ...totals);
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] || 1;
  const yLabelW = Math.max(...ticks.map((t) => format(t).length)) * 7 + 10;
  const pad = { l: yLabelW, r: 6, t: 10, b: 24 };
  const plotW = Math.max(0, width - pad.l - pad.r);
  const plotH = height - pad.t - pad.b;
  const n = Math.max(1, buckets.length);
  const band = plotW / n;
  const barW = Math.max(1, Math.min(band * (n > 60 ? 0.84 : 0.68), 44));
  const y = (v: number) => pad.t + plotH - (v / top) * plotH;
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 62))));

  const summary = `${label}: ${buckets.length} ${buckets.length === 1 ? 'bar' : 'bars'}, highest ${format(max)}`;
  const act = active !== null && active < buckets.length ? active : null;
  // The tooltip sits beside the hovered bar, on the side with more room.
  const barX = act !== null ? pad.l + band * (act + 0.5) : 0;
  const tipRight = barX > width / 2;
  const tipStyle = tipRight ? { right: Math.max(0, width - barX + barW / 2 + 10) } : { left: barX + barW / 2 + 10 };

  return (
    <div ref={ref} class="chart" style={{ height }} tabIndex={0} role="img" aria-label={summary}
         onMouseLeave={() => setActive(null)}
         onBlur={() => setActive(null)}
         onKeyDown={(e) => {
           if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
           e.preventDefault();
           const d = e.key === 'ArrowRight' ? 1 : -1;
           setActive((cur) => Math.min(buckets.length - 1, Math.max(0, (cur ?? (d > 0 ? -1 : buckets.length)) + d)));
         }}>
      {width > 0 && (
        <svg width={width} height={height} class="chart-svg" aria-hidden="true">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={pad.l} x2={width - pad.r} y1={y(t)} y2={y(t)} class={t === 0 ? 'axis-line' : 'grid-line'} />
              <text x={pad.l - 8} y={y(t)} class="tick" text-anchor="end" dominant-baseline="middle">{format(t)}</text>
            </g>
          ))}
          {act !== null && <rect x={pad.l + band * act} y={pad.t} width={band} height={plotH} class="col-hover" />}
          {buckets.map((b, i) => {
            const x = pad.l + band * i + (band - barW) / 2;
            let acc = 0;
            const lastVisible = b.values.reduce((last, v, si) => (visible[si] && v > 0 ? si : last), -1);
            return (
              <g key={b.key}>
                {b.values.map((v, si) => {
                  if (!visible[si] || v <= 0) return null;
                  const y0 = y(acc);
                  acc += v;
                  const y1 = Math.min(y(acc), y0 - 1);
                  const h = y0 - y1;
                  const style = { fill: series[si].color };
                  return si === lastVisible
                    ? <path key={si} d={topRounded(x, y1, barW, h, 3)} style={style} />
                    : <rect key={si} x={x} y={y1} width={barW} height={h} style={style} />;
                })}
              </g>
            );
          })}
          {buckets.map((b, i) => (i % every === 0 || (n <= 2)) && (
            <text key={'l' + b.key} x={pad.l + band * (i + 0.5)} y={height - 6} class="tick" text-anchor="middle">{b.label}</text>
          ))}
          {buckets.map((b, i) => (
            <rect key={'h' + b.key} x={pad.l + band * i} y={pad.t} width={band} height={plotH + pad.b} fill="transparent"
                  onMouseEnter={() => setActive(i)} onClick={() => setActive(i)} />
          ))}
        </svg>
      )}
      {act !== null && (
        <div class="chart-tip" style={tipStyle} role="presentation">
          <div class="chart-tip-title">{buckets[act].title}</div>
          {series.map((s, si) => visible[si] && (
            <div key={s.key} class="chart-tip-row">
              <span class="swatch" style={{ background: s.color }} />
              <span>{s.label}</span>
              <span class="chart-tip-val">{fullNumber(buckets[act].values[si])}</span>
            </div>
          ))}
          {series.length > 1 && (
            <div class="chart-tip-row chart-tip-total">
              <span />
              <span>{tipTotal}</span>
              <span class="chart-tip-val">{fullNumber(totals[act])}</span>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** Legend whose items can switch a series off and on. */
export function Legend({ series, hidden, onToggle, values }: {
  series: Series[]; hidden?: Set<string>; onToggle?: (key: string) => void; values?: number[];
}) {
  return (
    <div class="legend">
      {series.map((s, i) => {
        const off = hidden?.has(s.key);
        const body = (
          <>
            <span class="swatch" style={{ background: s.color }} />
            <span>{s.label}</span>
            {values && <span class="legend-val">{compactNumber(values[i])}</span>}
          </>
        );
        return onToggle ? (
          <button key={s.key} type="button" class={'legend-item' + (off ? ' off' : '')} aria-pressed={off ? 'false' : 'true'}
                  title={off ? `Show ${s.label}` : `Hide ${s.label}`} onClick={() => onToggle(s.key)}>{body}</button>
        ) : <span key={s.key} class="legend-item">{body}</span>;
      })}
    </div>
  );
}

export interface Slice { key: string; label: string; value: number; color: string }

/** A donut of shares; hovering a slice (or its legend row) shows it in the middle. */
export function Donut({ slices, active, onActive, centerLabel, format = compactNumber }: {
  slices: Slice[]; active?: string | null; onActive?: (key: string | null) => void; centerLabel: string;
  format?: (n: number) => string;
}) {
  const total = slices.reduce((n, s) => n + s.value, 0);
  const r = 62, sw = 20, c = 2 * Math.PI * r;
  const gap = slices.filter((s) => s.value > 0).length > 1 ? 2 : 0;
  let offset = 0;
  const cur = slices.find((s) => s.key === active);
  return (
    <div class="donut" role="img" aria-label={`${centerLabel}: ${slices.map((s) => `${s.label} ${Math.round((s.value / (total || 1)) * 100)}%`).join(', ')}`}>
      <svg viewBox="0 0 160 160" width="160" height="160" aria-hidden="true">
        <circle cx="80" cy="80" r={r} class="donut-track" stroke-width={sw} fill="none" />
        {total > 0 && slices.map((s) => {
          const len = (s.value / total) * c;
          const seg = (
            <circle key={s.key} cx="80" cy="80" r={r} fill="none" stroke-width={active === s.key ? sw + 6 : sw}
                    style={{ stroke: s.color, opacity: active && active !== s.key ? 0.45 : 1 }}
                    stroke-dasharray={`${Math.max(0.01, len - gap)} ${c}`} stroke-dashoffset={-offset}
                    transform="rotate(-90 80 80)" class="donut-seg"
                    onMouseEnter={() => onActive?.(s.key)} onMouseLeave={() => onActive?.(null)} />
          );
          offset += len;
          return seg;
        })}
        <text x="80" y="76" text-anchor="middle" class="donut-value">{format(cur ? cur.value : total)}</text>
        <text x="80" y="96" text-anchor="middle" class="donut-label">
          {cur ? `${Math.round((cur.value / (total || 1)) * 1000) / 10}%` : centerLabel}
        </text>
      </svg>
    </div>
  );
}

export interface BarItem { key: string; label: ComponentChildren; value: number; color?: string; href?: string; title?: string; sub?: string }

/** Horizontal bars, longest first, scaled to the largest value. */
export function BarList({ items, format = fullNumber, label }: { items: BarItem[]; format?: (n: number) => string; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <ul class="bar-list" aria-label={label}>
      {items.map((it) => {
        const inner = (
          <>
            <span class="bar-label" title={it.title}>{it.label}</span>
            <span class="bar-track">
              <span class="bar-fill" style={{ width: `${Math.max(1.5, (it.value / max) * 100)}%`, background: it.color ?? 'var(--c-bar)' }} />
            </span>
            <span class="bar-value">{format(it.value)}{it.sub && <span class="muted"> {it.sub}</span>}</span>
          </>
        );
        return (
          <li key={it.key}>
            {it.href ? <Link href={it.href} class="bar-row bar-link">{inner}</Link> : <div class="bar-row">{inner}</div>}
          </li>
        );
      })}
    </ul>
  );
}

/**
 * One horizontal bar split by share, with the numbers under it: what a
 * single day is made of (a one-bar time chart says nothing).
 */
export function Composition({ series, values, label }: { series: Series[]; values: number[]; label: string }) {
  const total = values.reduce((a, b) => a + b, 0) || 1;
  const pct = (v: number) => (v / total) * 100;
  return (
    <div class="composition" role="img" aria-label={`${label}: ${series.map((s, i) => `${s.label} ${fullNumber(values[i])}`).join(', ')}`}>
      <div class="comp-bar" aria-hidden="true">
        {series.map((s, i) => values[i] > 0 && (
          <span key={s.key} style={{ width: `${pct(values[i])}%`, background: s.color }} title={`${s.label}: ${fullNumber(values[i])}`} />
        ))}
      </div>
      <ul class="comp-legend">
        {series.map((s, i) => (
          <li key={s.key}>
            <span class="swatch" style={{ background: s.color }} />
            <span class="comp-label">{s.label}</span>
            <span class="comp-value">{fullNumber(values[i])}</span>
            <span class="comp-pct">{values[i] > 0 && pct(values[i]) < 0.1 ? '<0.1' : pct(values[i]).toFixed(1)}%</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
