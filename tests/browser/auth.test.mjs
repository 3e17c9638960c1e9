// Sign-in and first-run onboarding against GET /api/auth/status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, launch, newPage, shot, totpCode, BOOTSTRAP_PASSWORD, DEMO_PASSWORD, PHONE } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('first run: bootstrap password, new password, MFA with QR and key, recovery codes', async () => {
  const mock = await startMock({ auth: 'bootstrap' });
  try {
    const page = await newPage(browser);
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(mock.url + '/sessions');
    await page.waitForSelector('text=Welcome to CodePiper');
    assert.equal(new URL(page.url()).pathname, '/login');
    await shot(page, 'onboarding-1-bootstrap');

    await page.fill('input[type=password]', 'wrong-password');
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('text=Invalid credentials');

    await page.fill('input[type=password]', BOOTSTRAP_PASSWORD);
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('text=Choose your password');
    const pw = page.locator('input[type=password]');
    await pw.nth(0).fill('my-own-password');
    await pw.nth(1).fill('my-own-passwor');
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('text=do not match');
    await pw.nth(1).fill('my-own-password');
    await page.click('button:has-text("Continue")');

    await page.waitForSelector('text=Set up two-factor authentication');
    await page.waitForSelector('.qr-box img');
    const key = (await page.textContent('.secret')).replace(/\s+/g, '');
    assert.match(key, /^[A-Z2-7]{32}$/);
    await shot(page, 'onboarding-2-mfa');

    await page.fill('#mfa-code', '000000');
    await page.waitForSelector('text=Invalid TOTP code');
    await page.fill('#mfa-code', await totpCode(mock.url, key)); // 6 digits submit by themselves
    await page.waitForSelector('text=Save your recovery codes');
    assert.equal(await page.locator('.recovery-grid li').count(), 8);
    const enter = page.locator('button:has-text("Enter dashboard")');
    assert.equal(await enter.isDisabled(), true, 'needs the codes to be saved first');
    await shot(page, 'onboarding-3-recovery');
    await page.click('button:has-text("Copy codes")');
    await enter.click();
    await page.waitForSelector('.shell');
    assert.equal(new URL(page.url()).pathname, '/sessions', 'lands where the user was going');
    assert.equal(sockets.length > 0, true, 'the WebSocket opens after sign-in');
    assert.deepEqual(page.consoleErrors.filter((e) => !/401|Failed to load resource/.test(e)), []);
  } finally {
    await mock.stop();
  }
});

test('no WebSocket before sign-in; password + code on one screen; recovery code; lock-out', async () => {
  const mock = await startMock({ auth: 'ready' });
  try {
    const page = await newPage(browser, { theme: 'light' });
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(mock.url + '/');
    await page.waitForSelector('h1:has-text("Sign in")');
    await page.waitForTimeout(500);
    assert.deepEqual(sockets, [], 'no /ws before sign-in');
    await shot(page, 'signin-light');

    await page.fill('input[type=password]', DEMO_PASSWORD);
    await page.fill('#signin-code', '000000');
    await page.waitForSelector('text=Invalid credentials');

    await page.click('text=Use a recovery code instead');
    await page.fill('#signin-code', 'abcd-1234');
    await page.click('button[type=submit]');
    await page.waitForSelector('.shell');
    await page.click('button[aria-label="Sign out"]');
    await page.waitForSelector('h1:has-text("Sign in")');

    await page.fill('input[type=password]', DEMO_PASSWORD);
    await page.fill('#signin-code', await totpCode(mock.url));
    await page.waitForSelector('.shell');
    await page.click('button[aria-label="Sign out"]');
    await page.waitForSelector('h1:has-text("Sign in")');

    for (let i = 0; i < 5; i++) {
      await page.fill('input[type=password]', 'nope-nope');
      await page.fill('#signin-code', '111111');
      await page.waitForSelector('text=Invalid credentials');
      await page.fill('#signin-code', '');
    }
    await page.fill('input[type=password]', DEMO_PASSWORD);
    await page.fill('#signin-code', await totpCode(mock.url));
    await page.waitForSelector('text=Too many sign-in attempts');
    assert.equal(await page.locator('button[type=submit]').isDisabled(), true);
    await shot(page, 'signin-locked-light');
  } finally {
    await mock.stop();
  }
});

test('first run on a fresh daemon: create the password (setup)', async () => {
  const mock = await startMock({ auth: 'setup', seed: false });
  try {
    const page = await newPage(browser, { viewport: PHONE, touch: true });
    await page.goto(mock.url + '/');
    await page.waitForSelector('text=Create your password');
    await shot(page, 'phone-setup-password');
    await page.fill('input[type=password] >> nth=0', 'short');
    await page.fill('input[type=password] >> nth=1', 'short');
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('text=at least 8 characters');
    await page.fill('input[type=password] >> nth=0', 'a-long-password');
    await page.fill('input[type=password] >> nth=1', 'a-long-password');
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('text=Set up two-factor authentication');
    await page.waitForSelector('.qr-box img');
    await shot(page, 'phone-setup-mfa');
  } finally {
    await mock.stop();
  }
});
