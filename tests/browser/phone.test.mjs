// Phone layout (390x844): bottom bar, every section reachable, cards, session
// page with key bar and composer, both themes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, launch, newPage, shot, signIn, PHONE } from './lib.mjs';

let browser, mock;
before(async () => { browser = await launch(); mock = await startMock(); });
after(async () => { await browser?.close(); await mock?.stop(); });

for (const theme of ['dark', 'light']) {
  test(`phone (${theme}): bottom bar reaches every section`, async () => {
    const page = await newPage(browser, { viewport: PHONE, touch: true, theme });
    await signIn(page, mock.url, '/');
    assert.equal(await page.locator('.rail').isVisible(), false);
    await page.waitForSelector('.bottom-bar');
    await shot(page, `phone-home-${theme}`);
    await page.click('.bottom-bar >> text=Sessions');
    await page.waitForSelector('.session-card');
    assert.equal(await page.locator('.sessions-table').isVisible(), false);
    await shot(page, `phone-sessions-${theme}`);
    await page.click('.bottom-bar >> text=Policies');
    await page.waitForSelector('.policy-card');
    for (const section of ['Analytics', 'Workflows', 'Settings']) {
      await page.click('.bottom-bar >> text=More');
      await page.click(`.sheet >> text=${section}`);
      await page.waitForSelector(`h1:has-text("${section}")`);
    }
    await page.click('.bottom-bar >> button[aria-label="New session"]');
    await page.waitForSelector('role=dialog >> text=New session');
    await shot(page, `phone-new-session-${theme}`);
    // No horizontal scroll anywhere.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
  });
}

test('phone: session page with key bar and composer', async () => {
  const page = await newPage(browser, { viewport: PHONE, touch: true });
  await signIn(page, mock.url, '/sessions');
  await page.click('.session-card-main >> text=refactor-math');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('Welcome'));
  await page.waitForSelector('.keybar');
  await page.fill('textarea[aria-label^="Message to"]', 'from the phone');
  await page.click('button[aria-label="Send message"]');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('You said: "from the phone"'));
  await page.fill('textarea[aria-label^="Message to"]', '');
  await page.click('.xterm-box');
  await page.keyboard.type('abc');
  await page.click('.keybar >> button[aria-label="Control C"]');
  await page.waitForFunction(() => document.querySelector('.xterm-rows')?.textContent.includes('abc^C'));
  await shot(page, 'phone-session-dark');
  const box = await page.locator('.term-frame').boundingBox();
  assert.ok(box.height > 250, 'the terminal keeps most of the screen');
});
