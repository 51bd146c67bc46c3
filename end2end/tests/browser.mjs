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
