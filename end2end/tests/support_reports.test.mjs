// Reports, support and reviews in Chromium. A customer (invited, password set from the emailed link)
// books through the API; the owner marks it paid and completed, and the customer reviews it and
// opens a support ticket. The owner then reads the report for a range (cards, chart, the paid
// transaction, the CSV link with the range) and is refused a backwards range; finds the ticket,
// raises its priority, answers it (the answer resolves it) and deletes it; and hides the review
// with a reason, which takes it out of the app's list, then shows it again. Each page is
// photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, signedInPage, hydrated, api, invitedStaff } from './browser.mjs';

let browser;
let shop;
const stamp = Date.now().toString(36);
const dayOffset = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

/** Calls `/api/v1` with `token` (the customer's). */
async function asCustomer(request, token, method, path, body) {
  const r = await request.fetch(`${BASE}/api/v1${path}`, {
    method,
    data: body,
    headers: { authorization: `Bearer ${token}` },
  });
  const json = await r.json();
  if (r.status() >= 400) throw new Error(`${method} ${path}: ${r.status()} ${JSON.stringify(json)}`);
  return json.data;
}

before(async () => {
  browser = await launch();
  const ctx = await browser.newContext();
  const req = ctx.request;
  const roles = (await api(req, 'GET', '/roles')).roles;
  const customerRole = roles.find((r) => r.name === 'Customer');
  const email = `e2e-support-${stamp}@e2e.test`;
  const who = await invitedStaff(req, customerRole.id, email, 'CustomerPass1!e2e');
  const login = await req.post(`${BASE}/api/v1/auth/login`, { data: { email: who.email, password: who.password } });
  assert.ok(login.status() < 400, `customer sign-in: ${login.status()} ${await login.text()}`);
  const token = (await login.json()).data.accessToken;

  // Something to review: a service, an expert who works every day, and a booking by the customer
  // that staff mark paid (so it is in the report) and completed (so it can be reviewed).
  const category = (await api(req, 'POST', '/categories', { name: `Reports ${stamp}` })).category;
  const service = (await api(req, 'POST', '/services', {
    categoryId: category.id, name: `Report Cut ${stamp}`, price: '55.00', duration: 30,
  })).service;
  const expert = (await api(req, 'POST', '/experts', { name: `Report Ru ${stamp}`, serviceIds: [service.id] })).expert;
  const hours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
  await api(req, 'PUT', `/experts/${expert.id}/working-hours`, { hours });
  const customerName = `Rhea Report ${stamp}`;
  const booked = (await asCustomer(req, token, 'POST', '/appointments', {
    serviceId: service.id, expertId: expert.id, appointmentDate: dayOffset(2), appointmentTime: '10:00',
    customerName, customerPhone: '+44 20 7946 0444', payNow: false,
  })).appointment;
  await api(req, 'PUT', `/appointments/${booked.id}/pay`, { paymentMethod: 'cash' });
  await api(req, 'PUT', `/appointments/${booked.id}/status`, { status: 'completed' });
  const comment = `Lovely cut, slow desk ${stamp}`;
  const review = (await asCustomer(req, token, 'POST', '/reviews', { appointmentId: booked.id, rating: 2, comment })).review;

  const subject = `App freezes ${stamp}`;
  const ticket = (await asCustomer(req, token, 'POST', '/support/tickets', {
    subject, message: 'The app freezes\nwhen I open my bookings.',
  })).ticket;
  await ctx.close();
  shop = { email, token, service, customerName, comment, review, subject, ticket };
});
after(async () => { await browser?.close(); });

