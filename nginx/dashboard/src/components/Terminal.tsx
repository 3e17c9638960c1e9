// The live terminal: xterm.js fed from the WebSocket (ws.subscribePty), with
// local scrollback and search, links, paste (text as one atomic pty_paste,
// images uploaded), and the size following the element. Keys reach the agent
// only while the terminal itself has focus: xterm's onData fires for its own
// textarea, never for the rest of the page.

import { useEffect, useRef } from 'preact/hooks';
import { Terminal as XTerm, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import { ws } from '../ws';
import type { Theme } from '../store';

export interface TerminalHandle {
  focus(): void;
  findNext(q: string): boolean;
  findPrevious(q: string): boolean;
  clearSearch(): void;
  scrollToBottom(): void;
  scrollPages(n: number): void;
  onSearchResults(fn: (r: { index: number; count: number }) => void): void;
}

const DARK: ITheme = {
  background: '#0a0f16', foreground: '#d8e1ec', cursor: '#22d3ee', cursorAccent: '#0a0f16',
  selectionBackground: '#22d3ee44',
  black: '#1c2430', red: '#f47174', green: '#4ade80', yellow: '#facc15', blue: '#60a5fa', magenta: '#c084fc', cyan: '#22d3ee', white: '#d8e1ec',
  brightBlack: '#5b6b80', brightRed: '#ff9b9d', brightGreen: '#86efac', brightYellow: '#fde68a', brightBlue: '#93c5fd', brightMagenta: '#d8b4fe', brightCyan: '#67e8f9', brightWhite: '#ffffff',
};

const LIGHT: ITheme = {
  background: '#fbfcfe', foreground: '#1f2937', cursor: '#0e7490', cursorAccent: '#fbfcfe',
  selectionBackground: '#0e749033',
  black: '#1f2937', red: '#c62828', green: '#15803d', yellow: '#a16207', blue: '#1d4ed8', magenta: '#9333ea', cyan: '#0e7490', white: '#9ca3af',
  brightBlack: '#6b7280', brightRed: '#dc2626', brightGreen: '#16a34a', brightYellow: '#ca8a04', brightBlue: '#2563eb', brightMagenta: '#a855f7', brightCyan: '#0891b2', brightWhite: '#4b5563',
};

const FONT = 'ui-monospace, "SF Mono", "JetBrains Mono", "Cascadia Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", "Noto Sans Mono", monospace';

export default function Terminal({ sessionId, live, theme, onReady, onImages, onPasteError }: {
  sessionId: string;
  live: boolean;
  theme: Theme;
  onReady: (h: TerminalHandle) => void;
  onImages: (files: File[]) => void;
  onPasteError: (msg: string) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const termRef = useRef<XTerm | null>(null);
  const liveRef = useRef(live);
  liveRef.current = live;
  const cb = useRef({ onImages, onPasteError });
  cb.current = { onImages, onPasteError };

  useEffect(() => {
    const el = box.current!;
    const small = window.matchMedia('(max-width: 767px)').matches;
    const term = new XTerm({
      fontFamily: FONT,
      fontSize: small ? 12 : 13,
      lineHeight: 1.15,
      cursorBlink: true,
      scrollback: 10000,
      allowProposedApi: true,
      theme: theme === 'dark' ? DARK : LIGHT,
      disableStdin: !live,
      macOptionIsMeta: true,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon());
    term.open(el);
    termRef.current = term;
    let disposed = false;

    const fitNow = () => {
      if (disposed || !el.isConnected || el.clientWidth === 0 || el.clientHeight === 0) return;
      try { fit.fit(); } catch { /* not measurable yet */ }
    };
    fitNow();

    // The server learns our size after the layout settles (debounced), and
    // whenever the element changes size.
    let resizeTimer: number | null = null;
    const sendSize = () => {
      if (resizeTimer !== null) clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => {
        resizeTimer = null;
        if (!disposed && liveRef.current) ws.resize(sessionId, term.cols, term.rows);
      }, 200);
    };
    const onResize = term.onResize(sendSize);
    // Our size goes out before the subscription, so the first screen is
    // captured at the size it will be shown.
    if (live) ws.resize(sessionId, term.cols, term.rows);
    let fitTimer: number | null = null;
    const ro = new ResizeObserver(() => {
      if (fitTimer !== null) clearTimeout(fitTimer);
      fitTimer = window.setTimeout(fitNow, 60);
    });
    ro.observe(el);

    const onData = term.onData((data) => {
      if (liveRef.current) ws.sendInput(sessionId, data);
    });

    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      // Ctrl+Shift+C copies the selection instead of sending ^C.
      if (e.ctrlKey && e.shiftKey && (e.key === 'C' || e.key === 'c') && term.hasSelection()) {
        void navigator.clipboard?.writeText(term.getSelection()).catch(() => {});
        return false;
      }
      // Ctrl+Shift+F opens the search bar of the page.
      if (e.ctrlKey && e.shiftKey && (e.key === 'F' || e.key === 'f')) {
        el.dispatchEvent(new CustomEvent('terminal-search', { bubbles: true }));
        return false;
      }
      return true;
    });

    // Paste is handled here (capture phase, before xterm's own handler): text
    // goes as one atomic chunked paste, images are uploaded.
    const onPaste = (e: ClipboardEvent) => {
      e.preventDefault();
      e.stopImmediatePropagation();
      if (!liveRef.current) return;
      const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
      if (files.length) { cb.current.onImages(files); return; }
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (text) ws.paste(sessionId, text).catch((err: Error) => cb.current.onPasteError(err.message));
    };
    el.addEventListener('paste', onPaste, true);

    const onDrop = (e: DragEvent) => {
      const files = [...(e.dataTransfer?.files ?? [])].filter((f) => f.type.startsWith('image/'));
      if (!files.length) return;
      e.preventDefault();
      cb.current.onImages(files);
    };
    const onDragOver = (e: DragEvent) => { if (e.dataTransfer?.types.includes('Files')) e.preventDefault(); };
    el.addEventListener('drop', onDrop);
    el.addEventListener('dragover', onDragOver);

    const unsubscribe = ws.subscribePty(sessionId, {
      reset: () => { if (!disposed) term.reset(); },
      write: (d) => { if (!disposed) term.write(d); },
      beginSnapshot: (cols, rows) => {
        if (disposed || !cols || !rows || (cols === term.cols && rows === term.rows)) return;
        term.resize(Math.min(cols, 1000), Math.min(rows, 500));
      },
      endSnapshot: () => { if (!disposed) term.write('', fitNow); },
    });

    const decorations = {
      matchBackground: '#7c5e10', activeMatchBackground: '#d97706', matchBorder: '#facc15', matchOverviewRuler: '#facc15', activeMatchColorOverviewRuler: '#f59e0b',
    };
    let resultsFn: ((r: { index: number; count: number }) => void) | null = null;
    const onResults = search.onDidChangeResults((r) => resultsFn?.({ index: r.resultIndex, count: r.resultCount }));
    onReady({
      focus: () => term.focus(),
      findNext: (q) => search.findNext(q, { decorations, incremental: false }),
      findPrevious: (q) => search.findPrevious(q, { decorations }),
      clearSearch: () => { search.clearDecorations(); term.clearSelection(); },
      scrollToBottom: () => term.scrollToBottom(),
      scrollPages: (n) => term.scrollPages(n),
      onSearchResults: (fn) => { resultsFn = fn; },
    });

    return () => {
      disposed = true;
      unsubscribe();
      ws.forgetSize(sessionId);
      ro.disconnect();
      if (resizeTimer !== null) clearTimeout(resizeTimer);
      if (fitTimer !== null) clearTimeout(fitTimer);
      el.removeEventListener('paste', onPaste, true);
      el.removeEventListener('drop', onDrop);
      el.removeEventListener('dragover', onDragOver);
      onData.dispose();
      onResize.dispose();
      onResults.dispose();
      termRef.current = null;
      term.dispose();
    };
  }, [sessionId]);

  useEffect(() => {
    const t = termRef.current;
    if (t) t.options.theme = theme === 'dark' ? DARK : LIGHT;
  }, [theme]);

  const wasLive = useRef(live);
  useEffect(() => {
    const t = termRef.current;
    if (t) t.options.disableStdin = !live;
    if (live && !wasLive.current && t) {
      // Resumed: announce our size and take the new runtime's screen.
      ws.resize(sessionId, t.cols, t.rows);
      ws.refreshPty(sessionId);
    }
    wasLive.current = live;
  }, [live]);

  return <div ref={box} class="xterm-box" role="region" aria-label="Terminal" data-testid="terminal" />;
}
