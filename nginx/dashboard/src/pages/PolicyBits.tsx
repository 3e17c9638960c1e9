// Pieces of the policy UI shared by the Policies page and a session's
// Policies tab: a rule's one-line summary with every matcher visible, the
// pattern list editor, and a local preview of the matcher (spec
// hooks-and-policies.md §5.3) for the rule tester.

import { useState } from 'preact/hooks';
import type { PatternValue, Policy, PolicyRule } from '../types';
import { DecisionChip } from '../ui';
import { Icon } from '../icons';

export function patterns(v: PatternValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** One string when there is one pattern, else the list; undefined when empty. */
export function toPatternValue(list: string[]): PatternValue | undefined {
  const clean = list.filter((x) => x !== '');
  if (clean.length === 0) return undefined;
  return clean.length === 1 ? clean[0] : clean;
}

function Patterns({ label, value }: { label?: string; value: PatternValue | undefined }) {
  const list = patterns(value);
  if (!list.length) return null;
  return (
    <span class="matcher">
      {label && <span class="matcher-key">{label}</span>}
      {list.map((p) => <code key={p} class={'pattern' + (p.startsWith('!') ? ' negated' : '')}>{p}</code>)}
    </span>
  );
}

export function RuleLine({ rule }: { rule: PolicyRule }) {
  const any = !rule.tool && !rule.args && !rule.cwd && !rule.session;
  return (
    <div class="rule-line">
      <DecisionChip decision={rule.action} />
      {any ? <span class="muted small">every request</span> : (
        <>
          <Patterns value={rule.tool} />
          {rule.args && Object.entries(rule.args).map(([k, v]) => <Patterns key={k} label={k} value={v} />)}
          <Patterns label="cwd" value={rule.cwd} />
          <Patterns label="session" value={rule.session} />
        </>
      )}
      {rule.reason && <span class="rule-reason">— {rule.reason}</span>}
    </div>
  );
}

export function RuleSummary({ rules }: { rules: PolicyRule[] }) {
  if (!rules?.length) return <p class="muted small">No rules.</p>;
  return <div class="rules">{rules.map((r, i) => <RuleLine key={r.id ?? i} rule={r} />)}</div>;
}

/** A list of patterns as removable chips; Enter adds what was typed. */
export function PatternInput({ value, onChange, placeholder, label }:
  { value: string[]; onChange: (v: string[]) => void; placeholder?: string; label: string }) {
  const [draft, setDraft] = useState('');
  const add = () => {
    const v = draft.trim();
    if (v && !value.includes(v)) onChange([...value, v]);
    setDraft('');
  };
  return (
    <div class="pattern-input" onClick={(e) => (e.currentTarget.querySelector('input') as HTMLInputElement | null)?.focus()}>
      {value.map((p) => (
        <span key={p} class={'pattern-chip' + (p.startsWith('!') ? ' negated' : '')}>
          <code>{p}</code>
          <button type="button" aria-label={`Remove pattern ${p}`} onClick={(e) => { e.stopPropagation(); onChange(value.filter((x) => x !== p)); }}>
            <Icon name="x" size={11} />
          </button>
        </span>
      ))}
      <input
        value={draft}
        aria-label={label}
        placeholder={value.length ? '' : placeholder}
        spellcheck={false}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') { e.preventDefault(); add(); }
          else if (e.key === 'Backspace' && !draft && value.length) onChange(value.slice(0, -1));
        }}
        onBlur={add}
      />
    </div>
  );
}

// ---- matcher preview ----

function escapeRe(c: string) {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Translates one glob (bash-style, anchored, case-sensitive) to a RegExp. An
 *  approximation of the daemon's matcher for previews; the daemon decides. */
export function globToRegExp(glob: string): RegExp {
  let g = glob.startsWith('./') ? glob.slice(2) : glob;
  let tail = '';
  if (g.endsWith('/**')) { g = g.slice(0, -3); tail = '(?:/[^\\n\\r]*)?'; }
  const trailingStar = tail !== '' || g.endsWith('*');
  let re = '';
  let i = 0;
  const ANY = '[^\\n\\r]*';
  const ANY_NO_HIDDEN = '(?:[^\\n\\r/]|/(?!\\.))*';
  if (g.startsWith('**/')) { re += `(?:(?!\\.)${ANY}/)?`; i = 3; }
  let braceDepth = 0;
  let parenDepth = 0;
  for (; i < g.length; i++) {
    const c = g[i];
    if (c === '\\' && i + 1 < g.length) { re += escapeRe(g[++i]); continue; }
    if (c === '*') {
      const start = i;
      while (g[i + 1] === '*') i++;
      if (re === '') re += `(?!\\.)${ANY}`;
      else re += (g[start - 1] === '/' ? '(?!\\.)' : '') + ANY_NO_HIDDEN;
      continue;
    }
    if (c === '?') { re += '[^/\\n\\r]'; continue; }
    if (c === '[') {
      const end = g.indexOf(']', i + 1);
      if (end > i) { re += '[' + g.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']'; i = end; continue; }
    }
    if (c === '{') { braceDepth++; re += '(?:'; continue; }
    if (c === '}' && braceDepth) { braceDepth--; re += ')'; continue; }
    if (c === ',' && braceDepth) { re += '|'; continue; }
    if (c === '(') { parenDepth++; re += '(?:'; continue; }
    if (c === ')' && parenDepth) { parenDepth--; re += ')'; continue; }
    if (c === '|' && parenDepth) { re += '|'; continue; }
    re += escapeRe(c);
  }
  try { return new RegExp('^' + re + tail + (trailingStar ? '/?$' : '$')); }
  catch { return /(?!)/; }
}

export function matchPattern(value: string, pattern: PatternValue | undefined): boolean {
  const list = patterns(pattern).filter((p) => p !== '!');
  const neg = list.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const pos = list.filter((p) => !p.startsWith('!'));
  const one = (p: string) => (p === '' ? value === '' : value !== '' && globToRegExp(p).test(value));
  if (neg.some(one)) return false;
  return pos.length > 0 && pos.some(one);
}

function argValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export interface TestRequest { tool: string; args: Record<string, unknown>; cwd: string; session: string }

export function ruleMatches(rule: PolicyRule, req: TestRequest): boolean {
  if (rule.tool !== undefined && !matchPattern(req.tool, rule.tool)) return false;
  if (rule.cwd !== undefined && !matchPattern(req.cwd, rule.cwd)) return false;
  if (rule.session !== undefined && !matchPattern(req.session, rule.session)) return false;
  if (rule.args) {
    for (const [k, p] of Object.entries(rule.args)) {
      const v = argValue(req.args[k]);
      if (v === '' || !matchPattern(v, p)) return false;
    }
  }
  return true;
}

export function evaluate(policies: Policy[], req: TestRequest): { policy?: Policy; rule?: PolicyRule; index?: number } {
  const sorted = policies.filter((p) => p.enabled).sort((a, b) => b.priority - a.priority);
  for (const p of sorted) {
    const i = p.rules.findIndex((r) => ruleMatches(r, req));
    if (i >= 0) return { policy: p, rule: p.rules[i], index: i };
  }
  return {};
}
