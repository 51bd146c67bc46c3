// The academy and the blog in Chromium: the owner's course dialog refuses an empty title in place,
// then creates a course the app lists; an application sent the app's way (no account) shows in the
// Applications tab and is accepted there. A blog post is written, hidden from the app and deleted.
// The pages are photographed into test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, SUITE, SHOTS, launch, signedInPage, hydrated } from './browser.mjs';

let browser;
const stamp = Date.now().toString(36);

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** `GET /api/v1{path}` as the app's guests see it (no token, no cookie). */
async function publicGet(path) {
  const r = await fetch(`${BASE}/api/v1${path}`);
  assert.equal(r.status, 200, `GET ${path}`);
  return (await r.json()).data;
}

test('a course is created in the portal and an application to it is accepted', async () => {
  const { context, page, errors } = await signedInPage(browser);
  const title = `Bridal makeup ${stamp}`;
  const applicant = `Ayesha ${stamp}`;
  await page.goto(`${BASE}/courses`);
  await hydrated(page);

  await page.getByTestId('new-course').click();
  const dialog = page.getByTestId('course-dialog');
  await dialog.getByTestId('course-form-price').fill('15000');
  await dialog.getByTestId('course-form-submit').click();
  // Checked in the browser by the server's own parser: nothing is sent.
  await dialog.getByTestId('error-title').waitFor();

  await dialog.getByTestId('course-form-title').fill(title);
  await dialog.getByTestId('course-form-description').fill('Six weeks of bridal looks, from skin prep to the final set.');
  await dialog.getByTestId('course-form-duration').fill('6 weeks');
  await dialog.getByTestId('course-form-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: `Saved ${title}` }).waitFor();
  const card = page.getByTestId('course-card').filter({ hasText: title });
  await card.waitFor();
  assert.equal(await card.getByTestId('course-title').textContent(), title);
  assert.equal(await card.getByTestId('course-price').textContent(), 'Rs. 15000.00');
  assert.equal(await card.getByTestId('course-duration').textContent(), '6 weeks');
  assert.equal(await card.getAttribute('data-active'), 'true');
  await page.screenshot({ path: `${SHOTS}courses-${SUITE}.png`, fullPage: true });

  // The app lists it.
  const listed = await publicGet(`/courses?search=${encodeURIComponent(title)}`);
  const course = listed.courses.find((c) => c.title === title);
  assert.ok(course, 'the public list shows the new course');
  assert.equal(course.id, await card.getAttribute('data-id'));

  // Someone applies from the app, without an account.
  const applied = await fetch(`${BASE}/api/v1/courses/${course.id}/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerName: applicant, customerPhone: '0300 1234567' }),
  });
  assert.equal(applied.status, 201, await applied.clone().text());

  // The Applications tab shows it waiting; accepting it says so.
  await page.getByTestId('tab-applications').click();
  await page.waitForURL(/tab=applications/);
  const row = page.getByTestId('application-row').filter({ hasText: applicant });
  await row.waitFor();
  assert.equal(await row.getByTestId('application-course').textContent(), title);
  assert.equal(await row.getByTestId('application-status').textContent(), 'Pending');
  await row.getByTestId('application-accept').click();
  await page.getByTestId('toast-ok').filter({ hasText: `Application from ${applicant}: Accepted` }).waitFor();
  await row.getByTestId('application-status').filter({ hasText: 'Accepted' }).waitFor();
  assert.equal(await row.getByTestId('application-accept').isVisible(), false, 'a decided application has no buttons');
  await page.screenshot({ path: `${SHOTS}applications-${SUITE}.png`, fullPage: true });

  // A course people applied to is deactivated, not deleted.
  await page.getByTestId('tab-courses').click();
  await card.waitFor();
  await card.getByTestId('course-delete').click();
  await page.getByTestId('course-delete-dialog').getByTestId('dialog-confirm').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'deactivated and kept' }).waitFor();
  await card.getByTestId('course-inactive').waitFor();
  const after = await publicGet(`/courses?search=${encodeURIComponent(title)}`);
  assert.equal(after.courses.find((c) => c.title === title), undefined);

  assert.deepEqual(errors.filter((e) => !/400/.test(e)), [], `console errors: ${errors.join('\n')}`);
  await context.close();
});

test('a blog post is written, hidden from the app and deleted', async () => {
  const { context, page, errors } = await signedInPage(browser);
  const title = `Summer skin care ${stamp}`;
  await page.goto(`${BASE}/blogs`);
  await hydrated(page);

  await page.getByTestId('new-blog').click();
  const dialog = page.getByTestId('blog-dialog');
  await dialog.getByTestId('blog-form-title').fill(title);
  await dialog.getByTestId('blog-form-submit').click();
  await dialog.getByTestId('error-content').waitFor();
  await dialog.getByTestId('blog-form-content').fill('Drink water.\nWear sunscreen, even indoors.');
  await dialog.getByTestId('blog-form-order').fill('-1');
  await dialog.getByTestId('blog-form-submit').click();
  await page.getByTestId('toast-ok').filter({ hasText: `Saved ${title}` }).waitFor();
  const card = page.getByTestId('blog-card').filter({ hasText: title });
  await card.waitFor();
  assert.equal(await card.getByTestId('blog-title').textContent(), title);
  assert.equal(await card.getByTestId('blog-order').textContent(), '-1');
  assert.equal(await card.getByTestId('blog-hidden').isVisible(), false);
  const published = await publicGet('/blogs?limit=100');
  assert.ok(published.blogs.some((b) => b.title === title), 'the app shows the new post');
  await page.screenshot({ path: `${SHOTS}blogs-${SUITE}.png`, fullPage: true });

  // Hidden: the card says so and the app no longer lists it.
  await card.getByTestId('blog-toggle').click();
  await card.getByTestId('blog-hidden').waitFor();
  assert.equal(await card.getByTestId('blog-toggle').textContent(), 'Publish');
  const hidden = await publicGet('/blogs?limit=100');
  assert.equal(hidden.blogs.find((b) => b.title === title), undefined);

  // Deleted after asking.
  await card.getByTestId('blog-delete').click();
  await page.getByTestId('blog-delete-dialog').getByTestId('dialog-confirm').click();
  await page.getByTestId('toast-ok').filter({ hasText: 'Post deleted' }).waitFor();
  await card.waitFor({ state: 'detached' });

  assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  await context.close();
});
