// Settings, profile and audit log in Chromium: the owner changes the booking rules (a bad value is
// refused in the browser first), edits their profile with a picture preview, and narrows the audit
// log by action and by actor through links that keep the filters in the URL. Whatever a test
// changes is put back afterwards. Each page is photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, EMAIL, launch, signedInPage, hydrated, api } from './browser.mjs';

let browser;
let original;
const stamp = Date.now().toString(36);

before(async () => {
  browser = await launch();
  const ctx = await browser.newContext();
  original = {
    settings: (await api(ctx.request, 'GET', '/settings')).settings,
    profile: (await api(ctx.request, 'GET', '/profile')).user,
  };
  await ctx.close();
});

after(async () => {
  const ctx = await browser.newContext();
  await api(ctx.request, 'PUT', '/settings', original.settings);
  const p = original.profile;
  await api(ctx.request, 'PUT', '/profile', {
    name: p.name, phone: p.phone ?? '', address: p.address ?? '', profileImageUrl: p.profile_image_url ?? '',
  });
  await ctx.close();
  await browser?.close();
});

test('the owner changes the settings after a refusal in the browser', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/settings`);
  await hydrated(page);
  const name = page.getByTestId('settings-business-name');
  assert.equal(await name.inputValue(), original.settings.businessName);

  // The shared parser answers before anything is sent.
  const sent = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/fn/save_settings')) sent.push(r.url()); });
  await name.fill(`E2E Studio ${stamp}`);
  await page.getByTestId('settings-slot-step').fill('3');
  await page.getByTestId('settings-submit').click();
  await page.getByTestId('error-slotStepMinutes').filter({ hasText: 'between 5 and 120' }).waitFor();
  await page.getByTestId('toast-error').first().waitFor();
  assert.deepEqual(sent, []);

  await page.getByTestId('settings-slot-step').fill(String(original.settings.slotStepMinutes));
  await page.getByTestId('settings-reservation-hold').fill('90');
  await page.getByTestId('settings-hold-hint').filter({ hasText: '1 h 30 min' }).waitFor();
  await page.getByTestId('settings-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Settings saved' }).waitFor();
  assert.equal(await page.getByTestId('error-slotStepMinutes').count(), 0);
  await page.screenshot({ path: `${SHOTS}settings-${SUITE}.png`, fullPage: true });

  // Stored: the API reads the same, and a reload shows it.
  const stored = (await api(context.request, 'GET', '/settings')).settings;
  assert.equal(stored.businessName, `E2E Studio ${stamp}`);
  assert.equal(stored.reservationHoldMinutes, 90);
  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByTestId('settings-reservation-hold').inputValue(), '90');
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the owner edits their profile and sees the picture before saving', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/profile`);
  await hydrated(page);
  assert.equal(await page.getByTestId('profile-form-email').inputValue(), EMAIL);

  await page.getByTestId('profile-form-phone').fill('12');
  await page.getByTestId('profile-form-submit').click();
  await page.getByTestId('error-phone').waitFor();

  await page.getByTestId('profile-form-phone').fill('+44 20 7946 0199');
  await page.getByTestId('profile-form-address').fill(`${stamp} High Street`);
  const avatar = page.getByTestId('profile-form-avatar');
  await avatar.fill(`${BASE}/favicon.svg`);
  // The preview follows the field once it is left, as `change` tells.
  await avatar.dispatchEvent('change');
  await page.getByTestId('profile-avatar-preview').waitFor({ state: 'visible' });
  assert.equal(await page.getByTestId('profile-initials').isVisible(), false);
  await page.getByTestId('profile-form-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Profile saved' }).waitFor();
  assert.equal(await page.getByTestId('error-phone').count(), 0);
  await page.screenshot({ path: `${SHOTS}profile-${SUITE}.png`, fullPage: true });

  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByTestId('profile-form-address').inputValue(), `${stamp} High Street`);
  await page.getByTestId('profile-avatar-preview').waitFor({ state: 'visible' });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('the audit log shows sign-ins and narrows by action and actor in the URL', async () => {
  const { context, page, errors } = await signedInPage(browser);
  await page.goto(`${BASE}/audit`);
  await hydrated(page);
  await page.getByTestId('audit-row').first().waitFor();
  assert.ok((await page.getByTestId('audit-row').count()) <= 20, 'one page of 20 at most');

  await page.getByTestId('audit-filter-action').fill('auth.login');
  await page.getByTestId('audit-apply').click();
  await page.waitForURL(/action=auth\.login/);
  const onlyRows = (expected) => page.waitForFunction((want) => {
    const rows = [...document.querySelectorAll('[data-testid=audit-row]')];
    return rows.length > 0 && rows.every((r) => r.dataset.action === want);
  }, expected);
  await onlyRows('auth.login');

  // An actor in a row narrows the list to them, keeping the action.
  const mine = page.getByTestId('audit-row').filter({ hasText: EMAIL }).first();
  await mine.getByTestId('audit-actor').click();
  await page.waitForURL(new RegExp(`actor=${encodeURIComponent(EMAIL).replace(/\./g, '\\.')}`));
  assert.match(page.url(), /action=auth\.login/);
  await onlyRows('auth.login');
  // The previous rows stay until the new page arrives: wait for the narrowed list.
  await page.waitForFunction((email) => {
    const cells = [...document.querySelectorAll('[data-testid=audit-actor-email]')];
    return cells.length > 0 && cells.every((c) => c.textContent.trim() === email);
  }, EMAIL);
  assert.equal(await page.getByTestId('audit-filter-actor').inputValue(), EMAIL);
  await page.screenshot({ path: `${SHOTS}audit-${SUITE}.png`, fullPage: true });

  // A day long gone has nothing.
  await page.getByTestId('audit-filter-to').fill('2000-01-01');
  await page.getByTestId('audit-apply').click();
  await page.waitForURL(/to=2000-01-01/);
  await page.getByTestId('empty').filter({ hasText: 'No entries match' }).waitFor({ state: 'visible' });
  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();

  const plain = await signedInPage(browser, { javaScriptEnabled: false });
  await plain.page.goto(`${BASE}/audit?action=auth.login`);
  assert.ok((await plain.page.getByTestId('audit-row').count()) > 0, 'readable without JavaScript');
  await plain.context.close();
});