test('the report shows its figures for a range, links the CSV for it and refuses a backwards one', async () => {
  const { context, page, errors } = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  await page.goto(`${BASE}/reports`);
  await hydrated(page);
  // The last 30 days by default: the form and the export link carry the range the server chose.
  const from = await page.getByTestId('report-start').inputValue();
  const to = await page.getByTestId('report-end').inputValue();
  assert.match(from, /^\d{4}-\d\d-\d\d$/);
  assert.match(to, /^\d{4}-\d\d-\d\d$/);
  assert.equal(
    await page.getByTestId('report-export').getAttribute('href'),
    `/reports/export.csv?startDate=${from}&endDate=${to}`,
  );
  assert.match(await page.getByTestId('summary-revenue').textContent(), /^Rs\. \d+\.\d\d$/);
  assert.match(await page.getByTestId('summary-appointments').textContent(), /^\d+$/);
  assert.ok(await page.getByTestId('revenue-chart').locator('svg rect').count() >= 30, 'a bar a day');
  await page.getByTestId('top-services').waitFor();
  await page.getByTestId('top-experts').waitFor();
  await page.getByTestId('status-breakdown').waitFor();

  // Another range, through the form: in the URL, and the export follows it.
  const start = dayOffset(-10);
  const end = dayOffset(1);
  await page.getByTestId('report-start').fill(start);
  await page.getByTestId('report-end').fill(end);
  await page.getByTestId('report-apply').click();
  await page.waitForURL(new RegExp(`startDate=${start}&endDate=${end}`));
  await page.locator(`[data-testid="report-export"][href="/reports/export.csv?startDate=${start}&endDate=${end}"]`).waitFor();
  const row = page.getByTestId('transaction-row').filter({ hasText: shop.customerName });
  await row.waitFor();
  assert.match(await row.textContent(), /Rs\. 55\.00/);
  assert.match(await page.getByTestId('transactions-count').textContent(), /^Showing \d+ of \d+$/);
  assert.notEqual(await page.getByTestId('summary-revenue').textContent(), 'Rs. 0.00');
  await page.screenshot({ path: `${SHOTS}reports-${SUITE}.png`, fullPage: true });

  // A backwards range is refused with the reason.
  await page.goto(`${BASE}/reports?startDate=${end}&endDate=${start}`);
  await hydrated(page);
  assert.match(await page.getByTestId('alert').textContent(), /before the start date/);
  assert.deepEqual(errors.filter((e) => !/400/.test(e)), [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('a ticket is found, given a priority, answered (which resolves it) and deleted', async () => {
  const { context, page, errors } = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  await page.goto(`${BASE}/support`);
  await hydrated(page);
  await page.getByTestId('ticket-search').fill(stamp);
  await page.getByTestId('ticket-status-filter').selectOption('open');
  await page.getByTestId('ticket-apply').click();
  await page.waitForURL(/status=open/);
  const card = page.getByTestId('ticket-card').filter({ hasText: shop.subject });
  await card.waitFor();
  assert.match(await card.textContent(), new RegExp(shop.email));

  // Chosen: in the URL, highlighted, and read beside the list.
  await card.click();
  await page.waitForURL(new RegExp(`ticket=${shop.ticket.id}`));
  await page.locator('[data-testid="ticket-card"][aria-current="true"]').filter({ hasText: shop.subject }).waitFor();
  const detail = page.getByTestId('ticket-detail');
  await detail.getByText('when I open my bookings.').waitFor();

  // Priority changes at once.
  await detail.getByTestId('ticket-priority-select').selectOption('high');
  await page.getByTestId('toast-ok').filter({ hasText: 'high priority' }).waitFor();
  await card.getByTestId('ticket-priority').filter({ hasText: 'High' }).waitFor();

  // Assigned to the viewer, then handed back.
  await detail.getByTestId('ticket-assign').click();
  await page.locator('[data-testid="ticket-assignee"]').filter({ hasText: 'E2E Owner' }).waitFor();
  await page.getByTestId('ticket-assign').filter({ hasText: 'Unassign' }).click();
  await page.locator('[data-testid="ticket-assignee"]').filter({ hasText: 'Nobody' }).waitFor();

  // Answering: refused empty in place, then sent; the ticket is resolved.
  await page.getByTestId('ticket-respond').click();
  const dialog = page.getByTestId('ticket-respond-dialog');
  await dialog.getByTestId('ticket-response-submit').click();
  await dialog.getByTestId('error-response').waitFor();
  const answer = `Fixed in the next release ${stamp}.`;
  await dialog.getByTestId('ticket-response-text').fill(answer);
  await dialog.getByTestId('ticket-response-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Answer sent' }).waitFor();
  // The list still filters on "open", so clear the status to keep the ticket in view.
  await page.goto(`${BASE}/support?search=${encodeURIComponent(shop.subject)}&ticket=${shop.ticket.id}`);
  await hydrated(page);
  await page.locator('[data-testid="ticket-detail"][data-status="resolved"]').waitFor();
  assert.equal(await page.getByTestId('ticket-status-select').inputValue(), 'resolved');
  assert.equal(await page.getByTestId('ticket-response').textContent(), answer);
  assert.equal(await card.getByTestId('ticket-status').textContent(), 'Resolved');
  assert.equal(await page.getByTestId('ticket-respond').count(), 0, 'no answer button once resolved');
  await page.screenshot({ path: `${SHOTS}support-${SUITE}.png`, fullPage: true });

  // The customer reads the answer in the app.
  const mine = await asCustomer(context.request, shop.token, 'GET', '/support/tickets/my');
  const theirs = mine.tickets.find((t) => t.id === shop.ticket.id);
  assert.equal(theirs.status, 'resolved');
  assert.equal(theirs.priority, 'high');
  assert.equal(theirs.response, answer);

  // Deleted after asking.
  await page.getByTestId('ticket-delete').click();
  await page.getByTestId('ticket-delete-dialog').getByTestId('dialog-confirm').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Ticket deleted' }).waitFor();
  // The list reloads after the detail pane empties: wait for the card itself to go.
  await card.waitFor({ state: 'detached' });
  await page.getByTestId('empty').first().waitFor();
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('a review is hidden with a reason, leaves the app, and is shown again', async () => {
  const { context, page, errors } = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  await page.goto(`${BASE}/reviews?kind=service&serviceId=${shop.service.id}`);
  await hydrated(page);
  const row = page.getByTestId('review-row').filter({ hasText: shop.comment });
  await row.waitFor();
  assert.equal(await row.getByTestId('review-stars').getAttribute('aria-label'), '2 out of 5 stars');
  assert.equal(await row.getByTestId('review-hidden-badge').count(), 0);

  await row.getByTestId('review-hide').click();
  const dialog = page.getByTestId('review-hide-dialog');
  await dialog.getByTestId('review-reason-submit').click();
  await dialog.getByTestId('error-reason').waitFor();
  const reason = `Names a member of staff ${stamp}`;
  await dialog.getByTestId('review-reason').fill(reason);
  await dialog.getByTestId('review-reason-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Hidden the review' }).waitFor();
  assert.equal(await row.getByTestId('review-hidden-badge').textContent(), `Hidden: ${reason}`);
  await page.screenshot({ path: `${SHOTS}reviews-${SUITE}.png`, fullPage: true });

  // The app's list for the service no longer has it.
  const listed = await (await context.request.get(`${BASE}/api/v1/reviews/by-service/${shop.service.id}`)).json();
  assert.equal(listed.data.reviews.find((r) => r.id === shop.review.id), undefined);

  // The hidden filter finds it; shown again, it is back.
  await page.getByTestId('review-visibility-filter').selectOption('true');
  await page.getByTestId('review-apply').click();
  await page.waitForURL(/hidden=true/);
  await row.getByTestId('review-show').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'shown again' }).waitFor();
  const back = await (await context.request.get(`${BASE}/api/v1/reviews/by-service/${shop.service.id}`)).json();
  assert.ok(back.data.reviews.find((r) => r.id === shop.review.id), 'the app lists it again');

  // The courses tab opens too.
  await page.getByTestId('reviews-tab-courses').click();
  await page.waitForURL(/kind=course/);
  await page.getByTestId('review-count').waitFor();
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});
