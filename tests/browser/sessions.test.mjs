// Sessions list, the new-session dialog and the live terminal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, launch, newPage, shot, signIn } from './lib.mjs';

let browser, mock;
before(async () => { browser = await launch(); mock = await startMock(); });
after(async () => { await browser?.close(); await mock?.stop(); });

const terminalText = (page) => page.locator('.xterm-rows').innerText();

test('sessions list: search, status and provider filters, row actions', async () => {
  const page = await newPage(browser);
  await signIn(page, mock.url, '/sessions');
  await page.waitForSelector('.sessions-table tbody tr');
  const rows = () => page.locator('.sessions-table tbody tr');
  assert.equal(await rows().count(), 6);
  await shot(page, 'sessions-dark');

  await page.fill('input[aria-label="Search sessions"]', 'docs');
  assert.equal(await rows().count(), 1);
  await page.fill('input[aria-label="Search sessions"]', '');
  await page.selectOption('select[aria-label="Filter by status"]', 'live');
  assert.equal(await rows().count(), 3);
  assert.match(page.url(), /status=live/);
  await page.selectOption('select[aria-label="Filter by provider"]', 'codex');
  assert.equal(await rows().count(), 1);
  await page.click('button:has-text("Clear")');
  assert.equal(await rows().count(), 6);

  // Kill asks first; cancelling keeps the session running.
  await page.click('button[aria-label="Kill codex-tests"]');
  await page.waitForSelector('role=dialog >> text=Kill codex-tests?');
  await shot(page, 'sessions-kill-confirm');
  await page.keyboard.press('Escape');
  await page.waitForSelector('role=dialog', { state: 'detached' });
  assert.equal(await page.locator('tr:has-text("codex-tests") >> text=Running').count(), 1);
  await page.click('button[aria-label="Kill codex-tests"]');
  await page.click('role=dialog >> button:has-text("Kill session")');
  await page.waitForSelector('tr:has-text("codex-tests") >> text=Stopped');
  await page.click('button[aria-label="Resume codex-tests"]');
  await page.waitForSelector('tr:has-text("codex-tests") >> text=Running');
});

test('new session: providers, live folder validation, dangerous-mode warning, create and land on the session', async () => {
  const page = await newPage(browser);
  await signIn(page, mock.url, '/sessions');
  await page.click('main >> button:has-text("New session")');
  await page.waitForSelector('role=dialog >> text=Native hooks');
  const create = page.locator('role=dialog >> button:has-text("Create session")');
  assert.equal(await create.isDisabled(), true);

  await page.fill('input[aria-labelledby=cwd-label]', '/definitely/not/here');
  await page.waitForSelector('text=Directory does not exist: /definitely/not/here');
  assert.equal(await create.isDisabled(), true);
  await page.fill('input[aria-labelledby=cwd-label]', '/tmp');
  await page.waitForSelector('text=Folder OK');
  await page.fill('input[placeholder="e.g. refactor-math"]', 'browser test');
  await page.click('text=Advanced');
  await page.fill('input[placeholder*="quoted value"]', '--verbose "two words"');
  await page.click('role=switch[name="Dangerous mode"]');
  await page.waitForSelector('text=Only use this in a disposable folder');
  await page.waitForSelector(`pre.preview:has-text("--dangerously-skip-permissions --verbose 'two words'")`);
  await shot(page, 'new-session-dialog');
  await page.click('role=switch[name="Dangerous mode"]');
  await create.click();
  await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
  await page.waitForSelector('h1:has-text("browser test")');
  await page.waitForSelector('.session-meta >> text=Running');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('Welcome to Claude Code'));
});

for (const mode of ['raw', 'frames']) {
  test(`terminal (${mode} output): typing reaches the agent only with focus, echo, search, composer`, async () => {
    const m = mode === 'raw' ? mock : await startMock({ pty: 'frames' });
    try {
      const page = await newPage(browser);
      await signIn(page, m.url, '/sessions');
      await page.click('.session-link >> text=refactor-math');
      await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('Welcome to Claude Code'));

      // Keys typed outside the terminal never reach the agent.
      await page.click('.session-meta');
      await page.keyboard.type('zzz');
      await page.keyboard.press('Escape');
      await page.click('.xterm-box');
      await page.keyboard.type(`hello ${mode}`);
      await page.keyboard.press('Enter');
      await page.waitForFunction((t) => document.querySelector('.xterm-rows')?.textContent.includes(`You said: "${t}"`), `hello ${mode}`);
      assert.equal((await terminalText(page)).includes('zzz'), false);

      // Backspace and Ctrl+C as keys.
      await page.keyboard.type('oops');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Control+c');
      await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('oop^C'));

      // Composer on desktop.
      await page.fill('textarea[aria-label^="Message to"]', `composed ${mode}`);
      await page.keyboard.press('Enter');
      await page.waitForFunction((t) => document.querySelector('.xterm-rows')?.textContent.includes(`You said: "${t}"`), `composed ${mode}`);

      // Search the scrollback.
      await page.click('button[aria-label^="Search the scrollback"]');
      await page.fill('input[aria-label="Search the terminal"]', 'hello');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.search-count:has-text("of")');
      if (mode === 'raw') await shot(page, 'session-terminal-dark');
      await page.keyboard.press('Escape');
      await page.waitForSelector('.term-search', { state: 'detached' });
      assert.deepEqual(page.consoleErrors, []);
    } finally {
      if (m !== mock) await m.stop();
    }
  });
}

test('terminal reconnects and catches up after the socket drops', async () => {
  const page = await newPage(browser);
  await signIn(page, mock.url, '/sessions');
  await page.click('.session-link >> text=refactor-math');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('Welcome'));
  // Output produced while the client is away must show up after the reconnect.
  const id = new URL(page.url()).pathname.split('/')[2];
  await fetch(`${mock.url}/__mock/drop-sockets`, { method: 'POST' });
  await page.waitForSelector('.conn-pill:has-text("Reconnecting")', { timeout: 5000 });
  const sent = await page.request.post(`${mock.url}/api/sessions/${id}/send`, { data: { text: 'while away', newline: true } });
  assert.equal(sent.status(), 200);
  await page.waitForSelector('.conn-pill:has-text("Connected")', { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('You said: "while away"'));
  const text = await terminalText(page);
  assert.equal(text.split('You said: "while away"').length - 1, 1, 'missed bytes arrive exactly once');
  await page.click('.xterm-box');
  await page.keyboard.type('after reconnect');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('You said: "after reconnect"'));
});

test('a stopped session resumes from its page and its new terminal streams', async () => {
  const page = await newPage(browser);
  await signIn(page, mock.url, '/sessions');
  await page.click('.session-link >> text=api-server');
  await page.waitForSelector('.term-ended-overlay >> text=This session has ended');
  assert.equal(await page.locator('textarea[aria-label^="Message to"]').isDisabled(), true);
  await page.click('.session-actions >> button:has-text("Resume")');
  await page.waitForSelector('.session-meta >> text=Running');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('[resumed]'));
  await page.click('.xterm-box');
  await page.keyboard.type('back again');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('You said: "back again"'));
});
