// Shared building blocks: buttons, chips, dialogs, confirmations, toasts,
// loading and empty states.

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import { Icon, type IconName } from './icons';
import { statusLabel, providerLabel } from './format';

// ---- buttons ----

type BtnProps = JSX.HTMLAttributes<HTMLButtonElement> & {
  variant?: 'primary' | 'secondary' | 'ghost' | 'danger' | 'success' | 'warning';
  size?: 'sm' | 'md';
  icon?: IconName;
  busy?: boolean;
  disabled?: boolean;
  type?: 'button' | 'submit';
};

export function Button({ variant = 'secondary', size = 'md', icon, busy, children, class: cls, type = 'button', disabled, ...rest }: BtnProps) {
  return (
    <button
      type={type}
      class={`btn btn-${variant} btn-${size}${cls ? ' ' + cls : ''}`}
      disabled={disabled || busy}
      aria-busy={busy ? 'true' : undefined}
      {...rest}
    >
      {busy ? <Spinner size={14} /> : icon ? <Icon name={icon} size={size === 'sm' ? 14 : 16} /> : null}
      {children !== undefined && children !== null && <span>{children}</span>}
    </button>
  );
}

export function IconButton({ icon, label, class: cls, badge, ...rest }:
  JSX.HTMLAttributes<HTMLButtonElement> & { icon: IconName; label: string; badge?: number; disabled?: boolean }) {
  return (
    <button type="button" class={'icon-btn' + (cls ? ' ' + cls : '')} aria-label={label} title={label} {...rest}>
      <Icon name={icon} size={18} />
      {badge ? <span class="badge-count" aria-hidden="true">{badge > 99 ? '99+' : badge}</span> : null}
    </button>
  );
}

export function Spinner({ size = 16 }: { size?: number }) {
  return <span class="spinner" style={{ width: size, height: size }} role="status" aria-label="Loading" />;
}

// ---- chips ----

const STATUS_TONE: Record<string, string> = {
  RUNNING: 'green', STARTING: 'blue', NEEDS_PERMISSION: 'amber', NEEDS_INPUT: 'amber',
  STOPPED: 'gray', CRASHED: 'red',
};

export function StatusBadge({ status, unknown }: { status: string; unknown?: boolean }) {
  if (unknown) return <span class="chip chip-gray" title="Disconnected: status unknown">Unknown</span>;
  const tone = STATUS_TONE[status] ?? 'gray';
  const live = status === 'RUNNING' || status === 'STARTING';
  return (
    <span class={`chip chip-${tone}`}>
      <span class={'dot' + (live ? ' dot-pulse' : '')} aria-hidden="true" />
      {statusLabel(status)}
    </span>
  );
}

export function ProviderChip({ provider }: { provider: string }) {
  const tone = provider === 'claude-code' ? 'orange' : provider === 'codex' ? 'sky' : 'gray';
  return <span class={`chip chip-${tone}`}>{providerLabel(provider)}</span>;
}

export function DecisionChip({ decision }: { decision: string }) {
  const tone = decision === 'allow' ? 'green' : decision === 'deny' ? 'red' : decision === 'ask' ? 'amber' : 'gray';
  return <span class={`chip chip-${tone} chip-mono`}>{decision}</span>;
}

// ---- loading / empty ----

export function Empty({ icon = 'inbox', title, children }: { icon?: IconName; title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <div class="empty-icon"><Icon name={icon} size={22} /></div>
      <div class="empty-title">{title}</div>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function SkeletonRows({ rows = 4, height = 52 }: { rows?: number; height?: number }) {
  return (
    <div class="skeleton-list" aria-busy="true" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => <div key={i} class="skeleton" style={{ height }} />)}
    </div>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="callout callout-red" role="alert">
      <Icon name="alert" size={16} />
      <span>{message}</span>
      {onRetry && <Button size="sm" variant="ghost" icon="refresh" onClick={onRetry}>Retry</Button>}
    </div>
  );
}

// ---- toggles, tabs ----

export function Toggle({ checked, onChange, label, disabled, id }:
  { checked: boolean; onChange: (v: boolean) => void; label: string; disabled?: boolean; id?: string }) {
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={checked ? 'true' : 'false'}
      aria-label={label}
      title={label}
      class={'switch' + (checked ? ' on' : '')}
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span class="switch-knob" />
    </button>
  );
}

export function Tabs<T extends string>({ tabs, value, onChange, label }:
  { tabs: { id: T; label: string; icon?: IconName; count?: number }[]; value: T; onChange: (t: T) => void; label: string }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  return (
    <div class="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => { refs.current[i] = el; }}
          type="button"
          role="tab"
          aria-selected={t.id === value ? 'true' : 'false'}
          tabIndex={t.id === value ? 0 : -1}
          class={'tab' + (t.id === value ? ' active' : '')}
          onClick={() => onChange(t.id)}
          onKeyDown={(e) => {
            const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
            if (!d) return;
            e.preventDefault();
            const n = (i + d + tabs.length) % tabs.length;
            onChange(tabs[n].id);
            refs.current[n]?.focus();
          }}
        >
          {t.icon && <Icon name={t.icon} size={15} />}
          <span>{t.label}</span>
          {t.count !== undefined && t.count > 0 && <span class="tab-count">{t.count}</span>}
        </button>
      ))}
    </div>
  );
}

