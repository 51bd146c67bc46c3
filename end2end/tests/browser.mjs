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
export async function signedInPage(browser, options = {}) {
  const opened = await openPage(browser, options);
  const r = await opened.context.request.post(`${BASE}/api/fn/sign_in`, {
    form: { email: EMAIL, password: PASSWORD },
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
