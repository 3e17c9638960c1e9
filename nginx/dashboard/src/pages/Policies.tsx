// Policies page: Policies | Policy sets | Audit log (deep links
// /policies, /policies/sets, /policies/audit).

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import type { AuditDecision, Policy, PolicyRule, PolicySetDetail, PolicySetSummary } from '../types';
import { PageHeader } from '../Shell';
import {
  Button, DecisionChip, Empty, ErrorBox, IconButton, Modal, SkeletonRows, Spinner, Tabs, Toggle,
  confirmAction, toast, toastError, useTicker,
} from '../ui';
import { Icon } from '../icons';
import { Link, navigate } from '../router';
import { useStore } from '../store';
import { absoluteTime, describeToolInput, relativeTime, sessionName, shortId } from '../format';
import { PatternInput, RuleSummary, evaluate, patterns, toPatternValue, type TestRequest } from './PolicyBits';

type Tab = 'policies' | 'sets' | 'audit';

export default function PoliciesPage({ tab }: { tab?: string }) {
  useTicker();
  const current: Tab = tab === 'sets' || tab === 'audit' ? tab : 'policies';
  const [policies, setPolicies] = useState<Policy[] | null>(null);
  const [error, setError] = useState('');
  const load = () => {
    setError('');
    api.policies().then((r) => setPolicies(r.policies)).catch((e) => setError(e.message));
  };
  useEffect(load, []);
  return (
    <div class="page">
      <PageHeader title="Policies" icon="shield" subtitle="Rules that answer agents' permission requests, bundles of them, and the audit trail" />
      <Tabs
        label="Policies sections"
        value={current}
        onChange={(t) => navigate(t === 'policies' ? '/policies' : `/policies/${t}`, true)}
        tabs={[
          { id: 'policies', label: 'Policies', icon: 'shield', count: policies?.length },
          { id: 'sets', label: 'Policy sets', icon: 'layers' },
          { id: 'audit', label: 'Audit log', icon: 'scale' },
        ]}
      />
      <div class="tab-panel" role="tabpanel">
        {current === 'policies' && <PolicyList policies={policies} error={error} reload={load} setPolicies={setPolicies} />}
        {current === 'sets' && <PolicySets policies={policies ?? []} />}
        {current === 'audit' && <AuditLog />}
      </div>
    </div>
  );
}

// ---- policies ----

