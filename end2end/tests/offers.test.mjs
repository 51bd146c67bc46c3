// Offers in Chromium: the owner's dialog refuses a bad form in place, then creates an offer that
// the app's public list shows; a booking with it is priced by the server and carries a 🎁 in the
// appointments list; switching it off hides it from the app; deleting a used offer keeps it
// switched off. The page is photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, signedInPage, hydrated, api } from './browser.mjs';

let browser;
let shop;
const stamp = Date.now().toString(36);
const dayOffset = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

before(async () => {
  browser = await launch();
  const ctx = await browser.newContext();
  const req = ctx.request;
  const category = (await api(req, 'POST', '/categories', { name: `Offers ${stamp}` })).category;
  const service = (await api(req, 'POST', '/services', {
    categoryId: category.id, name: `Offer Cut ${stamp}`, price: '40.00', duration: 30,
  })).service;
  const expert = (await api(req, 'POST', '/experts', { name: `Offer Di ${stamp}`, serviceIds: [service.id] })).expert;
  const hours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
  await api(req, 'PUT', `/experts/${expert.id}/working-hours`, { hours });
  await ctx.close();
  shop = { service, expert };
});
after(async () => { await browser?.close(); });

test('an offer is created in the portal, prices a booking and leaves the app when switched off', async () => {
  const { context, page, errors } = await signedInPage(browser);
  const title = `Quarter off ${stamp}`;
  await page.goto(`${BASE}/offers`);
  await hydrated(page);

  await page.getByTestId('new-offer').click();
  const dialog = page.getByTestId('offer-dialog');
  await dialog.getByTestId('offer-form-title').fill(title);
  await dialog.getByTestId('offer-form-amount').fill('25');
  await dialog.getByTestId('offer-form-start').fill(dayOffset(3));
  await dialog.getByTestId('offer-form-end').fill(dayOffset(1));
  await dialog.getByTestId('offer-form-submit').click();
  // Checked in the browser by the server's own parser: nothing is sent.
  await dialog.getByTestId('error-endDate').waitFor();

  await dialog.getByTestId('offer-form-start').fill(dayOffset(-1));
  await dialog.getByTestId('offer-form-end').fill(dayOffset(10));
  await dialog.getByTestId('offer-form-service').selectOption(shop.service.id);
  await dialog.getByTestId('offer-form-limit').fill('5');
  await dialog.getByTestId('offer-form-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: `Saved ${title}` }).waitFor();
  const card = page.getByTestId('offer-card').filter({ hasText: title });
  await card.waitFor();
  assert.equal(await card.getByTestId('offer-discount').textContent(), '25% OFF');
  assert.equal(await card.getByTestId('offer-status').textContent(), 'Active');
  assert.equal(await card.getByTestId('offer-target').textContent(), shop.service.name);
  assert.equal(await card.getByTestId('offer-uses').textContent(), 'Used 0 of 5');
  await page.screenshot({ path: `${SHOTS}offers-${SUITE}.png`, fullPage: true });

  // The services list marks the service it covers.
  await page.goto(`${BASE}/services?search=${encodeURIComponent(shop.service.name)}`);
  await hydrated(page);
  const badge = page.getByTestId('service-row').filter({ hasText: shop.service.name }).getByTestId('service-offer-badge');
  assert.match(await badge.getAttribute('aria-label'), new RegExp(title));

  // The app's public list has it; a booking with it is priced by the server.
  const listed = await (await context.request.get(`${BASE}/api/v1/offers`)).json();
  const offer = listed.data.offers.find((o) => o.title === title);
  assert.ok(offer, 'the public list shows the new offer');
  // Staff book a walk-in with it from the appointments page; the server prices it.
  await page.goto(`${BASE}/appointments?search=${encodeURIComponent('Olive Offer')}`);
  await hydrated(page);
  await page.getByTestId('new-booking').click();
  const booking = page.getByTestId('booking-dialog');
  await booking.getByTestId('booking-service').selectOption(shop.service.id);
  await booking.getByTestId('booking-date').fill(dayOffset(2));
  await booking.getByTestId('slot').first().click();
  await booking.getByTestId('booking-offer').selectOption(offer.id);
  await booking.getByTestId('booking-name').fill('Olive Offer');
  await booking.getByTestId('booking-phone').fill('+44 20 7946 0101');
  await booking.getByTestId('booking-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Booked' }).waitFor();
  const mine = await api(context.request, 'GET', `/appointments?search=${encodeURIComponent('Olive Offer')}`);
  assert.equal(mine.appointments[0].total_price, '30.00');
  assert.equal(mine.appointments[0].offer_id, offer.id);
  await page.reload();
  await hydrated(page);
  await page.getByTestId('offer-badge').first().waitFor();
  assert.match(await page.getByTestId('offer-badge').first().getAttribute('aria-label'), new RegExp(title));

  // Switched off: the app no longer lists it; the card says so.
  await page.goto(`${BASE}/offers?search=${encodeURIComponent(title)}`);
  await hydrated(page);
  await card.getByTestId('offer-uses').filter({ hasText: 'Used 1 of 5' }).waitFor();
  await card.getByTestId('offer-toggle').click();
  await card.getByTestId('offer-status').filter({ hasText: 'Inactive' }).waitFor();
  const after = await (await context.request.get(`${BASE}/api/v1/offers`)).json();
  assert.equal(after.data.offers.find((o) => o.title === title), undefined);

  // A used offer is kept (switched off) when deleted.
  await card.getByTestId('offer-delete').click();
  await page.getByTestId('offer-delete-dialog').getByTestId('dialog-confirm').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'switched off and kept' }).waitFor();
  await card.waitFor();
  assert.deepEqual(errors.filter((e) => !/400/.test(e)), [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the sales page shows the takings and the latest payments without errors', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/sales`);
  await hydrated(page);
  for (const id of ['sales-today', 'sales-week', 'sales-month', 'sales-refunded']) {
    assert.match(await page.getByTestId(id).textContent(), /^[A-Z]{3} \d+\.\d\d$/, id);
  }
  await page.screenshot({ path: `${SHOTS}sales-${SUITE}.png`, fullPage: true });
  await page.goto(`${BASE}/dashboard`);
  await hydrated(page);
  await page.getByRole('heading', { name: 'Recent payments' }).waitFor();
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});
