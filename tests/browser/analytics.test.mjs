// Analytics page: every chart with data and with none, loading state, range
// switching refetches, CSV exports, themes and the phone layout; and the home
// page's usage strip from /api/analytics/overview?range=today.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startMock, launch, newPage, shot, signIn, PHONE } from './lib.mjs';

let browser, mock;
before(async () => { browser = await launch(); mock = await startMock(); });
after(async () => { await browser?.close(); await mock?.stop(); });

const CHARTS = ['tokens', 'activity', 'decisions', 'models', 'tools', 'providers'];
const ROUTES = ['overview', 'activity-timeline', 'tokens-by-model', 'token-usage', 'sessions-by-provider', 'tool-usage', 'policy-decisions'];

function recordAnalytics(page) {
  const seen = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/analytics/')) seen.push(`${u.pathname.slice('/api/analytics/'.length)}?${u.searchParams.get('range')}`);
  });
  return seen;
}

/** Request events reach the test asynchronously: wait a little for them. */
async function until(fn, ms = 3000) {
  for (const end = Date.now() + ms; !fn() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

async function waitForCharts(page) {
  await page.waitForSelector('.analytics-kpis .kpi-value');
  for (const c of CHARTS) await page.waitForSelector(`[data-chart=${c}] :is(svg, .bar-list, .chart-empty, .composition)`);
  await page.waitForFunction(() => !document.querySelector('.analytics-body.refreshing'));
}

/** Screenshot of the whole page: a viewport tall enough for all of it. */
async function fullShot(page, name, width) {
  const h = await page.evaluate(() => document.querySelector('.main').scrollHeight + 60);
  const old = page.viewportSize();
  await page.setViewportSize({ width: width ?? old.width, height: Math.max(old.height, h) });
  await shot(page, name);
  await page.setViewportSize(old);
}

test('analytics: every chart renders with data; range switching refetches; CSV exports download', async () => {
  const page = await newPage(browser);
  const seen = recordAnalytics(page);
  await signIn(page, mock.url, '/analytics');
  await waitForCharts(page);
  await until(() => ROUTES.every((r) => seen.includes(`${r}?7d`)));
  for (const r of ROUTES) assert.ok(seen.includes(`${r}?7d`), `GET /api/analytics/${r}?range=7d`);

  // KPI cards.
  const kpis = await page.locator('.analytics-kpis .kpi').allInnerTexts();
  assert.equal(kpis.length, 5);
  for (const [i, label] of ['Sessions', 'Messages', 'Tokens', 'Cache hit rate', 'Est. cost'].entries()) assert.match(kpis[i], new RegExp(label, 'i'));
  assert.match(kpis[4], /\$\d+\.\d\d/);

  // Every chart has drawn something.
  for (const c of ['tokens', 'activity', 'decisions']) {
    assert.ok(await page.locator(`[data-chart=${c}] svg path`).count() > 0, `${c} has bars`);
  }
  // A continuous axis: 7 days back to today is 8 UTC days, quiet days included.
  assert.equal(await page.locator('[data-chart=activity] svg rect[fill="transparent"]').count(), 8);
  assert.ok(await page.locator('[data-chart=models] .donut-seg').count() >= 2);
  assert.ok(await page.locator('[data-chart=models] tbody tr').count() >= 2);
  assert.ok(await page.locator('[data-chart=tools] .bar-row').count() >= 5);
  assert.ok(await page.locator('[data-chart=providers] .bar-row').count() >= 1);
  assert.equal(await page.locator('.chart-empty').count(), 0);

  // Tooltip on a bar; the legend switches a series off.
  const box = await page.locator('[data-chart=tokens] .chart').boundingBox();
  await page.mouse.move(box.x + box.width - 40, box.y + box.height / 2);
  await page.waitForSelector('[data-chart=tokens] .chart-tip >> text=Cache read');
  await shot(page, 'analytics-dark');
  await page.click('[data-chart=tokens] .legend-item:has-text("Cache read")');
  assert.equal(await page.locator('[data-chart=tokens] .legend-item.off').count(), 1);
  await page.mouse.move(box.x + box.width - 40, box.y + box.height / 2);
  await page.waitForSelector('[data-chart=tokens] .chart-tip');
  assert.equal(await page.locator('[data-chart=tokens] .chart-tip >> text=Cache read').count(), 0);
  await page.click('[data-chart=tokens] .legend-item:has-text("Cache read")');
  await page.mouse.move(0, 0);
  await fullShot(page, 'analytics-dark-full');

  // Range switching fetches every route again, for the new range.
  seen.length = 0;
  await page.click('.range-picker >> button:has-text("Last 30 days")');
  await page.waitForURL(/\/analytics\?range=30d$/);
  await waitForCharts(page);
  await until(() => ROUTES.every((r) => seen.includes(`${r}?30d`)));
  for (const r of ROUTES) assert.ok(seen.includes(`${r}?30d`), `GET /api/analytics/${r}?range=30d`);
  assert.equal(await page.locator('[data-chart=activity] svg rect[fill="transparent"]').count(), 31);
  seen.length = 0;
  await page.click('.range-picker >> button:has-text("All time")');
  await waitForCharts(page);
  await until(() => ROUTES.every((r) => seen.includes(`${r}?all`)));
  for (const r of ROUTES) assert.ok(seen.includes(`${r}?all`));
  seen.length = 0;
  await page.click('.range-picker >> button:has-text("Today")');
  await waitForCharts(page);
  await until(() => ROUTES.every((r) => seen.includes(`${r}?today`)));
  for (const r of ROUTES) assert.ok(seen.includes(`${r}?today`));
  // One day: what it is made of, not a lone bar.
  for (const c of ['tokens', 'activity', 'decisions']) await page.waitForSelector(`[data-chart=${c}] .composition .comp-bar span`);
  assert.match(await page.locator('[data-chart=tokens] .comp-legend').innerText(), /Cache read\s+[\d,]+\s+[\d.]+%/);
  await shot(page, 'analytics-today-dark');
  await page.click('.range-picker >> button:has-text("Last 7 days")');
  await waitForCharts(page);

  // CSV exports: one per breakdown, and everything at once.
  const csv = async (selector) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    return { name: dl.suggestedFilename(), text: readFileSync(await dl.path(), 'utf8') };
  };
  const tools = await csv('[data-chart=tools] button.csv-btn');
  assert.match(tools.name, /^codepiper-tool-usage-7d-\d{4}-\d{2}-\d{2}\.csv$/);
  assert.match(tools.text, /^tool,calls\r\n/);
  assert.match(tools.text, /\r\n(Bash|Read|Edit),\d+\r\n/);
  const tokens = await csv('[data-chart=tokens] button.csv-btn');
  assert.match(tokens.text, /^date,input,output,cache_write,cache_read,total\r\n/);
  assert.equal(tokens.text.trim().split('\r\n').length, 1 + 8);
  const models = await csv('[data-chart=models] button.csv-btn');
  assert.match(models.text, /^model,tokens,input,output,cache_read,cache_write,requests,cost_usd\r\nclaude-/);
  for (const c of ['activity', 'decisions', 'providers']) {
    const r = await csv(`[data-chart=${c}] button.csv-btn`);
    assert.ok(r.text.split('\r\n').length > 2, `${c} CSV has rows`);
  }
  const all = await csv('button:has-text("Export all")');
  assert.match(all.text, /^section,key,metric,value\r\noverview,,sessionsCount,\d+/);
  assert.match(all.text, /\r\ntool,\w+,calls,\d+/);
  assert.deepEqual(page.consoleErrors, []);
});

test('analytics: light theme, and the phone layout in both themes', async () => {
  const light = await newPage(browser, { theme: 'light' });
  await signIn(light, mock.url, '/analytics?range=30d');
  await waitForCharts(light);
  await shot(light, 'analytics-light');
  await fullShot(light, 'analytics-light-full');

  for (const theme of ['dark', 'light']) {
    const page = await newPage(browser, { viewport: PHONE, touch: true, theme });
    await signIn(page, mock.url, '/analytics');
    await waitForCharts(page);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no horizontal scroll');
    assert.equal(await page.evaluate(() => [...document.querySelectorAll('.chart-card')].every((c) => c.scrollWidth <= c.clientWidth + 1)), true, 'charts fit their cards');
    await shot(page, `phone-analytics-${theme}`);
    await fullShot(page, `phone-analytics-${theme}-full`);
    // Tap a bar for its numbers.
    const box = await page.locator('[data-chart=activity] .chart').boundingBox();
    await page.locator('[data-chart=activity] .chart').scrollIntoViewIfNeeded();
    const b2 = await page.locator('[data-chart=activity] .chart').boundingBox();
    await page.mouse.click(b2.x + b2.width - 20, b2.y + b2.height / 2);
    await page.waitForSelector('[data-chart=activity] .chart-tip');
    assert.ok(box);
    assert.deepEqual(page.consoleErrors, []);
  }
});

test('analytics: loading state, then empty states when nothing was recorded', async () => {
  const empty = await startMock({ seed: false });
  try {
    await fetch(`${empty.url}/__mock/analytics`, { method: 'POST', body: JSON.stringify({ delayMs: 1500 }) });
    const page = await newPage(browser);
    await signIn(page, empty.url, '/analytics');
    await page.waitForSelector('.chart-skeleton');
    assert.equal(await page.locator('.chart-skeleton').count(), 6);
    assert.equal(await page.locator('.analytics-kpis .kpi.skeleton').count(), 5);
    await shot(page, 'analytics-loading-dark');
    await fetch(`${empty.url}/__mock/analytics`, { method: 'POST', body: JSON.stringify({ delayMs: 0 }) });
    await waitForCharts(page);
    assert.equal(await page.locator('.chart-empty').count(), 6);
    assert.match(await page.locator('.analytics-kpis').innerText(), /\$0\.00/);
    await page.waitForSelector('.callout-info >> text=Nothing was recorded');
    for (const c of CHARTS) assert.equal(await page.locator(`[data-chart=${c}] button.csv-btn`).isDisabled(), true);
    await shot(page, 'analytics-empty-dark');
    const phone = await newPage(browser, { viewport: PHONE, touch: true, theme: 'light' });
    await signIn(phone, empty.url, '/analytics');
    await waitForCharts(phone);
    await shot(phone, 'phone-analytics-empty-light');
  } finally {
    await empty.stop();
  }
});

test('analytics: a failing route shows its own error and retry', async () => {
  const page = await newPage(browser);
  await page.route('**/api/analytics/tool-usage*', (r) => r.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"database is locked"}' }));
  await signIn(page, mock.url, '/analytics');
  await page.waitForSelector('[data-chart=tools] >> text=database is locked');
  await page.waitForSelector('[data-chart=models] tbody tr');
  await page.unroute('**/api/analytics/tool-usage*');
  await page.click('[data-chart=tools] button:has-text("Retry")');
  await page.waitForSelector('[data-chart=tools] .bar-row');
  page.consoleErrors.length = 0; // the 500 is logged by the browser
});

test('home: usage cards from /api/analytics/overview?range=today', async () => {
  const page = await newPage(browser);
  const seen = recordAnalytics(page);
  await signIn(page, mock.url, '/');
  await page.waitForSelector('.usage-strip[aria-busy="false"]');
  await until(() => seen.includes('overview?today'));
  assert.ok(seen.includes('overview?today'));
  const cookies = await page.context().cookies();
  const r = await fetch(`${mock.url}/api/analytics/overview?range=today`, { headers: { Cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } });
  const o = await r.json();
  const text = await page.locator('.usage-strip').innerText();
  assert.match(text, new RegExp(`MESSAGES TODAY\\s+${o.totalMessages.toLocaleString('en-US')}`, 'i'));
  assert.match(text, new RegExp(`${o.cacheHitRate.toFixed(1)}%`));
  assert.match(text, /read from cache/);
  await shot(page, 'home-usage-dark');
  await page.click('.usage-link');
  await page.waitForURL(/\/analytics\?range=today$/);
  await page.waitForSelector('.range-picker button[aria-checked="true"]:has-text("Today")');
});
