// Policies: create with every matcher, edit, toggle, delete; policy sets and
// members; the audit log with filters and the chain verification state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMock, launch, newPage, shot, signIn } from './lib.mjs';

let browser, mock;
before(async () => { browser = await launch(); mock = await startMock(); });
after(async () => { await browser?.close(); await mock?.stop(); });

async function getPolicy(page, id) {
  const r = await page.request.get(`${mock.url}/api/policies/${id}`);
  return (await r.json()).policy;
}

test('create a policy with tool, argument, cwd and session patterns; test it; toggle; delete', async () => {
  const page = await newPage(browser);
  await signIn(page, mock.url, '/policies');
  await page.waitForSelector('.policy-card');
  await shot(page, 'policies-dark');
  await page.click('button:has-text("New policy")');
  const dlg = page.locator('role=dialog');
  await dlg.locator('input[placeholder="Block destructive shell"]').fill('No curl to the internet');
  assert.equal(await dlg.locator('input[placeholder="block-destructive-shell"]').inputValue(), 'no-curl-to-the-internet');
  await dlg.locator('input[type=number]').fill('80');
  await dlg.locator('input[placeholder="What this policy is for"]').fill('Network access needs a human');
  await dlg.locator('button:has-text("Add rule")').click();
  await dlg.locator('select[aria-label="Rule 1 action"]').selectOption('ask');
  await dlg.locator('input[aria-label="Rule 1 tool patterns"]').fill('Bash');
  await dlg.locator('input[aria-label="Rule 1 tool patterns"]').press('Enter');
  await dlg.locator('button:has-text("Add argument matcher")').click();
  const argPatterns = dlg.locator('input[aria-label="Patterns for argument command"]');
  await argPatterns.fill('curl *');
  await argPatterns.press('Enter');
  await argPatterns.fill('!curl *localhost*');
  await argPatterns.press('Enter');
  await dlg.locator('input[aria-label="Rule 1 cwd patterns"]').fill('/home/**');
  await dlg.locator('input[aria-label="Rule 1 cwd patterns"]').press('Enter');
  await dlg.locator('input[aria-label="Rule 1 reason"]').fill('Ask before network calls');

  await dlg.locator('button:has-text("Test")').click();
  const tester = dlg.locator('.tester');
  await tester.locator('label:has-text("Value") input').fill('curl https://example.com');
  await tester.locator('label:has-text("Folder") input').fill('/home/me/app');
  await tester.locator('.tester-result >> text=by rule 1').waitFor();
  await tester.locator('label:has-text("Value") input').fill('curl http://localhost:8080');
  await tester.locator('.tester-result >> text=No rule matches').waitFor();
  await shot(page, 'policy-editor-dark');

  await dlg.locator('button:has-text("Create policy")').click();
  await page.waitForSelector('role=dialog', { state: 'detached' });
  const card = page.locator('.policy-card:has-text("No curl to the internet")');
  await card.waitFor();
  const saved = await getPolicy(page, 'no-curl-to-the-internet');
  assert.deepEqual(saved.rules, [{ id: 'r1', action: 'ask', tool: 'Bash', args: { command: ['curl *', '!curl *localhost*'] }, cwd: '/home/**', reason: 'Ask before network calls' }]);
  assert.equal(saved.priority, 80);

  // Edit keeps the matchers it does not touch.
  await card.locator('button:has-text("Edit")').click();
  await page.locator('role=dialog >> input[aria-label="Rule 1 reason"]').fill('Network needs a human');
  await page.click('role=dialog >> button:has-text("Save changes")');
  await page.waitForSelector('role=dialog', { state: 'detached' });
  const edited = await getPolicy(page, 'no-curl-to-the-internet');
  assert.equal(edited.rules[0].reason, 'Network needs a human');
  assert.deepEqual(edited.rules[0].args, { command: ['curl *', '!curl *localhost*'] });

  await card.locator('role=switch').click();
  await card.locator('text=Disabled').waitFor();
  assert.equal((await getPolicy(page, 'no-curl-to-the-internet')).enabled, false);

  await card.locator('button:has-text("Delete")').click();
  await page.click('role=dialog >> button:has-text("Delete policy")');
  await card.waitFor({ state: 'detached' });
});

test('policy sets: create, default, members', async () => {
  const page = await newPage(browser);
  await signIn(page, mock.url, '/policies/sets');
  await page.waitForSelector('.set-card >> text=Default guardrails');
  await page.click('button:has-text("New set")');
  await page.fill('role=dialog >> label:has-text("Name") input', 'Strict review');
  await page.click('role=dialog >> label:has-text("Block destructive shell") input');
  await page.click('role=dialog >> button:has-text("Create set")');
  const card = page.locator('.set-card:has-text("Strict review")');
  await card.waitFor();
  await card.locator('text=1 policy').waitFor();
  await card.locator('button:has-text("Make default")').click();
  await card.locator('.chip:has-text("Default")').waitFor();
  await card.locator('.set-expand').click();
  await card.locator('select[aria-label="Add a policy to this set"]').selectOption('auto-approve-reads');
  await card.locator('.member >> text=Auto-approve reads').waitFor();
  await card.locator('text=2 policies').waitFor();
  await shot(page, 'policy-sets-dark');
});

test('audit log: decisions with the request, filters, chain verification', async () => {
  const page = await newPage(browser, { theme: 'light' });
  await signIn(page, mock.url, '/policies/audit');
  await page.waitForSelector('.verify-ok >> text=Audit chain intact');
  await page.waitForSelector('.audit-table >> text=rm -rf build/');
  const rows = page.locator('.audit-table tbody tr');
  const all = await rows.count();
  await page.selectOption('select[aria-label="Filter by decision"]', 'deny');
  await page.waitForFunction((n) => document.querySelectorAll('.audit-table tbody tr').length < n, all);
  for (const chip of await page.locator('.audit-table tbody tr .chip').allTextContents()) assert.equal(chip, 'deny');
  await page.selectOption('select[aria-label="Filter by decision"]', '');
  await page.waitForSelector('.audit-table >> text=Read');
  await shot(page, 'audit-log-light');
});
