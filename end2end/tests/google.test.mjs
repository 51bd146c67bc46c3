// "Sign in with Google" in a real browser, against a real OpenID Connect provider on loopback
// (end2end/oidc/provider.mjs; its sign-in form takes any password for the typed email).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, openPage, hydrated } from './browser.mjs';

const EMAIL = process.env.E2E_EMAIL ?? 'owner@e2e.test';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A page whose requests to outside hosts (the provider's web fonts) fail at once: no network here. */
async function offlinePage() {
  const opened = await openPage(browser);
  await opened.context.route(/fonts\.(googleapis|gstatic)\.com/, (route) => route.abort());
  return opened;
}

/** Signs in at the provider's own pages: its login form, then its consent form. */
async function signInAtProvider(page, email) {
  await page.locator('input[name="login"]').fill(email);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').waitFor();
  await page.screenshot({ path: `${SHOTS}google-consent-${SUITE}.png` });
  await page.locator('button[type="submit"]').click();
}

test('staff sign in with Google and land on the page they asked for', async () => {
  const { context, page, errors } = await offlinePage();
  await page.goto(`${BASE}/login?next=/categories`);
  await hydrated(page);
  await page.screenshot({ path: `${SHOTS}login-with-google-${SUITE}.png` });
  await page.getByTestId('login-google').click();
  await page.waitForURL((url) => !url.href.startsWith(BASE));
  await signInAtProvider(page, EMAIL);
  await page.waitForURL(`${BASE}/categories`);
  await page.getByTestId('current-user').waitFor();
  assert.match(await page.getByTestId('current-user').innerText(), /E2E Owner/);
  await page.reload();
  await page.getByTestId('current-user').waitFor();
  assert.deepEqual(errors.filter((e) => !/fonts|ERR_FAILED/.test(e)), []);
  await context.close();
});

test('a Google account without portal access is sent back with a clear message', async () => {
  const { context, page } = await offlinePage();
  await page.goto(`${BASE}/login`);
  await hydrated(page);
  await page.getByTestId('login-google').click();
  await page.waitForURL((url) => !url.href.startsWith(BASE));
  await signInAtProvider(page, `customer-${SUITE}-${Date.now()}@e2e.test`);
  await page.waitForURL(`${BASE}/login?error=portal_forbidden`);
  await page.getByTestId('login-error').waitFor();
  assert.match(await page.getByTestId('login-error').innerText(), /cannot use the admin portal/);
  await page.screenshot({ path: `${SHOTS}google-refused-${SUITE}.png` });
  assert.equal(await page.getByTestId('current-user').count(), 0);
  await context.close();
});
