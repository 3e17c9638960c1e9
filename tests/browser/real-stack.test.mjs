// The dashboard against the real back end: `agentd --web` (nginx,
// codepiper-fcgi, codepiper-ws) from ws-stack.mjs, with the stand-in claude
// (tests/bin/claude) as the agent, driven by Debian's Chromium. One daemon
// for the whole file; the tests run in order and build on each other:
//
//   onboarding (bootstrap password -> MFA with a TOTP computed here ->
//   recovery codes) -> a session from the new-session dialog -> typing and
//   the echo -> `run: touch x` asks (default action) -> approve in the UI ->
//   the stand-in prints ALLOWED -> "always allow" -> a policy made in the
//   Policies page, checked over the API and by the agent -> the phone layout
//   (390x844), where an ask is denied from the inbox.
//
// Screenshots: tests/out/screenshots/real-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, totp, waitFor } from './ws-stack.mjs';
import { launch, newPage, shot, DESKTOP, PHONE } from './lib.mjs';

let stack, browser, page, proj, sessionId;

before(async () => {
  stack = await startStack({ agents: 'standin', signIn: false });
  proj = join(stack.dir, 'proj');
  mkdirSync(proj);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (!stack) return;
  const { code, sanitizer, log } = await stack.stop();
  assert.equal(sanitizer, false, `sanitizer report in agentd's log:\n${log.slice(-4000)}`);
  assert.equal(code, 0, 'agentd exits 0');
});

const termText = (p = page) => p.locator('.xterm-rows').innerText();
/** Waits until the terminal shows text; on timeout the error holds the screen. */
async function termHas(p, text, timeout = 15000) {
  try {
    await p.waitForFunction((t) => document.querySelector('.xterm-rows')?.textContent.includes(t), text, { timeout });
  } catch (e) {
    throw new Error(`terminal never showed ${JSON.stringify(text)}; it shows:\n${await termText(p).catch(() => '?')}`, { cause: e });
  }
}
/**
 * A page that records every API answer of 400 or more as "STATUS METHOD
 * /path" (console errors of failed loads do not say which URL).
 */
