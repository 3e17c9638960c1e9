// Applies the remembered theme before the first paint (no flash of the wrong
// theme). Kept as a file, not inline, so a strict CSP (script-src 'self') holds.
(function () {
  var t = null;
  try { t = localStorage.getItem('codepiper.theme'); } catch (e) { /* private mode */ }
  if (t !== 'dark' && t !== 'light') {
    t = window.matchMedia && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  }
  document.documentElement.dataset.theme = t;
})();
