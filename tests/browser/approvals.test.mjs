// Pending approvals: bell badge, inbox, home queue, session banner; allow,
// deny and "always allow" in one click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, launch, newPage, shot, signIn, raisePending, PHONE } from './lib.mjs';

let browser, mock;
before(async () => { browser = await launch(); mock = await startMock(); });
after(async () => { await browser?.close(); await mock?.stop(); });

test('an approval appears at once on the bell, the inbox and the home page; deny in one click', async () => {
  const page = await newPage(browser);
  await signIn(page, mock.url, '/');
  await page.waitForSelector('.conn-pill:has-text("Connected")');
  const before = Number((await page.locator('.bell-btn .badge-count').textContent().catch(() => '0')) || 0);
  await raisePending(mock.url, { toolName: 'Bash', command: 'git push --force origin main' });
  await page.waitForSelector('.bell-btn .badge-count.amber');
  assert.equal(Number(await page.locator('.bell-btn .badge-count').textContent()), before + 1);
  await page.waitForSelector('main >> .approval >> text=git push --force origin main');
  await shot(page, 'home-approval-dark');

  await page.click('.bell-btn');
  await page.waitForSelector('.inbox >> .approval >> text=git push --force origin main');
  await shot(page, 'inbox-dark');
  await page.click('.inbox >> button:has-text("Deny")');
  await page.waitForSelector('.inbox >> text=No agent is waiting for you.');
  await page.waitForSelector('main >> .approval', { state: 'detached' });
});

test('session banner shows the exact tool and command; "always allow this" saves a rule', async () => {
  const page = await newPage(browser, { theme: 'light' });
  await signIn(page, mock.url, '/sessions');
  await page.click('.session-link >> text=refactor-math');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('Welcome'));
  await page.click('.xterm-box');
  await page.keyboard.type('rm -rf build/tmp');
  await page.keyboard.press('Enter');
  const banner = page.locator('.approval-banner');
  await banner.waitFor();
  assert.equal(await banner.locator('.tool-name').textContent(), 'Bash');
  assert.equal(await banner.locator('.approval-cmd').textContent(), 'rm -rf build/tmp');
  await page.waitForSelector('.session-meta >> text=Needs permission');
  await shot(page, 'session-approval-banner-light');
  await banner.locator('button:has-text("Always allow this")').click();
  await banner.waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('Allowed.'));

  await page.goto(mock.url + '/policies');
  await page.waitForSelector('.policy-card >> text=Always allow Bash');
  await page.waitForSelector('.policy-card:has-text("Always allow Bash") >> code.pattern:has-text("rm -rf build/tmp")');
});

test('phone: approvals reachable from the bell and answerable', async () => {
  const page = await newPage(browser, { viewport: PHONE, touch: true });
  await signIn(page, mock.url, '/');
  await page.waitForSelector('.conn-pill:has-text("Connected")');
  await raisePending(mock.url, { toolName: 'Write', toolInput: { file_path: 'src/app.ts' }, command: 'src/app.ts' });
  await page.waitForSelector('.bell-btn .badge-count.amber');
  await page.click('.bell-btn');
  await page.waitForSelector('.inbox >> text=src/app.ts');
  await shot(page, 'phone-inbox-dark');
  await page.click('.inbox >> button:has-text("Allow") >> nth=0');
  await page.waitForSelector('.inbox >> text=No agent is waiting for you.');
});