function PolicyList({ policies, error, reload, setPolicies }:
  { policies: Policy[] | null; error: string; reload: () => void; setPolicies: (p: Policy[]) => void }) {
  const [editing, setEditing] = useState<Policy | 'new' | null>(null);
  const [toggling, setToggling] = useState('');
  const sessions = useStore((s) => s.sessions);
  if (error) return <ErrorBox message={error} onRetry={reload} />;

  const toggle = async (p: Policy, enabled: boolean) => {
    setToggling(p.id);
    try {
      const { policy } = await api.updatePolicy(p.id, { enabled });
      setPolicies((policies ?? []).map((x) => (x.id === p.id ? policy ?? { ...p, enabled } : x)));
      toast.success(`${p.name} ${enabled ? 'enabled' : 'disabled'}`);
    } catch (e) { toastError(e); } finally { setToggling(''); }
  };
  const remove = async (p: Policy) => {
    const ok = await confirmAction({
      title: `Delete ${p.name}?`,
      body: 'The policy leaves every policy set it belongs to. Audit records keep their history.',
      confirmLabel: 'Delete policy',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deletePolicy(p.id);
      setPolicies((policies ?? []).filter((x) => x.id !== p.id));
      toast.success('Policy deleted');
    } catch (e) { toastError(e); }
  };
  const sorted = [...(policies ?? [])].sort((a, b) => b.priority - a.priority);

  return (
    <>
      <div class="list-head">
        <span class="muted">{policies ? `${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} · the first matching rule of the highest priority wins` : ''}</span>
        <Button variant="primary" icon="plus" onClick={() => setEditing('new')}>New policy</Button>
      </div>
      {policies === null ? <SkeletonRows rows={2} height={150} /> : sorted.length === 0 ? (
        <div class="card"><Empty icon="shield" title="No policies yet">
          Without policies every permission request gets the daemon's default action (ask).
          <div class="mt-sm"><Button variant="primary" icon="plus" onClick={() => setEditing('new')}>Create the first policy</Button></div>
        </Empty></div>
      ) : (
        <div class="stack">
          {sorted.map((p) => {
            const sess = p.sessionId ? sessions.find((s) => s.id === p.sessionId) : undefined;
            return (
              <article key={p.id} class={'card policy-card' + (p.enabled ? '' : ' disabled')} aria-label={p.name}>
                <div class="policy-head">
                  <div class="policy-title">
                    <h3>{p.name}</h3>
                    <span class={'chip ' + (p.enabled ? 'chip-green' : 'chip-gray')}>{p.enabled ? 'Active' : 'Disabled'}</span>
                    <span class="chip chip-gray chip-mono">Priority {p.priority}</span>
                    {p.sessionId
                      ? <Link href={`/sessions/${p.sessionId}`} class="chip chip-violet">Session {sess ? sessionName(sess) : shortId(p.sessionId)}</Link>
                      : <span class="chip chip-amber">Global</span>}
                  </div>
                  <div class="policy-actions">
                    <Toggle checked={p.enabled} disabled={toggling === p.id} label={`${p.enabled ? 'Disable' : 'Enable'} ${p.name}`} onChange={(v) => toggle(p, v)} />
                    <Button size="sm" icon="edit" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>Edit</Button>
                    <Button size="sm" variant="ghost" class="text-red" icon="trash" onClick={() => remove(p)} aria-label={`Delete ${p.name}`}>Delete</Button>
                  </div>
                </div>
                {p.description && <p class="policy-desc">{p.description}</p>}
                <div class="label">Rules ({p.rules.length})</div>
                <RuleSummary rules={p.rules} />
                <div class="muted small mt-sm">
                  <span class="mono">{p.id}</span>{p.updatedAt && <> · Updated <time dateTime={p.updatedAt} title={absoluteTime(p.updatedAt)}>{relativeTime(p.updatedAt)}</time></>}
                </div>
              </article>
            );
          })}
        </div>
      )}
      {editing && (
        <PolicyEditor
          policy={editing === 'new' ? null : editing}
          existingIds={(policies ?? []).map((p) => p.id)}
          onClose={() => setEditing(null)}
          onSaved={(p) => {
            const list = policies ?? [];
            setPolicies(list.some((x) => x.id === p.id) ? list.map((x) => (x.id === p.id ? p : x)) : [...list, p]);
            setEditing(null);
          }}
        />
      )}
    </>
  );
}

interface DraftRule {
  key: number;
  id: string;
  action: string;
  tool: string[];
  args: { key: number; name: string; patterns: string[] }[];
  cwd: string[];
  session: string[];
  reason: string;
  extra: Record<string, unknown>; // unknown fields are kept as they were
}

let draftKey = 1;

function toDraft(r: PolicyRule, i: number): DraftRule {
  const { id, action, tool, args, cwd, session, reason, ...extra } = r;
  return {
    key: draftKey++, id: id ?? `r${i + 1}`, action: action ?? 'ask', tool: patterns(tool),
    args: Object.entries(args ?? {}).map(([name, v]) => ({ key: draftKey++, name, patterns: patterns(v) })),
    cwd: patterns(cwd), session: patterns(session), reason: reason ?? '', extra,
  };
}

function fromDraft(d: DraftRule): PolicyRule {
  const r: PolicyRule = { ...d.extra, id: d.id.trim() || undefined, action: d.action } as PolicyRule;
  const tool = toPatternValue(d.tool);
  if (tool !== undefined) r.tool = tool;
  const args: Record<string, string | string[]> = {};
  for (const a of d.args) {
    const v = toPatternValue(a.patterns);
    if (a.name.trim() && v !== undefined) args[a.name.trim()] = v;
  }
  if (Object.keys(args).length) r.args = args;
  const cwd = toPatternValue(d.cwd);
  if (cwd !== undefined) r.cwd = cwd;
  const session = toPatternValue(d.session);
  if (session !== undefined) r.session = session;
  if (d.reason.trim()) r.reason = d.reason.trim();
  if (!r.id) delete r.id;
  return r;
}

/** agentd's validation messages name rules by index ("Field 'rules[0].tool'
 *  has an invalid pattern: …"); the editor numbers them from 1. */
function ruleMessage(m: string): string {
  return m
    .replace(/^Field 'rules\[(\d+)\](?:\.([^']+))?'/, (_, n, f) => `Rule ${Number(n) + 1}${f ? ` ${f}` : ''}`)
    .replace(/\brules\[(\d+)\]/g, (_, n) => `rule ${Number(n) + 1}`);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
}