async function openPage(opts) {
  const p = await newPage(browser, opts);
  p.failed = [];
  p.on('response', (r) => {
    if (r.status() >= 400) p.failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return p;
}
/**
 * The failed API calls since the last look, but GET /api/notifications:
 * agentd does not serve the notification routes yet (agentd/notifications.h)
 * and the dashboard does without them.
 */
const failedCalls = (p) => p.failed.splice(0).filter((f) => f !== '404 GET /api/notifications');
/** Console errors other than failed loads (those are checked by URL). */
const consoleErrors = (p) => p.consoleErrors.filter((e) => !/^Failed to load resource/.test(e));

test('onboarding: bootstrap password, MFA with a TOTP code, recovery codes', async () => {
  page = await openPage({ viewport: DESKTOP });
  await page.goto(stack.base + '/sessions');
  await page.waitForSelector('text=Welcome to CodePiper');
  assert.equal(new URL(page.url()).pathname, '/login');
  await shot(page, 'real-onboarding-1-bootstrap');

  await page.fill('input[type=password]', 'not-the-password');
  await page.click('button:has-text("Continue")');
  await page.waitForSelector('#bs-err >> text=Invalid credentials');

  await page.fill('input[type=password]', stack.password);
  await page.click('button:has-text("Continue")');
  // agentd does not ask for a new password here (auth.md: MFA comes next).
  await page.waitForSelector('text=Set up two-factor authentication');
  await page.waitForSelector('.qr-box img');
  const qr = await page.locator('.qr-box img').getAttribute('src');
  assert.match(qr, /^data:image\/svg\+xml/);
  assert.equal(await page.locator('.qr-box img').evaluate((img) => img.naturalWidth > 0), true, 'the QR code renders');
  const secret = (await page.textContent('.secret')).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  await shot(page, 'real-onboarding-2-mfa');

  await page.fill('#mfa-code', '000000');
  await page.waitForSelector('#mfa-err >> text=Invalid');
  await page.fill('#mfa-code', totp(secret)); // six digits submit by themselves
  await page.waitForSelector('text=Save your recovery codes');
  const codes = await page.locator('.recovery-grid li').allTextContents();
  assert.equal(codes.length, 8);
  await shot(page, 'real-onboarding-3-recovery');
  await page.click('text=I have stored these codes');
  await page.click('button:has-text("Enter dashboard")');
  await page.waitForSelector('.shell');
  assert.equal(new URL(page.url()).pathname, '/sessions', 'lands where it was going');
  await page.waitForSelector('.conn-pill:has-text("Connected")');

  const cookie = (await page.context().cookies()).find((c) => c.name === 'codepiper_session');
  assert.ok(cookie, 'signed in with a session cookie');
  assert.equal(cookie.httpOnly, true);
  stack.cookie = cookie.value;
  stack.secret = secret;
  const status = await stack.api('GET', '/auth/status');
  assert.equal(status.json.authenticated, true);
  assert.equal(status.json.mfaEnabled, true);
  assert.deepEqual(consoleErrors(page), []);
  assert.deepEqual(failedCalls(page), [
    '401 POST /api/auth/login', '401 POST /api/auth/login', // wrong password; then "MFA setup required"
    '400 POST /api/auth/mfa/verify', // the wrong code
  ]);
});

test('new session from the dialog lands on its live terminal', async () => {
  await page.click('main >> button:has-text("New session")');
  await page.waitForSelector('role=dialog >> text=Native hooks');
  const dlg = page.locator('role=dialog');
  const create = dlg.locator('button:has-text("Create session")');
  await page.fill('input[aria-labelledby=cwd-label]', join(stack.dir, 'nope'));
  await page.waitForSelector(`role=dialog >> text=Directory does not exist`);
  assert.equal(await create.isDisabled(), true);
  await page.fill('input[aria-labelledby=cwd-label]', proj);
  await page.waitForSelector('role=dialog >> text=Folder OK');
  await page.fill('input[placeholder="e.g. refactor-math"]', 'real e2e');
  await shot(page, 'real-new-session-dialog');
  await create.click();
  await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
  sessionId = new URL(page.url()).pathname.split('/')[2];
  await page.waitForSelector('h1:has-text("real e2e")');
  await termHas(page, 'Welcome to Claude Code');
  await page.waitForSelector('.session-meta >> text=Running');

  const { json } = await stack.api('GET', `/sessions/${sessionId}`);
  assert.equal(json.session.provider, 'claude-code');
  assert.equal(json.session.cwd, proj);
  assert.equal(json.session.metadata?.ui?.customName, 'real e2e');
  await shot(page, 'real-session-new');
});

test('typing into the terminal reaches the agent and its echo shows', async () => {
  await page.click('.xterm-box');
  await page.keyboard.type('hello from the browser');
  await page.keyboard.press('Enter');
  await termHas(page, 'echo: hello from the browser');
  // The echo lands after the prompt, where the agent's cursor is: the first
  // screen (a raw snapshot) and the cursor position agree.
  assert.match(await termText(), /^> hello from the browser$/m);
  // Backspace is a key, not text.
  await page.keyboard.type('typo!');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Enter');
  await termHas(page, 'echo: typo');
  assert.equal((await termText()).includes('echo: typo!'), false);
  await shot(page, 'real-terminal');
});

test('an ask is approved from the session page; the agent runs the command', async () => {
  await page.click('.xterm-box');
  await page.keyboard.type('run: touch x');
  await page.keyboard.press('Enter');
  const pending = await waitFor(async () => {
    const r = await stack.api('GET', '/policy-decisions/pending');
    return r.json?.pending?.length ? r.json.pending : null;
  }, { timeout: 15000, what: 'a pending decision' });
  assert.equal(pending.length, 1);
  assert.equal(pending[0].sessionId, sessionId);
  assert.equal(pending[0].toolName, 'Bash');
  assert.equal(pending[0].command, 'touch x');

  const banner = page.locator('.approval-banner');
  await banner.waitFor();
  assert.equal(await banner.locator('.tool-name').textContent(), 'Bash');
  assert.equal(await banner.locator('.approval-cmd').textContent(), 'touch x');
  await page.waitForSelector('.bell-btn .badge-count');
  await page.waitForSelector('.session-meta >> text=Needs permission');
  await shot(page, 'real-approval-banner');

  await banner.locator('button:has-text("Allow")').first().click();
  await banner.waitFor({ state: 'detached' });
  await termHas(page, 'ALLOWED: touch x');
  assert.equal(existsSync(join(proj, 'x')), true, 'the command ran');
  assert.deepEqual((await stack.api('GET', '/policy-decisions/pending')).json.pending, []);
  await page.waitForSelector('.session-meta >> text=Running');
  await shot(page, 'real-approval-allowed');

  // The audit log has the ask and the answer, and its chain verifies.
  const audit = await stack.api('GET', `/policy-decisions?sessionId=${sessionId}`);
  assert.deepEqual(audit.json.decisions.map((d) => d.decision).sort(), ['allow', 'ask']);
  await page.click('.rail >> a[aria-label="Policies"]');
  await page.click('role=tab[name=/Audit log/]');
  await page.waitForSelector('.verify-ok >> text=Audit chain intact');
  await page.waitForSelector('.audit-table >> text=touch x');
  assert.equal(await page.locator('.audit-table tbody tr').count(), 2);
  await page.waitForSelector('.pager >> text=1–2 of 2');
  // Who decided: the person (no policy) and the default action.
  await page.waitForSelector('.audit-table tr:has-text("Allowed by the user") >> :text-is("you")');
  await page.waitForSelector('.audit-table tr:has-text("No matching policy rule") >> :text-is("default")');
  await shot(page, 'real-audit-log');
  assert.deepEqual(consoleErrors(page), []);
  assert.deepEqual(failedCalls(page), []);
});

test('"always allow this" saves a rule: the same command is not asked again', async () => {
  await page.click('.rail >> a[aria-label="Open real e2e"]');
  await termHas(page, 'ALLOWED: touch x');
  await page.click('.xterm-box');
  await page.keyboard.type('run: touch z');
  await page.keyboard.press('Enter');
  const banner = page.locator('.approval-banner');
  await banner.locator('.approval-cmd:text-is("touch z")').waitFor();
  await banner.locator('button:has-text("Always allow this")').click();
  await banner.waitFor({ state: 'detached' });
  await termHas(page, 'ALLOWED: touch z');
  const { json } = await stack.api('GET', '/policies');
  const remembered = json.policies.find((p) => p.sessionId === sessionId);
  assert.ok(remembered, 'a session policy was saved');
  assert.deepEqual(remembered.rules.map((r) => [r.action, r.tool, r.args]), [['allow', 'Bash', { command: 'touch z' }]]);

  await page.click('.xterm-box');
  await page.keyboard.type('run: touch z');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => (document.querySelector('.xterm-rows')?.textContent.match(/ALLOWED: touch z/g) ?? []).length === 2);
  assert.equal(await banner.count(), 0, 'no question this time');
  assert.deepEqual((await stack.api('GET', '/policy-decisions/pending')).json.pending, []);
});

test('a policy created in the Policies page is stored and enforced', async () => {
  await page.click('.rail >> a[aria-label="Policies"]');
  // The rule "always allow" saved, bound to the session.
  await page.waitForSelector('.policy-card:has-text("Always allow Bash") >> .chip:has-text("Session real e2e")');
  await page.click('button:has-text("New policy")');
  const dlg = page.locator('role=dialog');
  await dlg.locator('input[placeholder="Block destructive shell"]').fill('No curl');
  assert.equal(await dlg.locator('input[placeholder="block-destructive-shell"]').inputValue(), 'no-curl');
  await dlg.locator('input[type=number]').fill('70');
  await dlg.locator('button:has-text("Add rule")').click();
  await dlg.locator('select[aria-label="Rule 1 action"]').selectOption('deny');
  await dlg.locator('input[aria-label="Rule 1 tool patterns"]').fill('Bash');
  await dlg.locator('input[aria-label="Rule 1 tool patterns"]').press('Enter');
  await dlg.locator('button:has-text("Add argument matcher")').click();
  const argPatterns = dlg.locator('input[aria-label="Patterns for argument command"]');
  await argPatterns.fill('curl *');
  await argPatterns.press('Enter');
  await dlg.locator('input[aria-label="Rule 1 reason"]').fill('No network from agents');
  await shot(page, 'real-policy-editor');

  // agentd validates the rules; its message names the rule as the editor does.
  const deep = '@('.repeat(33) + 'x' + ')'.repeat(33);
  await dlg.locator('input[aria-label="Rule 1 tool patterns"]').fill(deep);
  await dlg.locator('input[aria-label="Rule 1 tool patterns"]').press('Enter');
  await dlg.locator('button:has-text("Create policy")').click();
  await dlg.locator('.foot-status >> text=Rule 1 tool has an invalid pattern: pattern nested deeper than 32 levels').waitFor();
  assert.equal((await stack.api('GET', '/policies/no-curl')).status, 404, 'nothing stored');
  await shot(page, 'real-policy-invalid');
  await dlg.locator(`button[aria-label="Remove pattern ${deep}"]`).click();
  await dlg.locator('button:has-text("Create policy")').click();
  await page.waitForSelector('role=dialog', { state: 'detached' });
  await page.waitForSelector('.policy-card:has-text("No curl") >> text=Active');
  await shot(page, 'real-policies');

  const { status, json } = await stack.api('GET', '/policies/no-curl');
  assert.equal(status, 200);
  assert.equal(json.policy.name, 'No curl');
  assert.equal(json.policy.priority, 70);
  assert.equal(json.policy.enabled, true);
  assert.equal(json.policy.sessionId ?? null, null);
  assert.deepEqual(json.policy.rules, [{ id: 'r1', action: 'deny', tool: 'Bash', args: { command: 'curl *' }, reason: 'No network from agents' }]);

  // The agent is refused by it at once (no question).
  await page.goto(`${stack.base}/sessions/${sessionId}`);
  await termHas(page, 'ALLOWED: touch x');
  await page.click('.xterm-box');
  await page.keyboard.type('run: curl http://127.0.0.1:9/');
  await page.keyboard.press('Enter');
  await termHas(page, 'DENIED');
  assert.match(await termText(), /No network from agents/);
  assert.deepEqual((await stack.api('GET', '/policy-decisions/pending')).json.pending, []);

  // The session's Policies tab: what applies to it, highest priority first.
  await page.click('role=tab[name=/Policies/]');
  await page.waitForSelector('.effective-list');
  assert.deepEqual(await page.locator('.effective strong').allTextContents(), ['No curl', 'Always allow Bash']);

  // The Events tab: the hook calls and transcript lines, and nothing else
  // (the asks that went over the same topic are not events).
  await page.click('role=tab[name=/Events/]');
  await page.waitForSelector('.event-type:text-is("PreToolUse")');
  // An ask while the tab is open: its policy_pending/resolved messages come
  // on the events topic too; deny it from the banner.
  assert.equal((await stack.api('POST', `/sessions/${sessionId}/send`, { text: 'run: touch w', newline: true })).status, 200);
  const banner = page.locator('.approval-banner');
  await banner.locator('.approval-cmd:text-is("touch w")').waitFor();
  await banner.locator('button:has-text("Deny")').click();
  await banner.waitFor({ state: 'detached' });
  await page.waitForFunction(() => [...document.querySelectorAll('.event-type')].filter((e) => e.textContent === 'PermissionDecision').length === 3);
  assert.equal(existsSync(join(proj, 'w')), false);
  const types = await page.locator('.event-type').allTextContents();
  assert.ok(types.includes('PermissionRequest') && types.includes('PermissionDecision') && types.includes('Stop'), types.join(' '));
  assert.ok(types.every((t) => /^[A-Za-z_]+$/.test(t)), `odd event types: ${JSON.stringify(types)}`);
  await shot(page, 'real-session-events');
  assert.deepEqual(consoleErrors(page), []);
  assert.deepEqual(failedCalls(page), ['400 POST /api/policies']); // the invalid pattern
});

test('phone (390x844): home, sessions, the session page; an ask denied from the inbox', async () => {
  const phone = await openPage({ viewport: PHONE, touch: true });
  await phone.context().addCookies([{ name: 'codepiper_session', value: stack.cookie, url: stack.base }]);
  await phone.goto(stack.base + '/');
  await phone.waitForSelector('.bottom-bar');
  assert.equal(await phone.locator('.rail').isVisible(), false);
  await phone.waitForSelector('.conn-pill:has-text("Connected")');
  await shot(phone, 'real-phone-home');

  await phone.click('.bottom-bar >> text=Sessions');
  await phone.waitForSelector('.session-card >> text=real e2e');
  await shot(phone, 'real-phone-sessions');
  await phone.click('.session-card-main >> text=real e2e');
  // The first screen is the pane as it is now (the banner has scrolled off
  // the phone's shorter screen).
  await termHas(phone, 'DENIED: No network from agents');
  await phone.waitForSelector('.keybar');
  await phone.fill('textarea[aria-label^="Message to"]', 'from the phone');
  await phone.click('button[aria-label="Send message"]');
  await termHas(phone, 'echo: from the phone');
  assert.match(await termText(phone), /^> from the phone$/m);
  await shot(phone, 'real-phone-session');
  const box = await phone.locator('.term-frame').boundingBox();
  assert.ok(box.height > 250, 'the terminal keeps most of the screen');

  await phone.fill('textarea[aria-label^="Message to"]', 'run: touch y');
  await phone.click('button[aria-label="Send message"]');
  await phone.waitForSelector('.bell-btn .badge-count');
  await phone.click('.bell-btn');
  await phone.waitForSelector('.inbox >> .approval-cmd:has-text("touch y")');
  await shot(phone, 'real-phone-inbox');
  await phone.click('.inbox >> button:has-text("Deny") >> nth=0');
  await phone.waitForSelector('.inbox >> text=No agent is waiting for you.');
  await phone.keyboard.press('Escape');
  await phone.waitForSelector('.inbox', { state: 'detached' });
  await termHas(phone, 'DENIED: Denied by the user');
  assert.equal(existsSync(join(proj, 'y')), false, 'a denied command does not run');
  assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no horizontal scroll');
  await shot(phone, 'real-phone-denied');
  assert.deepEqual(consoleErrors(phone), []);
  assert.deepEqual(failedCalls(phone), []);
  await phone.context().close();
});
