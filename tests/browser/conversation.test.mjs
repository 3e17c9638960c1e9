// The session page's Conversation tab: turns with time, model and tokens,
// tool calls that expand to their results, older pages on scroll, search,
// jump to latest, live increments and the composer (with its confirmation for
// long multi-line text); ended and Codex sessions; themes and the phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, launch, newPage, shot, signIn, PHONE } from './lib.mjs';

let browser, mock;
before(async () => { browser = await launch(); mock = await startMock(); });
after(async () => { await browser?.close(); await mock?.stop(); });

async function sessionId(base, page, cwdEnd) {
  const cookies = await page.context().cookies();
  const r = await fetch(`${base}/api/sessions`, { headers: { Cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } });
  return (await r.json()).sessions.find((s) => s.cwd.endsWith(cwdEnd)).id;
}

function recordConversation(page) {
  const seen = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (/\/api\/sessions\/[^/]+\/conversation$/.test(u.pathname)) seen.push(Object.fromEntries(u.searchParams));
    if (/\/api\/sessions\/[^/]+\/send$/.test(u.pathname)) seen.push({ send: r.postDataJSON() });
  });
  return seen;
}

/** Request events reach the test asynchronously: wait a little for them. */
async function until(fn, ms = 3000) {
  for (const end = Date.now() + ms; !fn() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

const scrollTop = (page) => page.$eval('.convo-scroll', (el) => el.scrollTop);
const atBottom = (page) => page.$eval('.convo-scroll', (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 80);

test('conversation: turns, tool calls with results, older pages, search', async () => {
  const page = await newPage(browser);
  const seen = recordConversation(page);
  await signIn(page, mock.url, '/sessions');
  const id = await sessionId(mock.url, page, '/docs-pass');
  await page.goto(`${mock.url}/sessions/${id}`);
  const first = page.waitForRequest((r) => new URL(r.url()).pathname.endsWith('/conversation'));
  await page.click('role=tab[name="Conversation"]');
  await page.waitForURL(new RegExp(`/sessions/${id}/conversation$`));
  assert.equal(new URL((await first).url()).search, '?limit=50', 'the newest page first');
  await page.waitForSelector('.turn-assistant');

  // The newest page, scrolled to the latest message.
  assert.equal(await atBottom(page), true);
  const last = page.locator('.turn').last();
  assert.match(await last.innerText(), /Summary of changes/);
  assert.ok(await page.locator('.turn-assistant time').count() > 3, 'timestamps');
  assert.ok(await page.locator('.turn-user time').count() > 0);
  assert.ok(await page.locator('.model-chip').count() > 0, 'model chips');
  assert.match(await page.locator('.model-chip').first().innerText(), /^(sonnet-4\.5|opus-4\.6|haiku-4\.5)$/);
  assert.match(await page.locator('.tokens').last().innerText(), /\d+ in\s+\d+ out/);
  // Tool-result lines are folded into their calls; split responses merged.
  assert.equal(await page.locator('.turn-user:has-text("tool_result")').count(), 0);
  await shot(page, 'conversation-dark');

  // A tool call expands to its input and result; a failing one shows the error.
  const failing = page.locator('.tool-card.tool-error').last();
  await failing.scrollIntoViewIfNeeded();
  await failing.locator('.tool-head').click();
  await failing.locator('.tool-out.is-error >> text=broken links found').waitFor();
  assert.match(await failing.locator('.tool-in').innerText(), /\$ npm run docs:check-links/);
  const edit = page.locator('.tool-card:has(.tool-name:text-is("Edit"))').last();
  await edit.locator('.tool-head').click();
  await edit.locator('.diff .add').first().waitFor();
  assert.match(await edit.locator('.tool-out').innerText(), /has been updated/);
  await edit.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shot(page, 'conversation-tool-expanded-dark');
  await edit.locator('.tool-head').click();
  assert.equal(await edit.locator('.tool-body').count(), 0, 'collapses again');

  // Scrolling to the top loads the page before, keeping the reading position.
  const before = await page.locator('.turn').count();
  await page.$eval('.convo-scroll', (el) => { el.scrollTop = 0; });
  await page.waitForFunction((n) => document.querySelectorAll('.turn').length > n, before);
  await until(() => seen.some((q) => q.before && q.limit === '50'));
  assert.ok(seen.some((q) => q.before && q.limit === '50'), 'GET …/conversation?before=<oldest id>');
  assert.ok(await scrollTop(page) > 200, 'the older page went above, not under the reader');
  await page.$eval('.convo-scroll', (el) => { el.scrollTop = 0; });
  await page.waitForSelector('text=Beginning of the conversation', { timeout: 10000 });
  await page.waitForSelector('.turn-user >> text=Rewrite the introduction of docs/intro.md');
  await page.waitForSelector('.day-sep');

  // Jump to latest.
  await page.waitForSelector('.jump-latest:has-text("Jump to latest")');
  await page.click('.jump-latest');
  await page.waitForFunction(() => { const el = document.querySelector('.convo-scroll'); return el.scrollHeight - el.scrollTop - el.clientHeight < 80; });
  await page.waitForSelector('.jump-latest', { state: 'detached' });

  // Search within the conversation.
  await page.fill('input[aria-label="Search the conversation"]', 'agent-daemon');
  await page.waitForSelector('.convo-count:has-text(" of ")');
  const count = await page.locator('.convo-count').innerText();
  const total = Number(/of (\d+)/.exec(count)[1]);
  assert.ok(total >= 2, count);
  assert.equal(count, `${total} of ${total}`, 'starts at the newest match');
  await page.press('input[aria-label="Search the conversation"]', 'Enter');
  await page.waitForSelector(`.convo-count:has-text("${total - 1} of ${total}")`);
  assert.ok(await page.locator('.search-active mark').count() > 0, 'the match is marked');
  const inView = await page.$eval('.search-active', (el) => {
    const r = el.getBoundingClientRect(), c = document.querySelector('.convo-scroll').getBoundingClientRect();
    return r.bottom > c.top && r.top < c.bottom;
  });
  assert.equal(inView, true);
  await shot(page, 'conversation-search-dark');
  await page.fill('input[aria-label="Search the conversation"]', 'no such words anywhere');
  await page.waitForSelector('.convo-count:has-text("No matches")');
  await page.press('input[aria-label="Search the conversation"]', 'Escape');
  assert.equal(await page.locator('mark').count(), 0);
  assert.deepEqual(page.consoleErrors, []);
});

test('conversation: the composer sends, the reply arrives live, long multi-line text is confirmed', async () => {
  const page = await newPage(browser);
  const seen = recordConversation(page);
  await signIn(page, mock.url, '/sessions');
  const id = await sessionId(mock.url, page, '/docs-pass');
  await page.goto(`${mock.url}/sessions/${id}/conversation`);
  await page.waitForSelector('.turn-assistant');
  const box = page.locator('textarea[aria-label="Message to Claude Code"]');
  assert.equal(await box.isDisabled(), false);

  await box.fill('Yes, open a branch please');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.turn-user:not(.turn-pending) >> text=Yes, open a branch please');
  await page.waitForSelector('.turn-assistant >> text=You said: "Yes, open a branch please"');
  await until(() => seen.some((x) => x.send) && seen.some((q) => q.after !== undefined));
  assert.deepEqual(seen.find((x) => x.send).send, { text: 'Yes, open a branch please', newline: true });
  assert.ok(seen.some((q) => q.after !== undefined), 'new messages come with ?after=<newest id>');
  assert.equal(await box.inputValue(), '');
  assert.equal(await page.locator('.turn-pending').count(), 0);
  assert.equal(await atBottom(page), true, 'follows the conversation while at the bottom');

  // Multi-line text over 2 KB asks first; cancelling keeps the draft.
  const long = Array.from({ length: 60 }, (_, i) => `line ${i + 1}: ${'lorem ipsum dolor sit amet '.repeat(2)}`).join('\n');
  await box.fill(long);
  await page.waitForSelector('.composer-hint:has-text("confirm")');
  const sends = seen.filter((x) => x.send).length;
  await page.keyboard.press('Enter');
  await page.waitForSelector('role=dialog >> text=Send this long message?');
  await page.waitForSelector('role=dialog >> text=60 lines');
  await shot(page, 'conversation-confirm-long-dark');
  await page.click('role=dialog >> button:has-text("Cancel")');
  await page.waitForSelector('role=dialog', { state: 'detached' });
  assert.equal(await box.inputValue(), long);
  assert.equal(seen.filter((x) => x.send).length, sends, 'nothing was sent');
  await page.click('button[aria-label="Send message"]');
  await page.click('role=dialog >> button:has-text("Send message")');
  await page.waitForFunction(() => document.querySelector('textarea[aria-label="Message to Claude Code"]').value === '');
  await until(() => seen.filter((x) => x.send).length === sends + 1);
  assert.equal(seen.filter((x) => x.send).length, sends + 1);
  assert.equal(seen.filter((x) => x.send).pop().send.text, long.trimEnd(), "sent as typed, trailing blanks dropped");
  // Short multi-line text goes without asking.
  await box.fill('two\nlines');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('textarea[aria-label="Message to Claude Code"]').value === '');
  assert.equal(await page.locator('role=dialog').count(), 0);

  // A message that arrives while reading older ones: "1 new message".
  await page.waitForSelector('.turn-assistant >> text=You said: "two lines"');
  await page.$eval('.convo-scroll', (el) => { el.scrollTop = el.scrollHeight / 2; });
  await page.waitForSelector('.jump-latest');
  const r = await page.request.post(`${mock.url}/api/sessions/${id}/send`, { data: { text: 'from elsewhere', newline: true } });
  assert.equal(r.status(), 200);
  await page.waitForSelector('.jump-latest.has-new');
  assert.match(await page.locator('.jump-latest').innerText(), /new message/);
  await shot(page, 'conversation-new-messages-dark');
  await page.click('.jump-latest');
  await page.waitForSelector('.jump-latest', { state: 'detached' });
  await page.waitForSelector('.turn-assistant >> text=You said: "from elsewhere"');
  assert.deepEqual(page.consoleErrors, []);
});

test('conversation: an ended session stays readable with the composer off; Codex explains', async () => {
  const page = await newPage(browser, { theme: 'light' });
  await signIn(page, mock.url, '/sessions');
  const stopped = await sessionId(mock.url, page, '/api-server');
  await page.goto(`${mock.url}/sessions/${stopped}/conversation`);
  await page.waitForSelector('.turn-assistant');
  await page.waitForSelector('.convo-toolbar >> text=Session ended');
  assert.equal(await page.locator('textarea[aria-label="Message to Claude Code"]').isDisabled(), true);
  assert.match(await page.locator('textarea[aria-label="Message to Claude Code"]').getAttribute('placeholder'), /ended/);
  assert.equal(await page.locator('text=Beginning of the conversation').count(), 1, 'one page holds it all');
  await page.locator('.tool-card').first().locator('.tool-head').click();
  await page.locator('.tool-card').first().locator('.tool-out').waitFor();
  await shot(page, 'conversation-ended-light');

  const codex = await sessionId(mock.url, page, '/codex-tests');
  await page.goto(`${mock.url}/sessions/${codex}/conversation`);
  await page.waitForSelector('.empty-title:has-text("No conversation for Codex sessions")');
  await shot(page, 'conversation-codex-empty-light');
});

test('conversation: light theme and the phone layout', async () => {
  const light = await newPage(browser, { theme: 'light' });
  await signIn(light, mock.url, '/sessions');
  const id = await sessionId(mock.url, light, '/docs-pass');
  await light.goto(`${mock.url}/sessions/${id}/conversation`);
  await light.waitForSelector('.turn-assistant');
  const tool = light.locator('.tool-card:has(.tool-name:text-is("Bash"))').last();
  await tool.locator('.tool-head').click();
  await tool.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shot(light, 'conversation-light');

  for (const theme of ['dark', 'light']) {
    const page = await newPage(browser, { viewport: PHONE, touch: true, theme });
    await signIn(page, mock.url, `/sessions/${id}/conversation`);
    await page.waitForSelector('.turn-assistant');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no horizontal scroll');
    assert.equal(await page.$eval('.convo-scroll', (el) => el.scrollWidth <= el.clientWidth + 1), true, 'messages wrap');
    assert.ok(await page.locator('textarea[aria-label="Message to Claude Code"]').isVisible());
    const frame = await page.locator('.convo-frame').boundingBox();
    assert.ok(frame.height > 380, `the conversation keeps most of the screen (${frame.height})`);
    await shot(page, `phone-conversation-${theme}`);
    if (theme === 'dark') {
      const t = page.locator('.tool-card').last();
      await t.locator('.tool-head').click();
      await t.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await shot(page, 'phone-conversation-tool-dark');
    }
    assert.deepEqual(page.consoleErrors, []);
  }
});
