import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, openPage, hydrated } from './browser.mjs';

const EMAIL = process.env.E2E_EMAIL ?? 'owner@e2e.test';
const PASSWORD = process.env.E2E_PASSWORD ?? 'E2eOwnerPass1!';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('staff sign in with email and password, stay signed in across reloads, and sign out', async () => {
  const { context, page } = await openPage(browser);
  const uncaught = [];
  page.on('pageerror', (e) => uncaught.push(e.message));

  await page.goto(`${BASE}/login?next=/categories`);
  await hydrated(page);
  await page.getByTestId('login-email').fill(EMAIL);
  await page.getByTestId('login-password').fill('Wrong1!pass');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor();
  assert.equal(await page.getByTestId('login-error').innerText(), 'Invalid email or password.');
  await page.screenshot({ path: `${SHOTS}login-error-${SUITE}.png` });

  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${BASE}/categories`);
  await page.getByTestId('current-user').waitFor();
  assert.match(await page.getByTestId('current-user').innerText(), /E2E Owner/);

  await page.reload();
  await page.getByTestId('current-user').waitFor();
  await hydrated(page);
  await page.screenshot({ path: `${SHOTS}signed-in-${SUITE}.png` });

  await page.getByTestId('sign-out').click();
  await page.waitForURL(/\/login$/);
  await page.getByTestId('sign-in-link').waitFor();
  assert.deepEqual(uncaught, []);
  await context.close();
});

test('sign-in works before the page has hydrated (plain form post)', async () => {
  const { context, page } = await openPage(browser, { javaScriptEnabled: false });
  await page.goto(`${BASE}/login`);
  await page.getByTestId('login-email').fill(EMAIL);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  // No page was asked for: `/` sends an owner to the first page of their menu.
  await page.waitForURL(`${BASE}/dashboard`);
  assert.match(await page.getByTestId('current-user').innerText(), /E2E Owner/);
  await context.close();
});