function PolicyEditor({ policy, existingIds, onClose, onSaved }:
  { policy: Policy | null; existingIds: string[]; onClose: () => void; onSaved: (p: Policy) => void }) {
  const sessions = useStore((s) => s.sessions);
  const [name, setName] = useState(policy?.name ?? '');
  const [id, setId] = useState(policy?.id ?? '');
  const [idTouched, setIdTouched] = useState(!!policy);
  const [priority, setPriority] = useState(String(policy?.priority ?? 50));
  const [description, setDescription] = useState(policy?.description ?? '');
  const [enabled, setEnabled] = useState(policy?.enabled ?? true);
  const [sessionId, setSessionId] = useState(policy?.sessionId ?? '');
  const [rules, setRules] = useState<DraftRule[]>(() => (policy?.rules ?? []).map(toDraft));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [testOpen, setTestOpen] = useState(false);
  const effectiveId = idTouched ? id : slug(name);

  const update = (key: number, patch: Partial<DraftRule>) => setRules((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const move = (i: number, d: number) => setRules((rs) => {
    const n = rs.slice();
    const j = i + d;
    if (j < 0 || j >= n.length) return rs;
    [n[i], n[j]] = [n[j], n[i]];
    return n;
  });
  const addRule = () => setRules((rs) => [...rs, toDraft({ action: 'deny' }, rs.length)]);

  const problems: string[] = [];
  if (!name.trim()) problems.push('Name is required');
  if (!policy && !/^[A-Za-z0-9-]+$/.test(effectiveId)) problems.push('Id may use letters, digits and dashes only');
  if (!policy && existingIds.includes(effectiveId)) problems.push(`A policy with id ${effectiveId} exists`);
  if (!/^-?\d+$/.test(priority.trim())) problems.push('Priority must be a whole number');
  const ruleIds = rules.map((r) => r.id.trim()).filter(Boolean);
  if (new Set(ruleIds).size !== ruleIds.length) problems.push('Rule ids must be unique');

  const save = async (e?: Event) => {
    e?.preventDefault();
    if (problems.length) { setError(problems[0]); return; }
    setBusy(true);
    setError('');
    const body = {
      name: name.trim(),
      description: description.trim() || null,
      enabled,
      priority: parseInt(priority, 10),
      rules: rules.map(fromDraft),
    };
    try {
      const res = policy
        ? await api.updatePolicy(policy.id, body)
        : await api.createPolicy({ ...body, id: effectiveId, sessionId: sessionId || null });
      toast.success(policy ? 'Policy updated' : 'Policy created');
      onSaved(res.policy);
    } catch (err) {
      // Shown in the footer, next to the button (a toast would cover it).
      setError(ruleMessage((err as Error).message));
    } finally {
      setBusy(false);
    }
  };

  const draftPolicy: Policy = {
    id: effectiveId || 'draft', name, enabled: true, priority: parseInt(priority, 10) || 0, rules: rules.map(fromDraft),
  };

  return (
    <Modal
      title={policy ? 'Edit policy' : 'New policy'}
      subtitle="Rules are checked in order; the first whose matchers all match decides."
      onClose={onClose}
      wide
      footer={
        <>
          <div class="foot-status small" aria-live="polite">{error ? <span class="text-red">{error}</span> : <span class="muted">{problems[0] ?? ''}</span>}</div>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={busy} disabled={problems.length > 0} onClick={() => save()}>{policy ? 'Save changes' : 'Create policy'}</Button>
        </>
      }
    >
      <form class="policy-form" onSubmit={save} noValidate>
        <div class="grid-3">
          <label class="field span-2">
            <span class="label">Name</span>
            <input value={name} data-autofocus placeholder="Block destructive shell" onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span class="label">Priority</span>
            <input type="number" step={1} value={priority} onInput={(e) => setPriority(e.currentTarget.value)} />
            <span class="hint">Higher is checked first.</span>
          </label>
        </div>
        <div class="grid-3">
          <label class="field">
            <span class="label">Id</span>
            <input class="mono" value={effectiveId} disabled={!!policy} placeholder="block-destructive-shell"
                   onInput={(e) => { setIdTouched(true); setId(e.currentTarget.value); }} />
          </label>
          <label class="field span-2">
            <span class="label">Scope</span>
            <select value={sessionId} disabled={!!policy} onChange={(e) => setSessionId(e.currentTarget.value)}>
              <option value="">Global — every session</option>
              {sessions.map((s) => <option key={s.id} value={s.id}>Session {sessionName(s)} ({shortId(s.id)})</option>)}
              {policy?.sessionId && !sessions.some((s) => s.id === policy.sessionId) && <option value={policy.sessionId}>Session {shortId(policy.sessionId)}</option>}
            </select>
          </label>
        </div>
        <label class="field">
          <span class="label">Description</span>
          <input value={description} placeholder="What this policy is for" onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <label class="check-row">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <span>Enabled</span>
        </label>

        <div class="row between mt">
          <span class="label">Rules ({rules.length})</span>
          <div class="row gap-sm">
            <Button size="sm" variant="ghost" icon="zap" aria-expanded={testOpen ? 'true' : 'false'} onClick={() => setTestOpen(!testOpen)}>Test</Button>
            <Button size="sm" icon="plus" onClick={addRule}>Add rule</Button>
          </div>
        </div>
        {rules.length === 0 ? (
          <p class="muted small empty-rules">No rules yet. Add a rule to decide what this policy allows, denies or asks about.</p>
        ) : (
          <ol class="rule-editors">
            {rules.map((r, i) => (
              <li key={r.key} class={'rule-editor action-' + r.action}>
                <div class="rule-editor-head">
                  <span class="rule-num">{i + 1}</span>
                  <select aria-label={`Rule ${i + 1} action`} value={r.action} class={'action-select action-' + r.action}
                          onChange={(e) => update(r.key, { action: e.currentTarget.value })}>
                    <option value="allow">Allow</option>
                    <option value="deny">Deny</option>
                    <option value="ask">Ask</option>
                  </select>
                  <input class="mono rule-id" aria-label={`Rule ${i + 1} id`} value={r.id} placeholder="rule id" onInput={(e) => update(r.key, { id: e.currentTarget.value })} />
                  <div class="toolbar-spacer" />
                  <IconButton icon="chevronDown" class="rot-180" label={`Move rule ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)} />
                  <IconButton icon="chevronDown" label={`Move rule ${i + 1} down`} disabled={i === rules.length - 1} onClick={() => move(i, 1)} />
                  <IconButton icon="trash" class="text-red" label={`Delete rule ${i + 1}`} onClick={() => setRules(rules.filter((x) => x.key !== r.key))} />
                </div>
                <div class="grid-2">
                  <div class="field">
                    <span class="label">Tool</span>
                    <PatternInput label={`Rule ${i + 1} tool patterns`} value={r.tool} placeholder="Bash, Read*, {Write,Edit} — Enter to add" onChange={(v) => update(r.key, { tool: v })} />
                  </div>
                  <label class="field">
                    <span class="label">Reason</span>
                    <input aria-label={`Rule ${i + 1} reason`} value={r.reason} placeholder="Shown to the agent and in the audit log" onInput={(e) => update(r.key, { reason: e.currentTarget.value })} />
                  </label>
                </div>
                <div class="field">
                  <span class="label">Arguments</span>
                  {r.args.map((a) => (
                    <div key={a.key} class="arg-row">
                      <input class="mono arg-name" aria-label="Argument name" value={a.name} placeholder="command"
                             onInput={(e) => update(r.key, { args: r.args.map((x) => (x.key === a.key ? { ...x, name: e.currentTarget.value } : x)) })} />
                      <PatternInput label={`Patterns for argument ${a.name || 'name'}`} value={a.patterns} placeholder="rm -rf*  — Enter to add"
                                    onChange={(v) => update(r.key, { args: r.args.map((x) => (x.key === a.key ? { ...x, patterns: v } : x)) })} />
                      <IconButton icon="x" label="Remove argument matcher" onClick={() => update(r.key, { args: r.args.filter((x) => x.key !== a.key) })} />
                    </div>
                  ))}
                  <button type="button" class="link-btn small" onClick={() => update(r.key, { args: [...r.args, { key: draftKey++, name: r.args.length ? '' : 'command', patterns: [] }] })}>
                    + Add argument matcher
                  </button>
                </div>
                <div class="grid-2">
                  <div class="field">
                    <span class="label">Working folder</span>
                    <PatternInput label={`Rule ${i + 1} cwd patterns`} value={r.cwd} placeholder="/home/me/repo/**" onChange={(v) => update(r.key, { cwd: v })} />
                  </div>
                  <div class="field">
                    <span class="label">Session id</span>
                    <PatternInput label={`Rule ${i + 1} session patterns`} value={r.session} placeholder="any session" onChange={(v) => update(r.key, { session: v })} />
                  </div>
                </div>
              </li>
            ))}
          </ol>
        )}
        {testOpen && <RuleTester policy={draftPolicy} />}
        <p class="hint">Patterns are globs: <code>*</code> any text, <code>?</code> one character, <code>{'{a,b}'}</code> either, <code>!pattern</code> excludes. An empty matcher matches anything.</p>
        <button type="submit" class="sr-only" tabIndex={-1}>Save</button>
      </form>
    </Modal>
  );
}

function RuleTester({ policy }: { policy: Policy }) {
  const [req, setReq] = useState<{ tool: string; argName: string; argValue: string; cwd: string; session: string }>(
    { tool: 'Bash', argName: 'command', argValue: 'rm -rf /tmp/x', cwd: '/home/me/project', session: '' });
  const test: TestRequest = { tool: req.tool, args: req.argName ? { [req.argName]: req.argValue } : {}, cwd: req.cwd, session: req.session };
  const result = evaluate([policy], test);
  const set = (k: keyof typeof req) => (e: Event) => setReq({ ...req, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <div class="tester" aria-label="Rule tester">
      <div class="tester-title"><Icon name="zap" size={14} /> Test a request against these rules</div>
      <div class="grid-4">
        <label class="field"><span class="label">Tool</span><input class="mono" value={req.tool} onInput={set('tool')} /></label>
        <label class="field"><span class="label">Argument</span><input class="mono" value={req.argName} onInput={set('argName')} /></label>
        <label class="field span-2"><span class="label">Value</span><input class="mono" value={req.argValue} onInput={set('argValue')} /></label>
      </div>
      <div class="grid-2">
        <label class="field"><span class="label">Folder</span><input class="mono" value={req.cwd} onInput={set('cwd')} /></label>
        <label class="field"><span class="label">Session id</span><input class="mono" value={req.session} onInput={set('session')} /></label>
      </div>
      <div class="tester-result" aria-live="polite">
        {result.rule
          ? <><DecisionChip decision={result.rule.action} /> by rule {result.index! + 1}{result.rule.id ? <code> {result.rule.id}</code> : null}{result.rule.reason ? ` — ${result.rule.reason}` : ''}</>
          : <span class="muted">No rule matches: another policy or the default action decides.</span>}
      </div>
      <div class="hint">A local preview of the daemon's matcher.</div>
    </div>
  );
}

// ---- policy sets ----

function PolicySets({ policies }: { policies: Policy[] }) {
  const [sets, setSets] = useState<PolicySetSummary[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<PolicySetSummary | 'new' | null>(null);
  const [expanded, setExpanded] = useState<string | null>(null);
  const load = () => {
    setError('');
    api.policySets().then((r) => setSets(r.policySets)).catch((e) => setError(e.message));
  };
  useEffect(load, []);
  if (error) return <ErrorBox message={error} onRetry={load} />;

  const setDefault = async (s: PolicySetSummary, isDefault: boolean) => {
    try { await api.updatePolicySet(s.id, { isDefault }); toast.success(isDefault ? `${s.name} is now the default set` : 'Default set removed'); load(); }
    catch (e) { toastError(e); }
  };
  const remove = async (s: PolicySetSummary) => {
    const ok = await confirmAction({
      title: `Delete ${s.name}?`,
      body: `It is removed from ${s.sessionCount} session${s.sessionCount === 1 ? '' : 's'}. Its policies are kept.`,
      confirmLabel: 'Delete set', danger: true,
    });
    if (!ok) return;
    try { await api.deletePolicySet(s.id); toast.success('Policy set deleted'); load(); }
    catch (e) { toastError(e); }
  };

  return (
    <>
      <div class="list-head">
        <span class="muted">Bundles of policies applied to sessions. The default set is applied to every new session.</span>
        <Button variant="primary" icon="plus" onClick={() => setEditing('new')}>New set</Button>
      </div>
      {sets === null ? <SkeletonRows rows={2} height={72} /> : sets.length === 0 ? (
        <div class="card"><Empty icon="layers" title="No policy sets yet">Group policies to apply them to sessions together.</Empty></div>
      ) : (
        <div class="stack">
          {sets.map((s) => (
            <article key={s.id} class="card set-card" aria-label={s.name}>
              <div class="policy-head">
                <button type="button" class="set-expand" aria-expanded={expanded === s.id ? 'true' : 'false'} onClick={() => setExpanded(expanded === s.id ? null : s.id)}>
                  <Icon name="chevronRight" size={16} class={'chev' + (expanded === s.id ? ' open' : '')} />
                  <h3>{s.name}</h3>
                  {s.isDefault && <span class="chip chip-cyan">Default</span>}
                  <span class="muted small">{s.policyCount} polic{s.policyCount === 1 ? 'y' : 'ies'} · {s.sessionCount} session{s.sessionCount === 1 ? '' : 's'}</span>
                </button>
                <div class="policy-actions">
                  <Button size="sm" variant="ghost" onClick={() => setDefault(s, !s.isDefault)}>{s.isDefault ? 'Unset default' : 'Make default'}</Button>
                  <Button size="sm" icon="edit" onClick={() => setEditing(s)} aria-label={`Edit ${s.name}`}>Edit</Button>
                  <Button size="sm" variant="ghost" class="text-red" icon="trash" onClick={() => remove(s)} aria-label={`Delete ${s.name}`}>Delete</Button>
                </div>
              </div>
              {s.description && <p class="policy-desc">{s.description}</p>}
              {expanded === s.id && <SetMembers setId={s.id} policies={policies} onChanged={load} />}
            </article>
          ))}
        </div>
      )}
      {editing && (
        <SetEditor set={editing === 'new' ? null : editing} policies={policies} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); load(); }} />
      )}
    </>
  );
}

function SetMembers({ setId, policies, onChanged }: { setId: string; policies: Policy[]; onChanged: () => void }) {
  const [detail, setDetail] = useState<PolicySetDetail | null>(null);
  const [error, setError] = useState('');
  const load = () => api.policySet(setId).then((r) => setDetail(r.policySet)).catch((e) => setError(e.message));
  useEffect(() => { void load(); }, [setId]);
  if (error) return <ErrorBox message={error} />;
  if (!detail) return <div class="pad"><Spinner /></div>;
  const available = policies.filter((p) => !detail.policies.some((m) => m.id === p.id));
  const add = async (policyId: string) => {
    if (!policyId) return;
    try { await api.addSetMember(setId, policyId); await load(); onChanged(); toast.success('Policy added to the set'); }
    catch (e) { toastError(e); }
  };
  const removeMember = async (policyId: string) => {
    try { await api.removeSetMember(setId, policyId); await load(); onChanged(); toast.success('Policy removed from the set'); }
    catch (e) { toastError(e); }
  };
  return (
    <div class="set-members">
      {detail.policies.length === 0 ? <p class="muted small">This set has no policies yet.</p> : (
        <ul class="member-list">
          {detail.policies.map((p) => (
            <li key={p.id} class="member">
              <div class="row gap-sm wrap">
                <strong>{p.name}</strong>
                <span class="chip chip-gray chip-mono">P {p.priority}</span>
                {!p.enabled && <span class="chip chip-gray">Disabled</span>}
                <div class="toolbar-spacer" />
                <Button size="sm" variant="ghost" icon="x" onClick={() => removeMember(p.id)} aria-label={`Remove ${p.name} from the set`}>Remove</Button>
              </div>
              <RuleSummary rules={p.rules} />
            </li>
          ))}
        </ul>
      )}
      {available.length > 0 && (
        <select aria-label="Add a policy to this set" value="" onChange={(e) => void add(e.currentTarget.value)}>
          <option value="">+ Add a policy…</option>
          {available.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      )}
    </div>
  );
}

function SetEditor({ set, policies, onClose, onSaved }: { set: PolicySetSummary | null; policies: Policy[]; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(set?.name ?? '');
  const [id, setId] = useState(set?.id ?? '');
  const [idTouched, setIdTouched] = useState(!!set);
  const [description, setDescription] = useState(set?.description ?? '');
  const [isDefault, setIsDefault] = useState(set?.isDefault ?? false);
  const [members, setMembers] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const effectiveId = idTouched ? id : slug(name);
  const problem = !name.trim() ? 'Name is required' : !set && !/^[A-Za-z0-9-]+$/.test(effectiveId) ? 'Id may use letters, digits and dashes only' : '';
  const save = async (e?: Event) => {
    e?.preventDefault();
    if (problem) return;
    setBusy(true);
    try {
      if (set) await api.updatePolicySet(set.id, { name: name.trim(), description: description.trim() || null, isDefault });
      else await api.createPolicySet({ id: effectiveId, name: name.trim(), description: description.trim() || null, isDefault, policyIds: members });
      toast.success(set ? 'Policy set updated' : 'Policy set created');
      onSaved();
    } catch (err) { toastError(err); } finally { setBusy(false); }
  };
  return (
    <Modal title={set ? 'Edit policy set' : 'New policy set'} onClose={onClose}
           footer={<><div class="foot-status muted small">{problem}</div><Button onClick={onClose}>Cancel</Button>
             <Button variant="primary" busy={busy} disabled={!!problem} onClick={() => save()}>{set ? 'Save changes' : 'Create set'}</Button></>}>
      <form onSubmit={save} noValidate>
        <label class="field"><span class="label">Name</span><input value={name} data-autofocus onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label class="field"><span class="label">Id</span>
          <input class="mono" value={effectiveId} disabled={!!set} onInput={(e) => { setIdTouched(true); setId(e.currentTarget.value); }} /></label>
        <label class="field"><span class="label">Description</span><input value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></label>
        <label class="check-row"><input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.currentTarget.checked)} />
          <span>Default set — applied to every new session</span></label>
        {!set && policies.length > 0 && (
          <fieldset class="fieldset">
            <legend class="label">Policies</legend>
            {policies.map((p) => (
              <label key={p.id} class="check-row">
                <input type="checkbox" checked={members.includes(p.id)} onChange={(e) => setMembers(e.currentTarget.checked ? [...members, p.id] : members.filter((x) => x !== p.id))} />
                <span>{p.name} <span class="muted small">P {p.priority}</span></span>
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit" class="sr-only" tabIndex={-1}>Save</button>
      </form>
    </Modal>
  );
}

// ---- audit log ----

const AUDIT_PAGE = 50;

/** Who decided a row without a policy: a person's answer to an ask
 *  (agentd's reasons "Allowed/Denied by the user"), else the default action. */
function decidedBy(r: AuditDecision): string {
  return /\bby the user$/.test(r.reason ?? '') ? 'you' : 'default';
}

function VerifyBadge() {
  const [state, setState] = useState<{ ok: boolean; checked: number; firstBrokenId?: number } | 'loading' | 'unavailable'>('loading');
  const run = () => {
    setState('loading');
    api.verifyDecisions().then(setState).catch(() => setState('unavailable'));
  };
  useEffect(run, []);
  return (
    <div class={'verify ' + (state === 'loading' || state === 'unavailable' ? 'verify-wait' : state.ok ? 'verify-ok' : 'verify-bad')} role="status">
      {state === 'loading' ? <><Spinner size={14} /> Verifying the audit chain…</>
        : state === 'unavailable' ? <><Icon name="info" size={16} /> Chain verification is not available</>
        : state.ok ? <><Icon name="lock" size={16} /> Audit chain intact · {state.checked} record{state.checked === 1 ? '' : 's'} verified</>
        : <><Icon name="alert" size={16} /> Audit chain broken{state.firstBrokenId !== undefined ? ` at record #${state.firstBrokenId}` : ''} · {state.checked} checked</>}
      <IconButton icon="refresh" label="Verify again" onClick={run} />
    </div>
  );
}

function AuditLog() {
  const sessions = useStore((s) => s.sessions);
  const [decision, setDecision] = useState('');
  const [sessionId, setSessionId] = useState('');
  const [text, setText] = useState('');
  const [offset, setOffset] = useState(0);
  const [rows, setRows] = useState<AuditDecision[] | null>(null);
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [error, setError] = useState('');
  const load = () => {
    setError('');
    setRows(null);
    api.decisions({ limit: AUDIT_PAGE, offset, decision: decision || undefined, sessionId: sessionId || undefined })
      .then((r) => { setRows(r.decisions); setTotal(r.total); })
      .catch((e) => setError(e.message));
  };
  useEffect(load, [decision, sessionId, offset]);
  const byId = useMemo(() => new Map(sessions.map((s) => [s.id, s])), [sessions]);
  const needle = text.trim().toLowerCase();
  const shown = (rows ?? []).filter((r) => !needle || [r.toolName, r.reason ?? '', r.policyId ?? '', JSON.stringify(r.args ?? '')]
    .some((v) => v.toLowerCase().includes(needle)));
  const hasNext = total !== undefined ? offset + AUDIT_PAGE < total : (rows?.length ?? 0) === AUDIT_PAGE;

  return (
    <>
      <VerifyBadge />
      <div class="filters">
        <label class="search-box">
          <Icon name="search" size={16} />
          <input type="search" placeholder="Tool, command, reason…" aria-label="Search this page of the audit log" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <select aria-label="Filter by decision" value={decision} onChange={(e) => { setOffset(0); setDecision(e.currentTarget.value); }}>
          <option value="">All decisions</option>
          <option value="allow">Allow</option>
          <option value="deny">Deny</option>
          <option value="ask">Ask</option>
        </select>
        <select aria-label="Filter by session" value={sessionId} onChange={(e) => { setOffset(0); setSessionId(e.currentTarget.value); }}>
          <option value="">All sessions</option>
          {sessions.map((s) => <option key={s.id} value={s.id}>{sessionName(s)} ({shortId(s.id)})</option>)}
        </select>
        <IconButton icon="refresh" label="Reload" onClick={load} />
      </div>
      <div class="card card-flush">
        {error ? <div class="pad"><ErrorBox message={error} onRetry={load} /></div>
          : rows === null ? <SkeletonRows rows={6} height={44} />
          : shown.length === 0 ? <Empty icon="scale" title={rows.length ? 'Nothing on this page matches' : 'No decisions recorded'}>
              Every permission request answered by a policy, by you or by the default action is recorded here.</Empty>
          : (
            <div class="table-scroll">
              <table class="table audit-table">
                <thead><tr>
                  <th scope="col">Decision</th><th scope="col">Tool</th><th scope="col">Request</th><th scope="col">Session</th>
                  <th scope="col">Policy</th><th scope="col">Reason</th><th scope="col">Time</th>
                </tr></thead>
                <tbody>
                  {shown.map((r) => {
                    const s = byId.get(r.sessionId);
                    const req = describeToolInput(r.args);
                    return (
                      <tr key={r.id}>
                        <td><DecisionChip decision={r.decision} /></td>
                        <td class="mono nowrap">{r.toolName}</td>
                        <td class="cell-request"><code class="truncate-2" title={req}>{req || '—'}</code></td>
                        <td class="nowrap">
                          <Link href={r.eventId !== undefined ? `/sessions/${r.sessionId}/events` : `/sessions/${r.sessionId}`} class="link">
                            {s ? sessionName(s) : shortId(r.sessionId)}
                          </Link>
                        </td>
                        <td class="mono small nowrap">{r.policyId ?? <span class="muted">{decidedBy(r)}</span>}</td>
                        <td class="small">{r.reason ?? ''}</td>
                        <td class="muted small nowrap" title={absoluteTime(r.timestamp)}>{relativeTime(r.timestamp)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
      </div>
      <div class="pager">
        <span class="muted small">
          {rows && rows.length > 0 ? `${offset + 1}–${offset + rows.length}${total !== undefined ? ` of ${total}` : ''}` : ''}
        </span>
        <Button size="sm" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - AUDIT_PAGE))}>Newer</Button>
        <Button size="sm" disabled={!hasNext} onClick={() => setOffset(offset + AUDIT_PAGE)}>Older</Button>
      </div>
    </>
  );
}
