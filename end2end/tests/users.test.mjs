// The users pages and the password pages in Chromium, against the real server: a customer is found by
// typing (the URL follows the search box once typing pauses) and by role, their account opens and
// gets another role; the forgot-password page answers the same for any address; with the mail sink
// of scripts/e2e.sh, staff invited from the users page set their password from the emailed link and
// reset it later. Each page is photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as helpers from './browser.mjs';
import { BASE, SUITE, SHOTS, launch, openPage, signedInPage, hydrated, api } from './browser.mjs';

let browser;
let people;

before(async () => {
  browser = await launch();
  // A customer account, made the way the API makes one (giving a role to a new address).
  const ctx = await browser.newContext();
  const roles = (await api(ctx.request, 'GET', '/roles')).roles;
  const role = (name) => roles.find((r) => r.name === name);
  const stamp = Date.now().toString(36);
  const customer = `e2e-cust-${stamp}@e2e.test`;
  await api(ctx.request, 'POST', '/users/assign-role', { email: customer, roleId: role('Customer').id });
  await ctx.close();
  people = { stamp, customer, customerName: customer.split('@')[0], receptionist: role('Receptionist') };
});
after(async () => { await browser?.close(); });

test('a customer is found by search and role, opened, and given another role', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/users`);
  await hydrated(page);

  // Typed key by key: one request once typing pauses, not one per key.
  const calls = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/fn/list_users')) calls.push(r.url()); });
  const search = page.getByTestId('user-search');
  await search.pressSequentially(people.customerName, { delay: 40 });
  await page.waitForURL(new RegExp(`search=${people.customerName}`));
  const row = page.getByTestId('user-row').filter({ hasText: people.customer });
  await row.waitFor();
  // The previous (unfiltered) rows stay until the new page arrives: wait for the filtered list.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=user-row]').length === 1);
  assert.ok(calls.length >= 1 && calls.length < people.customerName.length / 2, `list requests: ${calls.length}`);

  await page.getByTestId('user-role-filter').selectOption('Customer');
  await page.waitForURL(/role=Customer/);
  assert.match(page.url(), new RegExp(`search=${people.customerName}`), 'the search stays in the URL');
  await row.waitFor();
  assert.equal(await row.getByTestId('user-role').innerText(), 'Customer');
  // The query lives in the URL: a reload shows the same list and the same search.
  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByTestId('user-search').inputValue(), people.customerName);
  await page.getByTestId('user-row').filter({ hasText: people.customer }).waitFor();
  await page.screenshot({ path: `${SHOTS}users-${SUITE}.png`, fullPage: true });

  await page.getByTestId('user-row').filter({ hasText: people.customer }).getByTestId('user-link').click();
  await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
  await page.getByTestId('user-email').filter({ hasText: people.customer }).waitFor();
  assert.equal(await page.getByTestId('detail-role').innerText(), 'Customer');
  await page.getByTestId('user-role-select').selectOption({ label: 'Receptionist' });
  await page.getByTestId('user-role-save').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Role changed' }).waitFor();
  await page.getByTestId('detail-role').filter({ hasText: 'Receptionist' }).waitFor();
  await page.screenshot({ path: `${SHOTS}user-detail-${SUITE}.png`, fullPage: true });

  // Deactivating asks first; Cancel leaves the account as it was.
  await page.getByTestId('user-deactivate').click();
  const ask = page.getByTestId('deactivate-dialog');
  await ask.getByTestId('dialog-cancel').click();
  await ask.waitFor({ state: 'hidden' });
  assert.equal(await page.getByTestId('user-status').innerText(), 'Active');
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the forgot-password page answers the same for any address, and checks it first', async () => {
  const { context, page, errors } = await openPage(browser);
  await page.goto(`${BASE}/forgot-password`);
  await hydrated(page);
  const requests = [];
  page.on('request', (r) => { if (r.url().includes('/api/fn/forgot_password')) requests.push(r.url()); });
  await page.getByTestId('forgot-email').fill('not-an-email');
  await page.getByTestId('forgot-submit').click();
  await page.getByTestId('error-email').waitFor();
  assert.deepEqual(requests, [], 'the shared parser answered in the browser');

  await page.getByTestId('forgot-email').fill(`nobody-${people.stamp}@e2e.test`);
  await page.getByTestId('forgot-submit').click();
  const sent = page.getByTestId('forgot-sent');
  await sent.waitFor();
  assert.match(await sent.innerText(), /^If an account exists for this email/);
  await page.screenshot({ path: `${SHOTS}forgot-password-${SUITE}.png`, fullPage: true });

  // A link that does not work says so, with the way on.
  await page.goto(`${BASE}/reset-password/not-a-real-token`);
  await page.getByTestId('link-problem').waitFor();
  assert.match(await page.getByTestId('link-problem-message').first().innerText(), /invalid or has already been used/);
  assert.equal(await page.getByTestId('link-retry').first().getAttribute('href'), '/forgot-password');
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

// The emailed links need the mail sink that scripts/e2e.sh starts (`mailTo` in browser.mjs).
const mail = typeof helpers.mailTo === 'function' && process.env.MAIL_SINK;

/** The path and query of the first link in `text` that contains `marker`, on this test's server. */
function linkIn(text, marker) {
  const url = text.match(new RegExp(`https?://\\S*${marker}\\S*`))?.[0];
  assert.ok(url, `no ${marker} link in:\n${text}`);
  const u = new URL(url);
  return `${BASE}${u.pathname}${u.search}`;
}

