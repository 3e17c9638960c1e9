// Sign-in and first-run onboarding, driven by GET /api/auth/status
// (spec/auth.md §5-6):
//   S0 setupRequired        -> create a password (POST /auth/setup) -> MFA
//   S1 onboardingPending    -> bootstrap password (POST /auth/login -> 401 mfaSetupRequired)
//                              [-> new password when the server asks for one] -> MFA
//   S1 with onboarding cookie (mfaSetupRequired) -> MFA
//   MFA: POST /auth/mfa/setup (QR + key) -> POST /auth/mfa/verify -> recovery codes once
//   S2 mfaEnabled           -> password + authenticator or recovery code, one screen
// No WebSocket is opened before sign-in.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { AuthStatus } from '../types';
import { Button, CopyButton, Spinner, copyText, toast } from '../ui';
import { Icon, Logo } from '../icons';
import { setTheme, useStore } from '../store';

type Step =
  | { kind: 'create' }
  | { kind: 'bootstrap' }
  | { kind: 'newPassword' }
  | { kind: 'mfa' }
  | { kind: 'recovery'; codes: string[] }
  | { kind: 'signin' };

function initialStep(s: AuthStatus): Step {
  if (s.setupRequired) return { kind: 'create' };
  if (s.mfaSetupRequired) return { kind: 'mfa' };
  if (s.onboardingPending) return { kind: 'bootstrap' };
  return { kind: 'signin' };
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const m = Math.ceil(seconds / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.ceil(m / 60);
  return `${h} hour${h === 1 ? '' : 's'}`;
}

/** Lock-out after too many attempts: counts down from the server's retryAfter. */
function useLockout() {
  const [until, setUntil] = useState<number | null>(null);
  const [, tick] = useState(0);
  useEffect(() => {
    if (until === null) return;
    const t = setInterval(() => {
      if (Date.now() >= until) setUntil(null);
      tick((x) => x + 1);
    }, 1000);
    return () => clearInterval(t);
  }, [until]);
  const left = until === null ? 0 : Math.max(0, Math.ceil((until - Date.now()) / 1000));
  return {
    locked: left > 0,
    message: left > 0
      ? `Too many sign-in attempts. Try again in ${formatWait(left)} (at ${new Date(until!).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}).`
      : '',
    lock: (seconds: number) => setUntil(Date.now() + Math.max(1, seconds) * 1000),
  };
}

function retryAfterOf(e: ApiError): number {
  const n = Number(e.body?.retryAfter);
  return Number.isFinite(n) && n > 0 ? n : 60;
}

export function Login({ status, onDone }: { status: AuthStatus; onDone: () => void }) {
  const [step, setStep] = useState<Step>(() => initialStep(status));
  const theme = useStore((s) => s.theme);
  const total = status.setupRequired || status.onboardingPending || status.mfaSetupRequired ? 3 : 0;
  const stepIndex = step.kind === 'mfa' ? 2 : step.kind === 'recovery' ? 3 : 1;

  return (
    <div class="auth-page">
      <button
        type="button"
        class="icon-btn auth-theme"
        aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        title={theme === 'dark' ? 'Light theme' : 'Dark theme'}
        onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
      >
        <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
      </button>
      <main class={'auth-card' + (step.kind === 'mfa' || step.kind === 'recovery' ? ' auth-card-wide' : '')}>
        <div class="auth-brand">
          <Logo size={40} />
          <div>
            <div class="auth-name">CodePiper</div>
            <div class="muted small">Agent control room</div>
          </div>
        </div>
        {total > 0 && step.kind !== 'signin' && (
          <ol class="steps" aria-label="Set-up progress">
            {['Password', 'Authenticator', 'Recovery codes'].map((label, i) => (
              <li key={label} class={i + 1 < stepIndex ? 'done' : i + 1 === stepIndex ? 'current' : ''}
                  aria-current={i + 1 === stepIndex ? 'step' : undefined}>
                <span class="step-num">{i + 1 < stepIndex ? <Icon name="check" size={12} /> : i + 1}</span>
                <span>{label}</span>
              </li>
            ))}
          </ol>
        )}
        {step.kind === 'create' && <CreatePassword onNext={() => setStep({ kind: 'mfa' })} />}
        {step.kind === 'bootstrap' && (
          <BootstrapSignIn
            onNext={(changePassword) => setStep(changePassword ? { kind: 'newPassword' } : { kind: 'mfa' })}
            onSignedIn={onDone}
          />
        )}
        {step.kind === 'newPassword' && <CreatePassword replacing onNext={() => setStep({ kind: 'mfa' })} />}
        {step.kind === 'mfa' && (
          <MfaSetup
            onNext={(codes) => setStep({ kind: 'recovery', codes })}
            onExpired={() => setStep({ kind: 'bootstrap' })}
          />
        )}
        {step.kind === 'recovery' && <RecoveryCodes codes={step.codes} onDone={onDone} />}
        {step.kind === 'signin' && (
          <SignIn mfa={status.mfaEnabled} onDone={onDone} onOnboarding={() => setStep({ kind: 'mfa' })} />
        )}
      </main>
    </div>
  );
}

function FieldError({ id, text }: { id: string; text: string }) {
  return (
    <div id={id} class="form-error" role="alert" aria-live="assertive">
      {text && <><Icon name="alert" size={14} /> <span>{text}</span></>}
    </div>
  );
}

function CreatePassword({ onNext, replacing }: { onNext: () => void; replacing?: boolean }) {
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (pw.length < 8) { setError('Password must be at least 8 characters'); return; }
    if (pw !== pw2) { setError('The two passwords do not match'); return; }
    setBusy(true);
    setError('');
    try {
      await api.setup(pw);
      onNext();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <h1 class="auth-title">{replacing ? 'Choose your password' : 'Create your password'}</h1>
      <p class="muted">
        {replacing
          ? 'Replace the generated bootstrap password with one of your own.'
          : 'This password protects the dashboard. Two-factor authentication comes next.'}
      </p>
      <label class="field">
        <span class="label">New password</span>
        <input type="password" autocomplete="new-password" value={pw} autofocus minLength={8}
               aria-describedby="pw-hint pw-err" onInput={(e) => setPw(e.currentTarget.value)} />
        <span id="pw-hint" class="hint">At least 8 characters.</span>
      </label>
      <label class="field">
        <span class="label">Confirm password</span>
        <input type="password" autocomplete="new-password" value={pw2} aria-describedby="pw-err"
               onInput={(e) => setPw2(e.currentTarget.value)} />
      </label>
      <FieldError id="pw-err" text={error} />
      <Button type="submit" variant="primary" class="btn-block" busy={busy}>Continue</Button>
    </form>
  );
}

function BootstrapSignIn({ onNext, onSignedIn }: { onNext: (changePassword: boolean) => void; onSignedIn: () => void }) {
  const [pw, setPw] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const lockout = useLockout();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!pw) { setError('Enter the bootstrap password'); return; }
    setBusy(true);
    setError('');
    try {
      await api.login(pw);
      onSignedIn(); // a server without mandatory MFA signs us straight in
    } catch (err) {
      const ae = err as ApiError;
      if (ae.status === 401 && ae.body?.mfaSetupRequired) {
        onNext(!!(ae.body.passwordChangeRequired || ae.body.setupRequired));
      } else if (ae.status === 429) {
        lockout.lock(retryAfterOf(ae));
      } else {
        setError(ae.message);
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <h1 class="auth-title">Welcome to CodePiper</h1>
      <p class="muted">
        Sign in with the bootstrap password the daemon printed when it started. Lost it? Run{' '}
        <code>codepiper auth reset-password --generate</code> on the host.
      </p>
      <label class="field">
        <span class="label">Bootstrap password</span>
        <input type="password" autocomplete="current-password" value={pw} autofocus aria-describedby="bs-err"
               onInput={(e) => setPw(e.currentTarget.value)} />
      </label>
      <FieldError id="bs-err" text={lockout.message || error} />
      <Button type="submit" variant="primary" class="btn-block" busy={busy} disabled={lockout.locked}>Continue</Button>
    </form>
  );
}

function CodeInput({ value, onChange, onComplete, label, recovery, id, describedBy }:
  { value: string; onChange: (v: string) => void; onComplete?: (v: string) => void; label: string;
    recovery?: boolean; id: string; describedBy?: string }) {
  return (
    <label class="field" for={id}>
      <span class="label">{label}</span>
      <input
        id={id}
        class="code-input"
        inputMode={recovery ? 'text' : 'numeric'}
        autocomplete="one-time-code"
        placeholder={recovery ? 'xxxx-xxxx' : '123456'}
        maxLength={recovery ? 12 : 6}
        value={value}
        aria-describedby={describedBy}
        onInput={(e) => {
          const raw = e.currentTarget.value;
          const v = recovery ? raw.trim() : raw.replace(/\D/g, '').slice(0, 6);
          if (v !== raw) e.currentTarget.value = v;
          onChange(v);
          if (!recovery && v.length === 6) onComplete?.(v);
        }}
      />
    </label>
  );
}

function MfaSetup({ onNext, onExpired }: { onNext: (codes: string[]) => void; onExpired: () => void }) {
  const [data, setData] = useState<{ secret: string; otpauthUri: string; qrDataUrl: string | null } | null>(null);
  const [loadError, setLoadError] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const started = useRef(false);
  const load = () => {
    setLoadError('');
    api.mfaSetup().then(setData).catch((e: ApiError) => {
      if (e.status === 401) onExpired();
      else setLoadError(e.message);
    });
  };
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    load();
  }, []);
  const verify = async (c = code) => {
    if (busy) return;
    if (!/^\d{6}$/.test(c)) { setError('Enter the 6-digit code from your authenticator app'); return; }
    setBusy(true);
    setError('');
    try {
      const res = await api.mfaVerify(c);
      onNext(res.recoveryCodes ?? []);
    } catch (e) {
      setError((e as Error).message);
      setCode('');
    } finally {
      setBusy(false);
    }
  };
  const grouped = data?.secret.replace(/(.{4})/g, '$1 ').trim();
  return (
    <form onSubmit={(e) => { e.preventDefault(); void verify(); }} noValidate>
      <h1 class="auth-title">Set up two-factor authentication</h1>
      <p class="muted">Scan the code with an authenticator app (1Password, Authy, Google Authenticator…), then enter the 6-digit code it shows.</p>
      <div class="mfa-grid">
        <div class="qr-box">
          {data?.qrDataUrl ? (
            <img src={data.qrDataUrl} width={184} height={184} alt="QR code for your authenticator app" />
          ) : data ? (
            <div class="qr-missing"><Icon name="key" size={22} /><span>No QR code: use the setup key</span></div>
          ) : loadError ? (
            <div class="qr-missing"><Icon name="alert" size={22} /><span>{loadError}</span>
              <Button size="sm" onClick={load} icon="refresh">Retry</Button></div>
          ) : (
            <Spinner size={24} />
          )}
        </div>
        <div class="mfa-side">
          <div class="label">Setup key</div>
          <div class="secret-box">
            {data ? <code class="secret" aria-label="Setup key">{grouped}</code> : <span class="skeleton" style={{ height: 20, width: '100%' }} />}
          </div>
          {data && (
            <div class="row gap-sm wrap">
              <CopyButton text={data.secret} label="Copy key" />
              <CopyButton text={data.otpauthUri} label="Copy link" />
            </div>
          )}
          <p class="hint">Can't scan? Add an account manually with this key: time-based, 6 digits, 30 seconds.</p>
        </div>
      </div>
      <CodeInput id="mfa-code" label="Verification code" value={code} describedBy="mfa-err"
                 onChange={setCode} onComplete={(v) => void verify(v)} />
      <FieldError id="mfa-err" text={error} />
      <Button type="submit" variant="primary" class="btn-block" busy={busy} disabled={!data}>Verify and continue</Button>
    </form>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  const text = codes.join('\n');
  const download = () => {
    const blob = new Blob([`CodePiper recovery codes (each works once)\n\n${text}\n`], { type: 'text/plain' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'codepiper-recovery-codes.txt';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    setSaved(true);
  };
  return (
    <div>
      <h1 class="auth-title">Save your recovery codes</h1>
      <p class="muted">Each code signs you in once if you lose your authenticator. They are shown only now.</p>
      <ul class="recovery-grid" aria-label="Recovery codes">
        {codes.map((c) => <li key={c}><code>{c}</code></li>)}
      </ul>
      <div class="row gap-sm wrap">
        <Button icon="copy" onClick={async () => {
          if (await copyText(text)) { setSaved(true); toast.success('Recovery codes copied'); }
          else toast.error('Copy failed');
        }}>Copy codes</Button>
        <Button icon="download" onClick={download}>Download .txt</Button>
      </div>
      <label class="check-row">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
        <span>I have stored these codes somewhere safe</span>
      </label>
      <Button variant="primary" class="btn-block" disabled={!saved} onClick={onDone}>Enter dashboard</Button>
    </div>
  );
}

function SignIn({ mfa, onDone, onOnboarding }: { mfa: boolean; onDone: () => void; onOnboarding: () => void }) {
  const [pw, setPw] = useState('');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [needCode, setNeedCode] = useState(mfa);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const lockout = useLockout();
  const pwRef = useRef<HTMLInputElement>(null);
  const submit = async (c = code) => {
    if (busy || lockout.locked) return;
    if (!pw) { setError('Enter your password'); pwRef.current?.focus(); return; }
    if (needCode && !c) { setError(recovery ? 'Enter a recovery code' : 'Enter the code from your authenticator app'); return; }
    setBusy(true);
    setError('');
    try {
      await api.login(pw, needCode ? c : undefined);
      onDone();
    } catch (err) {
      const ae = err as ApiError;
      if (ae.status === 429) lockout.lock(retryAfterOf(ae));
      else if (ae.status === 401 && ae.body?.mfaSetupRequired) onOnboarding();
      else if (ae.status === 401 && ae.body?.mfaRequired) {
        setNeedCode(true);
        setError('Enter the code from your authenticator app');
        setTimeout(() => document.getElementById('signin-code')?.focus(), 0);
      } else {
        setError(ae.message);
        setCode('');
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => { e.preventDefault(); void submit(); }} noValidate>
      <h1 class="auth-title">Sign in</h1>
      <p class="muted">{needCode ? 'Enter your password and the current code from your authenticator app.' : 'Enter your password to continue.'}</p>
      <label class="field">
        <span class="label">Password</span>
        <input ref={pwRef} type="password" autocomplete="current-password" value={pw} autofocus
               aria-describedby="signin-err" onInput={(e) => setPw(e.currentTarget.value)} />
      </label>
      {needCode && (
        <>
          <CodeInput
            id="signin-code"
            label={recovery ? 'Recovery code' : 'Authenticator code'}
            recovery={recovery}
            value={code}
            describedBy="signin-err"
            onChange={setCode}
            onComplete={(v) => { if (pw) void submit(v); }}
          />
          <button type="button" class="link-btn" onClick={() => { setRecovery(!recovery); setCode(''); setError(''); }}>
            {recovery ? 'Use an authenticator code instead' : 'Use a recovery code instead'}
          </button>
        </>
      )}
      <FieldError id="signin-err" text={lockout.message || error} />
      <Button type="submit" variant="primary" class="btn-block" busy={busy} disabled={lockout.locked}>Sign in</Button>
    </form>
  );
}
