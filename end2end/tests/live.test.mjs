// The portal is live: a booking made through the API (as the mobile app makes them) shows on an
// open appointments page without a reload, with a toast; the dashboard shows who is online.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, signedInPage, hydrated, api } from './browser.mjs';

let browser;
let shop;
const day = new Date(Date.now() + 4 * 86400000).toISOString().slice(0, 10);

before(async () => {
  browser = await launch();
  const ctx = await browser.newContext();
  const req = ctx.request;
  const stamp = Date.now().toString(36);
  const category = (await api(req, 'POST', '/categories', { name: `Live ${stamp}` })).category;
  const service = (await api(req, 'POST', '/services', {
    categoryId: category.id, name: `Live Cut ${stamp}`, price: '30.00', duration: 30,
  })).service;
  const expert = (await api(req, 'POST', '/experts', { name: `Live Bea ${stamp}`, serviceIds: [service.id] })).expert;
  const hours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
  await api(req, 'PUT', `/experts/${expert.id}/working-hours`, { hours });
  await ctx.close();
  shop = { service, expert, stamp };
});
after(async () => { await browser?.close(); });

/** Waits until the page's live feed is connected to the gateway. */
async function live(page) {
  await page.waitForSelector('body[data-live="connected"]', { timeout: 15000 });
}

test('a booking made through the API appears on the open appointments page at once', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/appointments?date=${day}`);
  await hydrated(page);
  await live(page);
  const customer = `Live Customer ${shop.stamp}`;
  assert.equal(await page.getByTestId('appointment-row').filter({ hasText: customer }).count(), 0);

  // As the app books: POST /appointments, from another client altogether.
  const ctx = await browser.newContext();
  await api(ctx.request, 'POST', '/appointments', {
    serviceId: shop.service.id, expertId: shop.expert.id, appointmentDate: day, appointmentTime: '11:00',
    customerName: customer, customerPhone: '+44 20 7946 0222', payNow: false,
  });
  await ctx.close();

  await page.getByTestId('toast-ok').filter({ hasText: `New booking: ${customer}` }).waitFor();
  await page.getByTestId('appointment-row').filter({ hasText: customer }).waitFor();
  await page.screenshot({ path: `${SHOTS}live-booking-${SUITE}.png`, fullPage: true });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the dashboard shows who is online now', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/dashboard`);
  await hydrated(page);
  await live(page);
  const me = page.getByTestId('online-now').getByTestId('online-person').filter({ hasText: 'E2E Owner' });
  await me.waitFor();
  assert.equal(await me.getByTestId('online-dot').getAttribute('data-online'), 'true');
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});
