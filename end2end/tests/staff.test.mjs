// Staff pages in Chromium: an owner changes a role's permissions in the matrix and a user of that
// role sees the menu change at their next page; an expert's week is set with a lunch break, with a
// refusal first; a closure is added; the calendar shows the week and the day. Each page is
// photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, signedInPage, hydrated, api, invitedStaff } from './browser.mjs';

let browser;
const stamp = Date.now().toString(36);

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("changing a role's permissions changes the menu of a user with that role", async () => {
  const setup = await browser.newContext();
  const roleName = `Desk ${stamp}`;
  const role = (await api(setup.request, 'POST', '/roles', {
    name: roleName, permissions: ['portal.access', 'appointments.view'],
  })).role;
  const desk = await invitedStaff(setup.request, role.id, `desk-${stamp}@e2e.test`);
  await setup.close();

  const clerk = await signedInPage(browser, {}, desk);
  await clerk.page.goto(`${BASE}/appointments`);
  await hydrated(clerk.page);
  await clerk.page.getByTestId('sidebar').getByTestId('nav-appointments').waitFor();
  assert.equal(await clerk.page.getByTestId('nav-services').count(), 0, 'no Services before the change');
  // Reached by its URL, the page is refused with no data.
  const refused = await clerk.page.goto(`${BASE}/services`);
  assert.equal(refused.status(), 403);
  await clerk.page.getByTestId('forbidden').waitFor();
  assert.equal(await clerk.page.getByTestId('service-row').count(), 0);
  await clerk.page.screenshot({ path: `${SHOTS}forbidden-${SUITE}.png` });

  const { context, page, errors } = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  await page.goto(`${BASE}/roles`);
  await hydrated(page);
  const tick = page.locator(`input[data-role="${roleName}"][data-permission="services.view"]`);
  assert.equal(await tick.isChecked(), false);
  await tick.check();
  await page.getByTestId('matrix-status').filter({ hasText: '1 role changed' }).waitFor();
  // The Owner column is fixed.
  assert.equal(await page.locator('input[data-role="Owner"][data-permission="services.view"]').isDisabled(), true);
  await page.screenshot({ path: `${SHOTS}roles-${SUITE}.png`, fullPage: true });
  await page.getByTestId('matrix-save').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Permissions saved' }).waitFor();
  await page.getByTestId('matrix-status').filter({ hasText: 'No unsaved changes' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();

  // The desk's next page shows Services, and the page opens.
  await clerk.page.reload();
  await hydrated(clerk.page);
  await clerk.page.getByTestId('sidebar').getByTestId('nav-services').click();
  await clerk.page.waitForURL(`${BASE}/services`);
  await clerk.page.getByTestId('service-row').first().waitFor();
  await clerk.context.close();
});

test("an expert's week is set with a lunch break, after a refusal", async () => {
  const setup = await browser.newContext();
  const expert = (await api(setup.request, 'POST', '/experts', { name: `E2E Hours ${stamp}` })).expert;
  await setup.close();

  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/experts?search=${encodeURIComponent(`Hours ${stamp}`)}`);
  await hydrated(page);
  await page.screenshot({ path: `${SHOTS}experts-${SUITE}.png`, fullPage: true });
  await page.getByTestId('expert-link').filter({ hasText: `E2E Hours ${stamp}` }).click();
  await page.waitForURL(`${BASE}/experts/${expert.id}`);
  const monday = page.locator('[data-testid=weekday][data-day="0"]');
  await monday.getByTestId('range-add').click();
  await monday.getByTestId('range-add').click();
  const ranges = monday.getByTestId('range');
  assert.equal(await ranges.count(), 2);
  // Overlapping ranges are refused in the browser, under the row, before anything is sent.
  await ranges.nth(0).getByTestId('range-end').fill('13:00');
  await ranges.nth(1).getByTestId('range-start').fill('12:00');
  await ranges.nth(1).getByTestId('range-end').fill('17:00');
  await page.getByTestId('hours-save').click();
  await ranges.nth(1).getByTestId('range-error').filter({ hasText: 'Overlaps' }).waitFor();
  await ranges.nth(0).getByTestId('range-end').fill('12:00');
  await ranges.nth(1).getByTestId('range-start').fill('13:00');
  await page.getByTestId('copy-monday').click();
  await page.getByTestId('hours-save').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Working hours saved' }).waitFor();
  await page.screenshot({ path: `${SHOTS}expert-hours-${SUITE}.png`, fullPage: true });

  // Stored as typed: Monday to Friday 09:00–12:00 and 13:00–17:00.
  const hours = (await api(context.request, 'GET', `/experts/${expert.id}/working-hours`)).hours;
  assert.equal(hours.length, 10);
  assert.deepEqual(hours.slice(0, 2).map((h) => [h.weekday, h.start, h.end]), [[0, '09:00', '12:00'], [0, '13:00', '17:00']]);

  // Time off on the same page.
  await page.getByTestId('absence-from').fill('2031-08-01');
  await page.getByTestId('absence-to').fill('2031-08-07');
  await page.getByTestId('absence-reason').fill('Summer');
  await page.getByTestId('absence-add').click();
  await page.getByTestId('absence').filter({ hasText: '2031-08-01 → 2031-08-07' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a closure is added for the whole business', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/closures`);
  await hydrated(page);
  await page.getByTestId('absence-from').fill('2031-12-25');
  await page.getByTestId('absence-to').fill('2031-12-26');
  await page.getByTestId('absence-reason').fill(`Holidays ${stamp}`);
  await page.getByTestId('absence-add').click();
  await page.getByTestId('absence').filter({ hasText: `Holidays ${stamp}` }).waitFor();
  await page.screenshot({ path: `${SHOTS}closures-${SUITE}.png`, fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test("the calendar shows an expert's week and the day per expert", async () => {
  const setup = await browser.newContext();
  const req = setup.request;
  const category = (await api(req, 'POST', '/categories', { name: `Cal ${stamp}` })).category;
  const service = (await api(req, 'POST', '/services', {
    categoryId: category.id, name: `Cal Cut ${stamp}`, price: '20.00', duration: 60,
  })).service;
  const expert = (await api(req, 'POST', '/experts', { name: `Cal Ada ${stamp}`, serviceIds: [service.id] })).expert;
  const hours = [0, 1, 2, 3, 4, 5, 6].flatMap((weekday) => [
    { weekday, start: '09:00', end: '12:00' }, { weekday, start: '13:00', end: '17:00' },
  ]);
  await api(req, 'PUT', `/experts/${expert.id}/working-hours`, { hours });
  const day = new Date(Date.now() + 4 * 86400000).toISOString().slice(0, 10);
  await api(req, 'POST', '/appointments/admin', {
    serviceId: service.id, expertId: expert.id, appointmentDate: day, appointmentTime: '10:00',
    customerName: `Cal Customer ${stamp}`, customerPhone: '+44 20 7946 0199',
  });
  await setup.close();

  const { context, page, errors } = await signedInPage(browser, { viewport: { width: 1400, height: 1000 } });
  await page.goto(`${BASE}/calendar?view=week&date=${day}&expertId=${expert.id}`);
  await hydrated(page);
  assert.equal(await page.getByTestId('calendar-column').count(), 7);
  const column = page.locator(`[data-testid=calendar-column][data-date="${day}"]`);
  await column.getByTestId('calendar-block').filter({ hasText: `Cal Customer ${stamp}` }).waitFor();
  // Two working ranges a day: the lunch break stays closed.
  assert.equal(await column.getByTestId('calendar-open').count(), 2);
  await page.screenshot({ path: `${SHOTS}calendar-week-${SUITE}.png`, fullPage: true });

  // The day view: a column per expert, reached through the links (client-side navigation).
  await page.getByTestId('view-day').click();
  await page.waitForURL(/view=day/);
  // The week stays on screen until the day arrives; its form would send the week again.
  await page.waitForFunction(() => !document.querySelector('[data-testid=calendar-title]')?.textContent.startsWith('Week of'));
  await page.getByTestId('calendar-expert').selectOption('');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL((url) => !url.searchParams.get('expertId'));
  assert.ok(await page.getByTestId('calendar-column').count() >= 1);
  await page.getByTestId('calendar-block').filter({ hasText: `Cal Customer ${stamp}` }).waitFor();
  await page.screenshot({ path: `${SHOTS}calendar-day-${SUITE}.png`, fullPage: true });
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
  await page.getByTestId('calendar-next').click();
  await page.waitForURL(new RegExp(`date=${next}`));
  await page.waitForFunction((d) => document.querySelector('[data-testid=calendar-column]')?.dataset.date === d, next);
  assert.equal(await page.getByTestId('calendar-block').filter({ hasText: `Cal Customer ${stamp}` }).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
