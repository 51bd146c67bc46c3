// Images and notifications in Chromium: a picture chosen on a service's form is uploaded and
// previewed at once (a file that is not an image is refused in place); the gallery is filled,
// ordered, hidden and emptied, as the app's public list shows; a staff member's bell counts a new
// booking and marks it read; the delivery log filters from its URL; the owner rewrites a message
// text. Each page is photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { BASE, SUITE, SHOTS, launch, signedInPage, hydrated, api, invitedStaff } from './browser.mjs';

let browser;
let shop;
const stamp = Date.now().toString(36);
const day = new Date(Date.now() + 4 * 86400000).toISOString().slice(0, 10);

/** A real PNG of `w`×`h` pixels in one colour (no fixture file, no image library). */
function png(w, h, [r, g, b]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [r, g, b]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

before(async () => {
  browser = await launch();
  const ctx = await browser.newContext();
  const req = ctx.request;
  const category = (await api(req, 'POST', '/categories', { name: `Media ${stamp}` })).category;
  const service = (await api(req, 'POST', '/services', {
    categoryId: category.id, name: `Media Cut ${stamp}`, price: '20.00', duration: 30,
  })).service;
  const expert = (await api(req, 'POST', '/experts', { name: `Media Bo ${stamp}`, serviceIds: [service.id] })).expert;
  const hours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
  await api(req, 'PUT', `/experts/${expert.id}/working-hours`, { hours });
  await ctx.close();
  shop = { service, expert };
});
after(async () => { await browser?.close(); });

test('a picture chosen on a service is uploaded, previewed and saved; a non-image is refused', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/services?search=${encodeURIComponent(shop.service.name)}`);
  await hydrated(page);
  const row = page.getByTestId('service-row').filter({ hasText: shop.service.name });
  await row.getByTestId('service-edit').click();
  const dialog = page.getByTestId('service-dialog');

  await dialog.getByTestId('service-form-image-file').setInputFiles({
    name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
  });
  await dialog.getByTestId('service-form-image-upload-error').waitFor();
  assert.equal(await dialog.getByTestId('service-form-image').inputValue(), '');

  await dialog.getByTestId('service-form-image-file').setInputFiles({
    name: 'cut.png', mimeType: 'image/png', buffer: png(64, 48, [200, 40, 90]),
  });
  const field = dialog.getByTestId('service-form-image');
  await assert.doesNotReject(async () => {
    for (let i = 0; i < 100 && !(await field.inputValue()); i++) await page.waitForTimeout(100);
  });
  const url = await field.inputValue();
  assert.match(url, /^http.*\/uploads\/services\//, `stored at ${url}`);
  await dialog.getByTestId('service-form-image-preview').waitFor();
  assert.equal(await dialog.getByTestId('service-form-image-upload-error').count(), 0);
  await page.screenshot({ path: `${SHOTS}service-upload-${SUITE}.png`, fullPage: true });
  await dialog.getByTestId('service-form-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Saved' }).waitFor();

  // What was stored is a re-encoded image, served as one.
  const served = await context.request.get(url);
  assert.equal(served.status(), 200);
  assert.match(served.headers()['content-type'], /^image\//);
  const listed = await api(context.request, 'GET', `/services?search=${encodeURIComponent(shop.service.name)}`);
  assert.equal((listed.services ?? listed).find((s) => s.id === shop.service.id).image_url, url);
  assert.deepEqual(errors.filter((e) => !/400/.test(e)), [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the gallery is filled, ordered, hidden and emptied, as the app sees it', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/gallery`);
  await hydrated(page);
  const items = page.getByTestId('gallery-item');
  const before = await items.count();

  const add = page.getByTestId('gallery-add');
  await add.getByTestId('gallery-form-submit').click();
  await add.getByTestId('error-imageUrl').waitFor();
  await add.getByTestId('gallery-form-image-file').setInputFiles({
    name: 'first.png', mimeType: 'image/png', buffer: png(40, 30, [20, 120, 200]),
  });
  await add.getByTestId('gallery-form-image-preview').waitFor();
  await add.getByTestId('gallery-form-caption').fill(`First ${stamp}`);
  await add.getByTestId('gallery-form-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Picture added' }).waitFor();
  await items.filter({ hasText: `First ${stamp}` }).waitFor();

  // An outside picture by its address, which lands last.
  await add.getByTestId('gallery-form-image').fill(`${BASE}/favicon.svg`);
  await add.getByTestId('gallery-form-caption').fill(`Second ${stamp}`);
  await add.getByTestId('gallery-form-submit').click();
  await items.filter({ hasText: `Second ${stamp}` }).waitFor();
  assert.equal(await items.count(), before + 2);
  const captions = async () => (await page.getByTestId('gallery-caption').allTextContents()).filter((c) => c.endsWith(stamp));
  assert.deepEqual(await captions(), [`First ${stamp}`, `Second ${stamp}`]);

  await items.filter({ hasText: `Second ${stamp}` }).getByTestId('gallery-earlier').click();
  await page.waitForFunction((s) => {
    const c = [...document.querySelectorAll('[data-testid="gallery-caption"]')].map((e) => e.textContent).filter((t) => t.endsWith(s));
    return c[0] === `Second ${s}`;
  }, stamp);

  await items.filter({ hasText: `First ${stamp}` }).getByTestId('gallery-edit').click();
  const dialog = page.getByTestId('gallery-dialog');
  await dialog.getByTestId('gallery-edit-active').uncheck();
  await dialog.getByTestId('gallery-edit-submit').click();
  await items.filter({ hasText: `First ${stamp}` }).getByTestId('gallery-hidden').waitFor();
  const shown = (await (await context.request.get(`${BASE}/api/v1/gallery`)).json()).data;
  const publicCaptions = JSON.stringify(shown);
  assert.ok(publicCaptions.includes(`Second ${stamp}`), 'the shown picture is public');
  assert.ok(!publicCaptions.includes(`First ${stamp}`), 'the hidden one is not');
  await page.screenshot({ path: `${SHOTS}gallery-${SUITE}.png`, fullPage: true });

  for (const name of [`First ${stamp}`, `Second ${stamp}`]) {
    await items.filter({ hasText: name }).getByTestId('gallery-remove').click();
    await page.getByTestId('gallery-remove-dialog').getByTestId('dialog-confirm').click();
    await page.getByTestId('toast-ok').filter({ hasText: 'Picture removed' }).last().waitFor();
    await items.filter({ hasText: name }).waitFor({ state: 'detached' });
  }
  assert.equal(await items.count(), before);
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test("a staff member's bell counts a new booking, and it is marked read", async () => {
  const setup = await browser.newContext();
  const role = (await api(setup.request, 'POST', '/roles', {
    name: `Bookings ${stamp}`, permissions: ['portal.access', 'appointments.view', 'appointments.manage_all'],
  })).role;
  const staff = await invitedStaff(setup.request, role.id, `bell-${stamp}@e2e.test`);
  const { context, page, errors } = await signedInPage(browser, {}, staff);
  await page.goto(`${BASE}/appointments`);
  await hydrated(page);
  await page.waitForSelector('body[data-live="connected"]');
  const count = page.getByTestId('bell-count');
  assert.equal(await count.isVisible(), false, 'nothing unread yet');

  // The owner books; staff who manage every booking hear of it (the one who booked does not).
  const customer = `Bell Customer ${stamp}`;
  await api(setup.request, 'POST', '/appointments', {
    serviceId: shop.service.id, expertId: shop.expert.id, appointmentDate: day, appointmentTime: '11:00',
    customerName: customer, customerPhone: '+44 20 7946 0333', payNow: false,
  });
  await setup.close();
  await count.filter({ hasText: '1' }).waitFor({ timeout: 15000 });
  await page.getByTestId('bell').click();
  const entry = page.getByTestId('bell-entry').filter({ hasText: customer });
  await entry.waitFor();
  await page.screenshot({ path: `${SHOTS}bell-${SUITE}.png` });
  await entry.getByTestId('bell-read').click();
  await count.waitFor({ state: 'hidden' });
  assert.equal(await entry.getByTestId('bell-read').count(), 0);
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the delivery log filters from its URL and names a bad filter', async () => {
  const { context, page, errors } = await signedInPage(browser);
  // Invitations above were emailed, so the log has email rows.
  await page.goto(`${BASE}/deliveries?channel=email`);
  await hydrated(page);
  assert.equal(await page.getByTestId('deliveries-filter-channel').inputValue(), 'email');
  const rows = page.getByTestId('delivery-row');
  await rows.first().waitFor();
  const channels = await rows.evaluateAll((r) => r.map((e) => e.dataset.channel));
  assert.ok(channels.length > 0 && channels.every((c) => c === 'email'), channels.join());
  assert.ok((await page.getByTestId('delivery-recipient').allTextContents()).some((t) => t.includes(`bell-${stamp}@e2e.test`)));
  await page.screenshot({ path: `${SHOTS}deliveries-${SUITE}.png`, fullPage: true });

  await page.getByTestId('deliveries-filter-status').selectOption('failed');
  await page.getByTestId('deliveries-apply').click();
  await page.waitForURL(/status=failed/);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="delivery-row"]')].every((e) => e.dataset.status === 'failed'));

  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  // A filter that does not exist: the page itself answers 400 and says which.
  const refused = await page.goto(`${BASE}/deliveries?channel=fax`);
  assert.equal(refused.status(), 400);
  await page.getByTestId('alert').filter({ hasText: 'Check the filters' }).waitFor();
  await context.close();
});

test('the owner rewrites a message text, with a refusal first', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  const form = page.getByTestId('notification-settings-form');
  const title = form.getByTestId('notify-booked-title');
  const original = await title.inputValue();
  await title.fill('');
  await form.getByTestId('notify-submit').click();
  await form.getByTestId('error-texts.booked.title').waitFor();

  await title.fill(`Booked at {business} ${stamp}`);
  await form.getByTestId('notify-sms').uncheck();
  await form.getByTestId('notify-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Notification settings saved' }).waitFor();
  await page.reload();
  await hydrated(page);
  assert.equal(await title.inputValue(), `Booked at {business} ${stamp}`);
  assert.equal(await form.getByTestId('notify-sms').isChecked(), false);
  await page.screenshot({ path: `${SHOTS}notification-settings-${SUITE}.png`, fullPage: true });

  // Put back what the other suites expect.
  await title.fill(original);
  await form.getByTestId('notify-sms').check();
  await form.getByTestId('notify-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Notification settings saved' }).last().waitFor();
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});
