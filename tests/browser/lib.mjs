// Shared helpers of the browser tests: the dashboard build, a back end to talk
// to, Debian's Chromium through playwright-core, and screenshots.
//
// Most files use the dashboard's dev mock (nginx/dashboard/mock, started per
// test file on a free port) for states that are costly to produce for real;
// real-stack.test.mjs runs the dashboard against agentd --web itself
// (ws-stack.mjs) and uses only launch/newPage/shot from here.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const DASHBOARD = join(ROOT, 'nginx/dashboard');
export const SHOTS = join(ROOT, 'tests/out/screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const DEMO_PASSWORD = 'codepiper-demo';
export const DEMO_SECRET = 'JBSWY3DPEHPK3PXP';
export const BOOTSTRAP_PASSWORD = 'bootstrap-pass-1234';

export function ensureBuild() {
  if (existsSync(join(DASHBOARD, 'dist/index.html'))) return;
  const run = (args) => {
    const r = spawnSync('npm', args, { cwd: DASHBOARD, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in nginx/dashboard`);
  };
  if (!existsSync(join(DASHBOARD, 'node_modules'))) run(['ci']);
  run(['run', 'build']);
}

/** Starts the mock back end on a free port; resolves to {url, stop}. */
export function startMock({ auth = 'ready', pty = 'raw', seed = true } = {}) {
  ensureBuild();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(DASHBOARD, 'mock/server.mjs'), '--port', '0', '--auth', auth, '--pty', pty, '--seed', seed ? '1' : '0'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error('mock did not start')); }, 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ url: m[1], stop: () => new Promise((r) => { child.once('exit', r); child.kill(); }) });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`mock exited with ${code}`)); });
  });
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** A fresh context (cookies, storage) with the given viewport and theme. */
export async function newPage(browser, { viewport = DESKTOP, theme = 'dark', touch = false } = {}) {
  const ctx = await browser.newContext({
    viewport, deviceScaleFactor: 1, hasTouch: touch, isMobile: touch,
    colorScheme: theme, permissions: ['clipboard-read', 'clipboard-write'],
  });
  await ctx.addInitScript((t) => { try { localStorage.setItem('codepiper.theme', t); } catch { /* ignore */ } }, theme);
  const page = await ctx.newPage();
  page.consoleErrors = [];
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  return page;
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(150); // let transitions settle
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Signs in through the mock's test hook (no UI). */
export async function signIn(page, base, next = '/') {
  await page.goto(`${base}/__mock/login?next=${encodeURIComponent(next)}`);
  await page.waitForSelector('.shell');
}

export async function totpCode(base, secret = DEMO_SECRET) {
  const r = await fetch(`${base}/__mock/totp?secret=${secret}`);
  return (await r.json()).code;
}

export async function raisePending(base, body = {}) {
  const r = await fetch(`${base}/__mock/pending`, { method: 'POST', body: JSON.stringify(body) });
  return (await r.json()).pending;
}
