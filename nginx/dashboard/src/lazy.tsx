// Code splitting without preact/compat: a component that loads its module on
// first render and shows `fallback` (sized like the page, so nothing jumps)
// meanwhile.

import type { ComponentType, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox } from './ui';

export function lazy<P extends object>(load: () => Promise<{ default: ComponentType<P> }>, fallback: () => VNode) {
  let loaded: ComponentType<P> | null = null;
  let promise: Promise<void> | null = null;
  const start = () => {
    if (!promise) {
      promise = load().then((m) => { loaded = m.default; });
      promise.catch(() => { promise = null; });
    }
    return promise;
  };
  function Lazy(props: P) {
    const [, setReady] = useState(0);
    const [error, setError] = useState('');
    useEffect(() => {
      if (loaded) return;
      let alive = true;
      start().then(() => alive && setReady((x) => x + 1))
        .catch(() => alive && setError('This page failed to load. Check the connection and reload.'));
      return () => { alive = false; };
    }, []);
    if (loaded) {
      const C = loaded;
      return <C {...props} />;
    }
    return error ? <div class="page"><ErrorBox message={error} onRetry={() => location.reload()} /></div> : fallback();
  }
  Lazy.preload = start;
  return Lazy;
}
