// Client-side routes on the History API. nginx answers every non-/api path with
// index.html, so deep links (/sessions/<id>/events) work on reload.

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const fn of listeners) fn();
}

window.addEventListener('popstate', () => { for (const fn of listeners) fn(); });

/** Re-renders on every navigation (path or query) and returns the path. */
export function usePath(): string {
  const [, setHref] = useState(location.pathname + location.search);
  useEffect(() => {
    const fn = () => setHref(location.pathname + location.search);
    listeners.add(fn);
    return () => { listeners.delete(fn); };
  }, []);
  return location.pathname;
}

export function useQuery(): URLSearchParams {
  usePath();
  return new URLSearchParams(location.search);
}

/** Matches "/sessions/:id/:tab?" style patterns; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    const optional = seg.endsWith('?');
    const name = optional ? seg.slice(1, -1) : seg.slice(1);
    if (seg.startsWith(':')) {
      if (s[i] === undefined) {
        if (optional) continue;
        return null;
      }
      params[name] = decodeURIComponent(s[i]);
    } else if (seg !== s[i]) {
      return null;
    }
  }
  return s.length <= p.length ? params : null;
}

type LinkProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

export function Link({ href, onClick, ...rest }: LinkProps) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (onClick) (onClick as (ev: MouseEvent) => void)(e as unknown as MouseEvent);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    />
  );
}
