// New-session dialog: provider cards with their capabilities, new or resume by
// provider session id, the folder typed or picked from a workspace (validated
// live), git worktree with branch checks, env sets, name/model/first prompt,
// extra args and dangerous mode. The Create button sits in a sticky footer.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { EnvSet, Provider, ValidateGitResult, ValidateResult, Workspace } from '../types';
import { Button, Modal, Spinner, Toggle, toast, toastError, useDebounced } from '../ui';
import { Icon } from '../icons';
import { navigate } from '../router';
import { upsertSession } from '../store';
import { quoteArg, splitArgs } from '../format';

const RECENT_KEY = 'codepiper.recentDirs';

function recentDirs(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string').slice(0, 6) : [];
  } catch { return []; }
}

function rememberDir(dir: string) {
  const list = [dir, ...recentDirs().filter((d) => d !== dir)].slice(0, 6);
  try { localStorage.setItem(RECENT_KEY, JSON.stringify(list)); } catch { /* ignore */ }
}

function capabilityChips(p: Provider): { label: string; good: boolean; title: string }[] {
  const c = p.capabilities;
  return [
    c.nativeHooks
      ? { label: 'Native hooks', good: true, title: 'Tool calls are reported to CodePiper as they happen' }
      : { label: 'No native hooks', good: false, title: 'The CLI has no hook channel' },
    c.policyChannel === 'native-hooks'
      ? { label: 'Hook policies', good: true, title: 'Policies answer permission requests' }
      : c.policyChannel === 'input-preflight'
        ? { label: 'Input preflight policies', good: true, title: 'Policies check what is typed into the agent' }
        : { label: 'No policies', good: false, title: 'Policies do not apply' },
    c.metricsChannel === 'transcript'
      ? { label: 'Transcript metrics', good: true, title: 'Tokens and cost come from the transcript' }
      : { label: c.metricsChannel === 'pty' ? 'PTY metrics' : 'No metrics', good: false, title: 'Token metrics are limited' },
    ...(c.supportsModelSwitch ? [{ label: 'Model switch', good: true, title: 'The model can be changed while running' }] : []),
  ];
}

function Section({ title, icon, open, onToggle, summary, children }:
  { title: string; icon: 'branch' | 'key' | 'settings'; open: boolean; onToggle: () => void; summary?: string; children: preact.ComponentChildren }) {
  const id = 'sec-' + title.replace(/\W+/g, '-').toLowerCase();
  return (
    <div class={'collapsible' + (open ? ' open' : '')}>
      <button type="button" class="collapsible-head" aria-expanded={open ? 'true' : 'false'} aria-controls={id} onClick={onToggle}>
        <Icon name={icon} size={16} />
        <span class="collapsible-title">{title}</span>
        {summary && <span class="muted small collapsible-summary">{summary}</span>}
        <Icon name="chevronDown" size={16} class="chev" />
      </button>
      {open && <div class="collapsible-body" id={id}>{children}</div>}
    </div>
  );
}

