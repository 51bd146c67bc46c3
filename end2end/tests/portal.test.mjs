// The portal's main flows in Chromium, against the real server: the requested page comes back after
// sign-in, a walk-in is booked from real availability, then confirmed, moved, paid and cancelled;
// the filtered list exports as CSV; a service is edited with client-side checks; the dashboard
// switches period. Each page is photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BASE, SUITE, SHOTS, EMAIL, PASSWORD, launch, openPage, signedInPage, hydrated, api } from './browser.mjs';

let browser;
let shop;
const day = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);

before(async () => {
  browser = await launch();
  // A service and an expert who works every day 09:00–17:00, made through /api/v1.
  const ctx = await browser.newContext();
  const req = ctx.request;
  const stamp = Date.now().toString(36);
  const category = (await api(req, 'POST', '/categories', { name: `E2E ${stamp}` })).category;
  const service = (await api(req, 'POST', '/services', {
    categoryId: category.id, name: `E2E Cut ${stamp}`, price: '25.00', duration: 30, tags: 'e2e',
  })).service;
  const expert = (await api(req, 'POST', '/experts', { name: `E2E Ada ${stamp}`, serviceIds: [service.id] })).expert;
  const hours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
  await api(req, 'PUT', `/experts/${expert.id}/working-hours`, { hours });
  await ctx.close();
  shop = { service, expert, stamp };
});
after(async () => { await browser?.close(); });

test('a page asked for before sign-in comes back after it', async () => {
  const { context, page } = await openPage(browser);
  await page.goto(`${BASE}/appointments?status=confirmed`);
  await page.waitForURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByTestId('login-email').fill(EMAIL);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${BASE}/appointments?status=confirmed`);
  assert.equal(await page.getByTestId('filter-status').inputValue(), 'confirmed');
  await context.close();
});

test('staff book a walk-in, confirm, reschedule, mark paid and cancel it, and export the list', async () => {
  const { context, page, errors } = await signedInPage(browser, { acceptDownloads: true });
  const customer = `Walk In ${shop.stamp}`;
  await page.goto(`${BASE}/appointments`);
  await hydrated(page);

  await page.getByTestId('new-booking').click();
  const dialog = page.getByTestId('booking-dialog');
  await dialog.waitFor();
  // The shared parser answers in the browser: nothing is sent for an empty form.
  await dialog.getByTestId('booking-submit').click();
  await dialog.getByTestId('error-serviceId').waitFor();
  await dialog.getByTestId('booking-service').selectOption({ label: `${shop.service.name} (30 min)` });
  await dialog.getByTestId('booking-date').fill(day);
  await dialog.getByTestId('slot').first().waitFor();
  await dialog.getByTestId('slot').filter({ hasText: /^10:00$/ }).first().click();
  await dialog.getByTestId('booking-name').fill(customer);
  await dialog.getByTestId('booking-phone').fill('+44 20 7946 0101');
  await page.screenshot({ path: `${SHOTS}booking-form-${SUITE}.png` });
  await dialog.getByTestId('booking-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Booked' }).waitFor();
  await dialog.waitFor({ state: 'hidden' });

  // Narrow the list to this customer through the URL filters.
  await page.getByTestId('filter-search').fill(customer);
  await page.getByTestId('filter-apply').click();
  await page.waitForURL(/search=Walk/);
  const row = page.getByTestId('appointment-row').filter({ hasText: customer });
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'reserved');

  await row.getByTestId('action-confirm').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=appointment-row]')?.dataset.status === 'confirmed');

  await row.getByTestId('action-reschedule').click();
  const move = page.getByTestId('reschedule-dialog');
  await move.getByTestId('slot').filter({ hasText: /^14:00$/ }).first().click();
  await move.getByTestId('reschedule-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'rescheduled' }).waitFor();
  await row.getByTestId('when').filter({ hasText: '14:00' }).waitFor();

  await row.getByTestId('action-pay').click();
  const pay = page.getByTestId('pay-dialog');
  await pay.getByTestId('pay-method').selectOption('card');
  await pay.getByTestId('pay-submit').click();
  await row.getByTestId('payment').filter({ hasText: 'Paid' }).waitFor();
  await page.screenshot({ path: `${SHOTS}appointments-${SUITE}.png`, fullPage: true });

  // Cancelling asks for a reason in an accessible dialog: Esc closes it without doing anything.
  await row.getByTestId('action-cancel').click();
  const cancel = page.getByTestId('cancel-dialog');
  await cancel.getByTestId('cancel-reason').waitFor();
  await page.keyboard.press('Escape');
  await cancel.waitFor({ state: 'hidden' });
  assert.equal(await row.getAttribute('data-status'), 'confirmed');
  await row.getByTestId('action-cancel').click();
  await cancel.getByTestId('cancel-reason').fill('Customer called');
  await cancel.getByTestId('cancel-submit').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=appointment-row]')?.dataset.status === 'cancelled');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  assert.match(download.suggestedFilename(), /^appointments-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
  const lines = csv.trim().split('\n');
  assert.equal(lines.length, 2, csv);
  assert.match(lines[1], new RegExp(`${day},14:00,${customer},'\\+44 20 7946 0101`));
  assert.match(lines[1], /cancelled,paid,card/);
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('a service is edited with the server\'s rules checked in the browser first', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/services?search=${encodeURIComponent(shop.service.name)}`);
  await hydrated(page);
  const row = page.getByTestId('service-row').filter({ hasText: shop.service.name });
  await row.getByTestId('service-edit').click();
  const dialog = page.getByTestId('service-dialog');
  await dialog.getByTestId('service-form-price').fill('12.345');
  await dialog.getByTestId('service-form-submit').click();
  await dialog.getByTestId('error-price').waitFor();
  await dialog.getByTestId('service-form-price').fill('30');
  await dialog.getByTestId('service-form-image').fill(`${BASE}/favicon.svg`);
  // The preview follows the address once the field is left.
  await dialog.getByTestId('service-form-image').dispatchEvent('change');
  await dialog.getByTestId('service-form-image-preview').waitFor();
  await dialog.getByTestId('service-form-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Saved' }).waitFor();
  await row.getByTestId('service-price').filter({ hasText: '30.00' }).waitFor();
  await page.screenshot({ path: `${SHOTS}services-${SUITE}.png`, fullPage: true });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the dashboard shows its figures, switches period, and reads without JavaScript', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/dashboard`);
  await hydrated(page);
  await page.getByTestId('stat-total-revenue').waitFor();
  await page.getByTestId('revenue-chart').waitFor();
  await page.getByTestId('period-7').click();
  await page.waitForURL(`${BASE}/dashboard?period=7`);
  await page.getByTestId('period-revenue').filter({ hasText: 'last 7 days' }).waitFor();
  await page.screenshot({ path: `${SHOTS}dashboard-${SUITE}.png`, fullPage: true });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();

  const plain = await signedInPage(browser, { javaScriptEnabled: false });
  await plain.page.goto(`${BASE}/dashboard?period=90`);
  assert.match(await plain.page.getByTestId('period-revenue').innerText(), /last 90 days/);
  assert.ok(await plain.page.locator('[data-testid=revenue-chart] svg circle').count() >= 90);
  await plain.context.close();
});

test('signed out, the portal pages send you to sign in', async () => {
  const { context, page } = await openPage(browser);
  for (const path of ['/dashboard', '/services', '/categories']) {
    const response = await page.goto(`${BASE}${path}`);
    assert.ok(response.url().includes(`/login?next=${encodeURIComponent(path)}`), response.url());
  }
  await context.close();
});
