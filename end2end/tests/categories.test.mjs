import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, openPage, signedInPage, hydrated } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the categories page hydrates and filters in the browser without a request', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/categories`);
  await hydrated(page);
  const rows = page.getByTestId('category-row');
  const total = await rows.count();
  assert.ok(total >= 6, `expected the demo categories, saw ${total}`);

  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.getByTestId('category-filter').fill('nail');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=category-row]').length === 1);
  assert.equal(await rows.first().locator('td').first().innerText(), 'Nails');
  assert.equal(await page.getByTestId('category-count').innerText(), `Showing 1 of ${total}`);

  await page.getByTestId('category-filter').fill('zzz-nothing');
  await page.getByTestId('category-empty').waitFor();
  assert.match(await page.getByTestId('category-empty').innerText(), /No categories match/);

  await page.getByTestId('category-filter').fill('');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=category-row]').length === n, total);
  assert.deepEqual(requests, [], 'filtering must not touch the network');
  assert.equal(page.url(), `${BASE}/categories`);

  await page.screenshot({ path: `${SHOTS}categories-${SUITE}.png`, fullPage: true });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the page is readable with JavaScript disabled', async () => {
  const { context, page } = await signedInPage(browser, { javaScriptEnabled: false });
  await page.goto(`${BASE}/categories`);
  assert.ok((await page.getByTestId('category-row').count()) >= 6);
  assert.match(await page.getByTestId('category-count').innerText(), /^Showing \d+ of \d+$/);
  await context.close();
});

test('the theme switch applies at once and is remembered in a cookie, with no session', async () => {
  const { context, page, errors } = await openPage(browser);
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  assert.equal(await page.evaluate(() => document.documentElement.className), 'light');
  await page.getByTestId('theme-toggle').click();
  assert.equal(await page.evaluate(() => document.documentElement.className), 'dark');
  const cookies = await context.cookies();
  assert.ok(cookies.some((c) => c.name === 'pulse_theme' && c.value === 'dark'), JSON.stringify(cookies));
  assert.ok(!cookies.some((c) => c.name === 'pulse_session'), 'a visitor gets no session');

  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.className), 'dark', 'server rendered the saved theme');
  await hydrated(page);
  await page.screenshot({ path: `${SHOTS}login-dark-${SUITE}.png`, fullPage: true });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('unknown pages show the portal 404', async () => {
  const { context, page } = await openPage(browser);
  const response = await page.goto(`${BASE}/does-not-exist`);
  assert.equal(response.status(), 404);
  await page.getByText('Page not found').waitFor();
  await context.close();
});

test('on a phone the sidebar folds into a menu', async () => {
  const { context, page, errors } = await signedInPage(browser, { viewport: { width: 390, height: 844 } });
  await page.goto(`${BASE}/categories`);
  await hydrated(page);
  const mobileNav = page.getByRole('navigation', { name: 'Main (mobile)' });
  assert.equal(await mobileNav.isVisible(), false);
  assert.equal(await page.getByRole('navigation', { name: 'Main', exact: true }).isVisible(), false);
  await page.getByRole('button', { name: 'Open menu' }).click();
  await mobileNav.waitFor({ state: 'visible' });
  await page.screenshot({ path: `${SHOTS}categories-phone-${SUITE}.png` });
  await mobileNav.getByRole('link', { name: 'Categories' }).click();
  await mobileNav.waitFor({ state: 'hidden' });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});