test('staff invited from the users page set their password from the email, then reset it', { skip: !mail && 'needs the mail sink (run through scripts/e2e.sh)' }, async () => {
  const staff = `e2e-staff-${people.stamp}@e2e.test`;
  const owner = await signedInPage(browser);
  await owner.page.goto(`${BASE}/users`);
  await hydrated(owner.page);
  await owner.page.getByTestId('invite-staff').click();
  const dialog = owner.page.getByTestId('invite-dialog');
  await dialog.getByTestId('invite-submit').click();
  await dialog.getByTestId('error-email').waitFor();
  await dialog.getByTestId('invite-email').fill(staff);
  await dialog.getByTestId('invite-role').selectOption({ label: 'Receptionist' });
  await dialog.getByTestId('invite-submit').click();
  await owner.page.getByTestId('toast-ok').filter({ hasText: `Invitation sent to ${staff}` }).waitFor();
  assert.deepEqual(owner.errors, [], `console errors: ${owner.errors.join('\n')}`);
  await owner.context.close();

  const { context, page, errors } = await openPage(browser);
  const invitation = await helpers.mailTo(staff, /invited/);
  await page.goto(linkIn(invitation.text, '/set-password\\?token='));
  await hydrated(page);
  await page.getByTestId('setup-email').filter({ hasText: staff }).waitFor();
  await page.getByTestId('password-new').fill('Recept1onist!');
  await page.getByTestId('password-confirm').fill('Recept1onist?');
  await page.getByTestId('password-submit').click();
  await page.getByTestId('error-confirm').waitFor();
  await page.getByTestId('password-confirm').fill('Recept1onist!');
  await page.screenshot({ path: `${SHOTS}set-password-${SUITE}.png`, fullPage: true });
  await page.getByTestId('password-submit').click();
  await page.getByTestId('password-done').waitFor();

  await page.goto(`${BASE}/forgot-password`);
  await hydrated(page);
  await page.getByTestId('forgot-email').fill(staff);
  await page.getByTestId('forgot-submit').click();
  await page.getByTestId('forgot-sent').waitFor();
  const reset = await helpers.mailTo(staff, /Reset your password/);
  await page.goto(linkIn(reset.text, '/reset-password/'));
  await hydrated(page);
  await page.getByTestId('password-new').fill('weak');
  await page.getByTestId('password-confirm').fill('weak');
  await page.getByTestId('password-submit').click();
  await page.getByTestId('error-newPassword').waitFor();
  await page.getByTestId('password-new').fill('N3wRecept1onist!');
  await page.getByTestId('password-confirm').fill('N3wRecept1onist!');
  await page.getByTestId('password-submit').click();
  await page.getByTestId('password-done').waitFor();
  await page.screenshot({ path: `${SHOTS}reset-password-${SUITE}.png`, fullPage: true });

  await page.getByTestId('password-sign-in').click();
  await page.waitForURL(/\/login/);
  await hydrated(page);
  await page.getByTestId('login-email').fill(staff);
  await page.getByTestId('login-password').fill('N3wRecept1onist!');
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${BASE}/dashboard`);
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});