export default function NewSessionDialog({ onClose }: { onClose: () => void }) {
  const [providers, setProviders] = useState<Provider[] | null>(null);
  const [workspaces, setWorkspaces] = useState<Workspace[]>([]);
  const [envSets, setEnvSets] = useState<EnvSet[] | null>(null);
  const [provider, setProvider] = useState('');
  const [mode, setMode] = useState<'new' | 'resume'>('new');
  const [resumeId, setResumeId] = useState('');
  const [strategy, setStrategy] = useState<'resume' | 'fork'>('resume');
  const [cwdMode, setCwdMode] = useState<'path' | 'workspace'>('path');
  const [cwd, setCwd] = useState(() => recentDirs()[0] ?? '');
  const [workspaceId, setWorkspaceId] = useState('');
  const [name, setName] = useState('');
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('');
  const [useWorktree, setUseWorktree] = useState(false);
  const [branch, setBranch] = useState('');
  const [createBranch, setCreateBranch] = useState(true);
  const [startPoint, setStartPoint] = useState('');
  const [selectedEnv, setSelectedEnv] = useState<string[]>([]);
  const [argsLine, setArgsLine] = useState('');
  const [billing, setBilling] = useState<'subscription' | 'api'>('subscription');
  const [dangerous, setDangerous] = useState(false);
  const [open, setOpen] = useState({ worktree: false, env: false, advanced: false });
  const [validation, setValidation] = useState<ValidateResult | null>(null);
  const [validating, setValidating] = useState(false);
  const [gitCheck, setGitCheck] = useState<ValidateGitResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const recent = useMemo(recentDirs, []);

  useEffect(() => {
    api.providers().then(({ providers: list }) => {
      setProviders(list);
      setProvider((p) => p || list[0]?.id || '');
    }).catch((e) => { toastError(e); setProviders([]); });
    api.workspaces().then(({ workspaces: w }) => setWorkspaces(w ?? [])).catch(() => {});
    api.envSets().then(({ envSets: e }) => setEnvSets(e ?? [])).catch(() => setEnvSets([]));
  }, []);

  const effectiveCwd = cwdMode === 'workspace' ? (workspaces.find((w) => w.id === workspaceId)?.path ?? '') : cwd.trim();
  const debouncedCwd = useDebounced(effectiveCwd, 350);

  useEffect(() => {
    setValidation(null);
    if (!debouncedCwd || !debouncedCwd.startsWith('/')) { setValidating(false); return; }
    const ctl = new AbortController();
    setValidating(true);
    api.validate(debouncedCwd, ctl.signal)
      .then((v) => { setValidation(v); setValidating(false); })
      .catch((e) => { if (e.name !== 'AbortError') { setValidating(false); setValidation({ valid: false, directoryExists: false, isGitRepo: false, errors: [e.message], warnings: [] }); } });
    return () => ctl.abort();
  }, [debouncedCwd]);

  const isGit = !!validation?.isGitRepo;
  const debouncedBranch = useDebounced(branch.trim(), 350);
  useEffect(() => {
    setGitCheck(null);
    if (!useWorktree || !isGit || !debouncedBranch) return;
    const ctl = new AbortController();
    api.validateGit(debouncedCwd, debouncedBranch, createBranch, ctl.signal)
      .then(setGitCheck).catch((e) => { if (e.name !== 'AbortError') setGitCheck({ valid: false, errors: [e.message], warnings: [], branchExists: false, branchCheckedOut: false, uncommittedChanges: false }); });
    return () => ctl.abort();
  }, [useWorktree, isGit, debouncedBranch, createBranch, debouncedCwd]);

  const prov = providers?.find((p) => p.id === provider);
  const parsed = splitArgs(argsLine);
  const args = [
    ...(model.trim() ? ['--model', model.trim()] : []),
    ...parsed.args,
    ...(mode === 'new' && prompt.trim() ? [prompt.trim()] : []),
  ];

  const preview = useMemo(() => {
    if (!prov) return '';
    const bin = prov.id === 'claude-code' ? 'claude' : prov.id;
    const parts: string[] = [bin];
    const dflags = dangerous ? prov.launchHints?.dangerousModeFlags ?? [] : [];
    if (mode === 'resume') {
      const tpl = prov.launchHints?.resumeCommands?.[strategy];
      if (tpl) {
        const [head, ...rest] = tpl.replace('{id}', resumeId.trim() || '<id>').split(' ');
        parts.splice(0, 1, head, ...dflags, ...args.map(quoteArg), ...rest);
        return parts.join(' ');
      }
    }
    return [...parts, ...dflags, ...args.map(quoteArg)].join(' ');
  }, [prov, dangerous, mode, strategy, resumeId, args.join('\u0000')]);

  const cwdError = effectiveCwd && !effectiveCwd.startsWith('/') ? 'Use an absolute path (starting with /)' : '';
  const blockers: string[] = [];
  if (!prov) blockers.push('Choose a provider');
  if (!effectiveCwd) blockers.push('Choose a folder');
  else if (cwdError) blockers.push(cwdError);
  else if (validation && !validation.valid) blockers.push(validation.errors[0] ?? 'Folder is not valid');
  if (mode === 'resume' && !resumeId.trim()) blockers.push('Enter the provider session id to resume');
  if (useWorktree && !branch.trim()) blockers.push('Enter a branch for the worktree');
  if (useWorktree && gitCheck && !gitCheck.valid) blockers.push(gitCheck.errors[0] ?? 'Branch is not valid');
  if (parsed.error) blockers.push(parsed.error + ' in extra arguments');

  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (blockers.length || busy) { setError(blockers[0] ?? ''); return; }
    setBusy(true);
    setError('');
    const body: Record<string, unknown> = { provider, cwd: effectiveCwd, args, billingMode: billing };
    if (dangerous) body.dangerousMode = true;
    if (selectedEnv.length) body.envSetIds = selectedEnv;
    if (name.trim()) body.name = name.trim();
    if (useWorktree) body.worktree = { branch: branch.trim(), createBranch, ...(startPoint.trim() ? { startPoint: startPoint.trim() } : {}) };
    if (mode === 'resume') body.providerResume = { providerSessionId: resumeId.trim(), mode: strategy };
    if (cwdMode === 'workspace' && workspaceId) body.workspaceId = workspaceId;
    try {
      let { session } = await api.createSession(body);
      if (name.trim() && session.metadata?.ui?.customName !== name.trim()) {
        try { session = (await api.rename(session.id, name.trim())).session ?? session; }
        catch (err) { toast.error(`Created, but the name was not saved: ${(err as Error).message}`); }
      }
      upsertSession(session);
      if (cwdMode === 'path') rememberDir(effectiveCwd);
      toast.success('Session created');
      navigate(`/sessions/${session.id}`, true);
    } catch (err) {
      setError((err as Error).message);
      toastError(err);
    } finally {
      setBusy(false);
    }
  };

  const firstField = useRef<HTMLInputElement>(null);

  return (
    <Modal
      title="New session"
      subtitle="Start an agent in its own terminal"
      onClose={onClose}
      wide
      footer={
        <>
          <div class="foot-status muted small" aria-live="polite">
            {error ? <span class="text-red">{error}</span> : blockers[0] ?? (validating ? 'Checking folder…' : 'Ready to start')}
          </div>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" icon="play" busy={busy} disabled={blockers.length > 0 || validating} onClick={() => submit()}>
            Create session
          </Button>
        </>
      }
    >
      <form class="new-session" onSubmit={submit} noValidate>
        <fieldset class="fieldset">
          <legend class="label">Provider</legend>
          {!providers ? (
            <div class="provider-grid"><div class="skeleton" style={{ height: 112 }} /><div class="skeleton" style={{ height: 112 }} /></div>
          ) : providers.length === 0 ? (
            <p class="text-red small">No providers available from the daemon.</p>
          ) : (
            <div class="provider-grid" role="radiogroup" aria-label="Provider">
              {providers.map((p, i) => (
                <label key={p.id} class={'provider-card' + (p.id === provider ? ' selected' : '')}>
                  <input type="radio" name="provider" value={p.id} checked={p.id === provider}
                         onChange={() => setProvider(p.id)} class="sr-only" />
                  <div class="provider-head">
                    <span class={'provider-logo ' + (p.id === 'claude-code' ? 'orange' : 'sky')} aria-hidden="true">{p.id === 'claude-code' ? 'CC' : p.label.slice(0, 2)}</span>
                    <span class="provider-name">{p.label}</span>
                    {i === 0 && <span class="chip chip-cyan">Recommended</span>}
                    <span class="chip chip-gray chip-mono">{p.runtime}</span>
                  </div>
                  <div class="cap-chips">
                    {capabilityChips(p).map((c) => (
                      <span key={c.label} class={'cap ' + (c.good ? 'cap-good' : 'cap-limited')} title={c.title}>
                        <Icon name={c.good ? 'check' : 'info'} size={12} />{c.label}
                      </span>
                    ))}
                  </div>
                </label>
              ))}
            </div>
          )}
        </fieldset>

        <div class="field">
          <span class="label" id="mode-label">Session</span>
          <div class="segmented" role="radiogroup" aria-labelledby="mode-label">
            <button type="button" role="radio" aria-checked={mode === 'new' ? 'true' : 'false'} class={mode === 'new' ? 'active' : ''} onClick={() => setMode('new')}>New conversation</button>
            <button type="button" role="radio" aria-checked={mode === 'resume' ? 'true' : 'false'} class={mode === 'resume' ? 'active' : ''} onClick={() => setMode('resume')}>Resume by ID</button>
          </div>
        </div>
        {mode === 'resume' && (
          <div class="grid-2">
            <label class="field">
              <span class="label">Provider session ID</span>
              <input class="mono" value={resumeId} placeholder={prov?.launchHints?.resumeCommands?.idPlaceholder ?? 'session id'}
                     onInput={(e) => setResumeId(e.currentTarget.value)} />
            </label>
            <label class="field">
              <span class="label">Strategy</span>
              <select value={strategy} onChange={(e) => setStrategy(e.currentTarget.value as 'resume' | 'fork')}>
                <option value="resume">Resume (continue the conversation)</option>
                <option value="fork">Fork (new conversation from it)</option>
              </select>
            </label>
          </div>
        )}

        <div class="field">
          <div class="row between">
            <span class="label" id="cwd-label">Working folder</span>
            <div class="segmented segmented-sm" role="radiogroup" aria-labelledby="cwd-label">
              <button type="button" role="radio" aria-checked={cwdMode === 'path' ? 'true' : 'false'} class={cwdMode === 'path' ? 'active' : ''} onClick={() => setCwdMode('path')}>Type a path</button>
              <button type="button" role="radio" aria-checked={cwdMode === 'workspace' ? 'true' : 'false'} class={cwdMode === 'workspace' ? 'active' : ''} onClick={() => setCwdMode('workspace')}>Workspace</button>
            </div>
          </div>
          {cwdMode === 'path' ? (
            <>
              <input ref={firstField} data-autofocus class="mono" value={cwd} placeholder="/home/you/project" aria-labelledby="cwd-label"
                     aria-describedby="cwd-status" spellcheck={false} autocomplete="off"
                     onInput={(e) => setCwd(e.currentTarget.value)} />
              {recent.length > 0 && (
                <div class="chip-row" aria-label="Recent folders">
                  <span class="muted small">Recent:</span>
                  {recent.map((d) => (
                    <button key={d} type="button" class={'chip-btn mono' + (d === cwd ? ' active' : '')} onClick={() => setCwd(d)} title={d}>
                      {d.split('/').filter(Boolean).slice(-2).join('/') || d}
                    </button>
                  ))}
                </div>
              )}
            </>
          ) : workspaces.length === 0 ? (
            <p class="muted small">No workspaces saved yet. Type a path instead, or add workspaces in Settings.</p>
          ) : (
            <select value={workspaceId} aria-labelledby="cwd-label" aria-describedby="cwd-status" onChange={(e) => setWorkspaceId(e.currentTarget.value)}>
              <option value="">Choose a workspace…</option>
              {workspaces.map((w) => <option key={w.id} value={w.id}>{w.name} — {w.path}</option>)}
            </select>
          )}
          <div id="cwd-status" class="validation" aria-live="polite">
            {cwdError ? <span class="v-bad"><Icon name="x" size={14} />{cwdError}</span>
              : validating ? <span class="muted"><Spinner size={12} /> Checking folder…</span>
              : validation ? (
                <>
                  {validation.errors.map((e) => <span key={e} class="v-bad"><Icon name="x" size={14} />{e}</span>)}
                  {validation.valid && (
                    <span class="v-good"><Icon name="check" size={14} />
                      {validation.isGitRepo ? `Folder OK · git repository${validation.gitInfo ? ` on ${validation.gitInfo.currentBranch}` : ''}` : 'Folder OK (not a git repository)'}
                    </span>
                  )}
                  {validation.warnings.map((w) => <span key={w} class="v-warn"><Icon name="alert" size={14} />{w}</span>)}
                </>
              ) : <span class="muted">&nbsp;</span>}
          </div>
        </div>

        <div class="grid-2">
          <label class="field">
            <span class="label">Name <span class="muted">(optional)</span></span>
            <input value={name} maxLength={80} placeholder="e.g. refactor-math" onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span class="label">Model <span class="muted">(optional)</span></span>
            <input class="mono" value={model} placeholder={provider === 'codex' ? 'e.g. o3' : 'e.g. opus, sonnet'} onInput={(e) => setModel(e.currentTarget.value)} />
          </label>
        </div>
        {mode === 'new' && (
          <label class="field">
            <span class="label">First prompt <span class="muted">(optional)</span></span>
            <textarea rows={2} value={prompt} placeholder="What should the agent start with?" onInput={(e) => setPrompt(e.currentTarget.value)} />
          </label>
        )}

        <Section title="Git worktree" icon="branch" open={open.worktree} onToggle={() => setOpen({ ...open, worktree: !open.worktree })}
                 summary={useWorktree ? `on ${branch || '…'}` : isGit ? validation?.gitInfo?.currentBranch : 'needs a git folder'}>
          <label class="check-row">
            <input type="checkbox" checked={useWorktree} disabled={!isGit} onChange={(e) => setUseWorktree(e.currentTarget.checked)} />
            <span>Work in a separate git worktree (an isolated checkout on its own branch)</span>
          </label>
          {!isGit && <p class="muted small">Pick a folder inside a git repository to use a worktree.</p>}
          {useWorktree && (
            <>
              <div class="grid-2">
                <label class="field">
                  <span class="label">Branch</span>
                  <input class="mono" value={branch} list="branch-list" placeholder="feature/my-change" onInput={(e) => setBranch(e.currentTarget.value)} />
                  <datalist id="branch-list">{validation?.gitInfo?.branches.map((b) => <option key={b} value={b} />)}</datalist>
                </label>
                <label class="field">
                  <span class="label">Start from <span class="muted">(optional)</span></span>
                  <input class="mono" value={startPoint} disabled={!createBranch} placeholder="HEAD" onInput={(e) => setStartPoint(e.currentTarget.value)} />
                </label>
              </div>
              <label class="check-row">
                <input type="checkbox" checked={createBranch} onChange={(e) => setCreateBranch(e.currentTarget.checked)} />
                <span>Create this branch</span>
              </label>
              <div class="validation" aria-live="polite">
                {gitCheck?.errors.map((e) => <span key={e} class="v-bad"><Icon name="x" size={14} />{e}</span>)}
                {gitCheck?.valid && <span class="v-good"><Icon name="check" size={14} />{createBranch ? 'New branch will be created' : 'Branch is free to check out'}</span>}
                {gitCheck?.warnings.map((w) => <span key={w} class="v-warn"><Icon name="alert" size={14} />{w}</span>)}
              </div>
            </>
          )}
        </Section>

        <Section title="Environment sets" icon="key" open={open.env} onToggle={() => setOpen({ ...open, env: !open.env })}
                 summary={selectedEnv.length ? `${selectedEnv.length} selected` : envSets?.length ? `${envSets.length} available` : 'none'}>
          {envSets === null ? <Spinner /> : envSets.length === 0 ? (
            <p class="muted small">No environment sets yet. Create them in Settings → Env Sets.</p>
          ) : (
            <div class="env-list">
              {envSets.map((s) => (
                <label key={s.id} class="check-row env-row">
                  <input type="checkbox" checked={selectedEnv.includes(s.id)}
                         onChange={(e) => setSelectedEnv(e.currentTarget.checked ? [...selectedEnv, s.id] : selectedEnv.filter((x) => x !== s.id))} />
                  <span><strong>{s.name}</strong> <span class="muted small">{s.varCount} variable{s.varCount === 1 ? '' : 's'}{s.description ? ` · ${s.description}` : ''}</span></span>
                </label>
              ))}
            </div>
          )}
        </Section>

        <Section title="Advanced" icon="settings" open={open.advanced || dangerous} onToggle={() => setOpen({ ...open, advanced: !open.advanced })}
                 summary={dangerous ? 'dangerous mode on' : parsed.args.length ? `${parsed.args.length} extra args` : undefined}>
          <label class="field">
            <span class="label">Extra arguments</span>
            <input class="mono" value={argsLine} placeholder={`--verbose "quoted value"`} spellcheck={false} onInput={(e) => setArgsLine(e.currentTarget.value)} />
            <span class="hint">Split like a shell: quotes group words, backslash escapes.</span>
          </label>
          <label class="field">
            <span class="label">Billing</span>
            <select value={billing} onChange={(e) => setBilling(e.currentTarget.value as 'subscription' | 'api')}>
              <option value="subscription">Subscription (no API key passed to the agent)</option>
              <option value="api">API key (ANTHROPIC_API_KEY from the daemon or an env set)</option>
            </select>
          </label>
          {prov?.capabilities.supportsDangerousMode && (
            <div class={'danger-box' + (dangerous ? ' on' : '')}>
              <div class="row between">
                <div>
                  <div class="danger-title"><Icon name="alert" size={16} /> Dangerous mode</div>
                  <div class="small">The agent runs every tool without asking, and CodePiper's policies are bypassed.</div>
                </div>
                <Toggle checked={dangerous} onChange={setDangerous} label="Dangerous mode" />
              </div>
              {dangerous && (
                <p class="small danger-warn" role="alert">
                  Only use this in a disposable folder or container: the agent can delete files, run any command and push code with no confirmation.
                </p>
              )}
            </div>
          )}
          <div class="field">
            <span class="label">Command preview</span>
            <pre class="preview mono">{preview || '—'}</pre>
          </div>
        </Section>
        <button type="submit" class="sr-only" tabIndex={-1}>Create</button>
      </form>
    </Modal>
  );
}
