// What every browser test shares: the server's address and the artefact folder from the
// environment, failing a named step with expected/actual, waiting for the server, and
// running a scenario in Debian's chromium with screenshots of every page on failure.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.FRONTLINE_URL || '').replace(/\/+$/, '');
export const ARTEFACT_DIR = process.env.ARTEFACT_DIR || '';

export class Failure extends Error {}

// For working on the pages: with FRONTLINE_STATIC_DIR=static, every browser context is
// served the pages and scripts from that folder instead of the ones compiled into the
// server, so a change to them needs no rebuild. (The tests run without it.)
const STATIC_DIR = process.env.FRONTLINE_STATIC_DIR || '';
const STATIC_FILES = {
  '/': 'demo/index.html',
  '/widget.js': 'widget/widget.js',
  '/widget.css': 'widget/widget.css',
  '/agent': 'agent/index.html',
  '/analytics': 'analytics/index.html',
};
const CONTENT_TYPES = { html: 'text/html', js: 'text/javascript', css: 'text/css' };

async function serveStaticFromDisk(context) {
  const fileOf = (url) => {
    if (!BASE || !url.href.startsWith(BASE)) return null;
    const p = url.pathname;
    if (STATIC_FILES[p]) return STATIC_FILES[p];
    return /^\/(agent|console|analytics)\/[\w.-]+\.(js|css)$/.test(p) ? p.slice(1) : null;
  };
  await context.route(
    (url) => fileOf(url) !== null,
    async (route) => {
      const file = fileOf(new URL(route.request().url()));
      const body = await readFile(path.join(STATIC_DIR, file));
      const type = CONTENT_TYPES[file.split('.').pop()] || 'application/octet-stream';
      await route.fulfill({ status: 200, contentType: `${type}; charset=utf-8`, body });
    },
  );
}

/** Fails the current step, saying what was expected and what was seen. */
export function fail(what, expected, actual) {
  throw new Failure(`${what}\n    expected: ${expected}\n    actual:   ${actual}`);
}

let currentStep = '(setup)';
export function step(name) {
  currentStep = name;
  console.log(`- ${name}`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server answers /readyz (90 s at most). */
export async function waitReady() {
  const deadline = Date.now() + 90_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${BASE}/readyz`);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(500);
  }
  fail('the server did not become ready', `GET ${BASE}/readyz → 200 within 90 s`, last);
}

/**
 * Runs `scenario(browser)` and exits: prints `<name>: ok`, or the failed step and a
 * screenshot of every open page (`<prefix>-failure-<context>-<page>.png`). `required` names
 * environment variables the scenario needs besides FRONTLINE_URL and ARTEFACT_DIR;
 * `extraArgs` go to chromium's command line.
 */
export async function runScenario(name, prefix, scenario, required = [], extraArgs = []) {
  const missing = ['FRONTLINE_URL', 'ARTEFACT_DIR', ...required].filter((v) => !process.env[v]);
  if (missing.length) {
    console.error(`${name}: set ${missing.join(', ')}`);
    process.exit(2);
  }
  await mkdir(ARTEFACT_DIR, { recursive: true });
  let browser = null;
  let code = 0;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
    });
    if (STATIC_DIR) {
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        await serveStaticFromDisk(context);
        return context;
      };
    }
    await scenario(browser);
    console.log(`${name}: ok`);
  } catch (e) {
    code = 1;
    console.error(`${name}: FAILED at step "${currentStep}"`);
    const expected = e instanceof Failure || e?.name === 'AssertionError';
    console.error(`  ${expected ? e.message : e?.stack ?? e}`);
    for (const [c, context] of (browser ? browser.contexts() : []).entries()) {
      for (const [i, page] of context.pages().entries()) {
        await page
          .screenshot({ path: path.join(ARTEFACT_DIR, `${prefix}-failure-${c}-${i}.png`), fullPage: true })
          .catch(() => {});
      }
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  process.exit(code);
}
