// Shared browser set-up: Debian's Chromium driven by playwright-core (no browser download).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

export const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const SUITE = process.env.SUITE ?? 'local';
export const SHOTS = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A staff account with `roleId`, made the way an owner makes one: invited by email
 * (`/users/assign-role`), then the password set through the emailed link's token. */
export async function invitedStaff(request, roleId, email, password = 'StaffPass1!e2e') {
  await api(request, 'POST', '/users/assign-role', { email, roleId });
  const mail = await mailTo(email, /./);
  const token = /set-password\?token=([A-Za-z0-9_\-%.]+)/.exec(mail.text)?.[1];
  if (!token) throw new Error(`no set-password link in: ${mail.text}`);
  const r = await request.post(`${BASE}/api/v1/auth/set-password`, {
    data: { token: decodeURIComponent(token), password },
  });
  if (r.status() >= 400) throw new Error(`set-password: ${r.status()} ${await r.text()}`);
  return { email, password };
}

/** A new page that records console errors and uncaught exceptions. */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

/** Waits until the wasm app has hydrated (the layout marks <body> once its first effect runs). */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 15000 });
}

export const EMAIL = process.env.E2E_EMAIL ?? 'owner@e2e.test';
export const PASSWORD = process.env.E2E_PASSWORD ?? 'E2eOwnerPass1!';

/** A page in a context already signed in to the portal as the e2e owner (through the sign-in
 * server function, so the session cookie is the real one). */
export async function signedInPage(browser, options = {}, who = { email: EMAIL, password: PASSWORD }) {
  const opened = await openPage(browser, options);
  const r = await opened.context.request.post(`${BASE}/api/fn/sign_in`, {
    form: { email: who.email, password: who.password },
    headers: { accept: 'application/json' },
    maxRedirects: 0,
  });
  if (r.status() >= 400) throw new Error(`sign-in failed: ${r.status()} ${await r.text()}`);
  return opened;
}

/** Calls `/api/v1` as the e2e owner (set-up data for a test). */
export async function api(request, method, path, body) {
  if (!api.token) {
    const r = await request.post(`${BASE}/api/v1/auth/login`, { data: { email: EMAIL, password: PASSWORD } });
    api.token = (await r.json()).data.accessToken;
  }
  const r = await request.fetch(`${BASE}/api/v1${path}`, {
    method,
    data: body,
    headers: { authorization: `Bearer ${api.token}` },
  });
  const json = await r.json();
  if (r.status() >= 400) throw new Error(`${method} ${path}: ${r.status()} ${JSON.stringify(json)}`);
  return json.data;
}

/** The newest email sent to `to` whose subject matches `subject`, waiting for Pulse's outbox to
 * deliver it to the test SMTP server (end2end/mail/sink.mjs). */
export async function mailTo(to, subject = /./, timeout = 20000) {
  const sink = process.env.MAIL_SINK;
  if (!sink) throw new Error('MAIL_SINK is not set: run the tests through scripts/e2e.sh');
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const r = await fetch(`${sink}/messages?to=${encodeURIComponent(to)}`);
    const found = (await r.json()).filter((m) => subject.test(m.subject));
    if (found.length) return found[found.length - 1];
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(`no email to ${to} matching ${subject} within ${timeout} ms`);
}