// ---- dialogs ----

const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

export function Modal({ title, subtitle, onClose, children, footer, wide, labelledBy }:
  { title: string; subtitle?: string; onClose: () => void; children: ComponentChildren; footer?: ComponentChildren;
    wide?: boolean; labelledBy?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = labelledBy ?? 'dlg-' + title.replace(/\W+/g, '-').toLowerCase();
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const el = ref.current;
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ?? el?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    document.body.classList.add('modal-open');
    return () => {
      document.body.classList.remove('modal-open');
      prev?.focus?.();
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((x) => x.offsetParent !== null);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  };
  return (
    <div class="overlay" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div
        ref={ref}
        class={'dialog' + (wide ? ' dialog-wide' : '')}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
      >
        <div class="dialog-head">
          <div>
            <h2 id={titleId}>{title}</h2>
            {subtitle && <p class="muted">{subtitle}</p>}
          </div>
          <IconButton icon="x" label="Close" onClick={onClose} />
        </div>
        <div class="dialog-body">{children}</div>
        {footer && <div class="dialog-foot">{footer}</div>}
      </div>
    </div>
  );
}

interface ConfirmRequest {
  title: string;
  body: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  resolve: (ok: boolean) => void;
}

let showConfirm: ((r: ConfirmRequest) => void) | null = null;

/** Asks the user to confirm; resolves true on confirm. */
export function confirmAction(opts: { title: string; body: ComponentChildren; confirmLabel: string; danger?: boolean }): Promise<boolean> {
  return new Promise((resolve) => {
    if (!showConfirm) { resolve(false); return; }
    showConfirm({ ...opts, resolve });
  });
}

export function ConfirmHost() {
  const [req, setReq] = useState<ConfirmRequest | null>(null);
  useEffect(() => { showConfirm = setReq; return () => { showConfirm = null; }; }, []);
  if (!req) return null;
  const done = (ok: boolean) => { req.resolve(ok); setReq(null); };
  return (
    <Modal
      title={req.title}
      onClose={() => done(false)}
      footer={
        <>
          <Button onClick={() => done(false)}>Cancel</Button>
          <Button variant={req.danger ? 'danger' : 'primary'} onClick={() => done(true)} data-autofocus>
            {req.confirmLabel}
          </Button>
        </>
      }
    >
      <div class="confirm-body">{req.body}</div>
    </Modal>
  );
}

// ---- toasts ----

interface ToastItem { id: number; kind: 'error' | 'success' | 'info'; text: string }
let pushToast: ((t: Omit<ToastItem, 'id'>) => void) | null = null;

export const toast = {
  error: (text: string) => pushToast?.({ kind: 'error', text }),
  success: (text: string) => pushToast?.({ kind: 'success', text }),
  info: (text: string) => pushToast?.({ kind: 'info', text }),
};

/** Shows an API error's server message as a toast. */
export function toastError(e: unknown) {
  if ((e as Error)?.name === 'AbortError') return;
  toast.error((e as Error)?.message || 'Something went wrong');
}

export function ToastHost() {
  const [items, setItems] = useState<ToastItem[]>([]);
  const nextId = useRef(1);
  const remove = useCallback((id: number) => setItems((l) => l.filter((t) => t.id !== id)), []);
  useEffect(() => {
    pushToast = (t) => {
      const id = nextId.current++;
      setItems((l) => [...l.filter((x) => x.text !== t.text), { ...t, id }].slice(-4));
      setTimeout(() => remove(id), t.kind === 'error' ? 7000 : 3500);
    };
    return () => { pushToast = null; };
  }, [remove]);
  return (
    <div class="toasts" aria-live="polite" role="status">
      {items.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined}>
          <Icon name={t.kind === 'error' ? 'alert' : t.kind === 'success' ? 'check' : 'info'} size={16} />
          <span class="toast-text">{t.text}</span>
          <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => remove(t.id)}>
            <Icon name="x" size={14} />
          </button>
        </div>
      ))}
    </div>
  );
}

// ---- misc ----

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API needs a secure context; fall back to a hidden textarea.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label = 'Copy', size = 'sm' }: { text: string; label?: string; size?: 'sm' | 'md' }) {
  const [done, setDone] = useState(false);
  return (
    <Button
      size={size}
      variant="ghost"
      icon={done ? 'check' : 'copy'}
      aria-label={`${label}: ${text}`}
      onClick={async () => {
        if (await copyText(text)) {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        } else toast.error('Copy failed');
      }}
    >
      {done ? 'Copied' : label}
    </Button>
  );
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Re-renders every `ms` so relative times stay fresh. */
export function useTicker(ms = 30000) {
  const [, set] = useState(0);
  useEffect(() => {
    const t = setInterval(() => set((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
}

export function useMediaQuery(q: string): boolean {
  const [m, setM] = useState(() => window.matchMedia(q).matches);
  useEffect(() => {
    const mq = window.matchMedia(q);
    const fn = () => setM(mq.matches);
    mq.addEventListener('change', fn);
    return () => mq.removeEventListener('change', fn);
  }, [q]);
  return m;
}
