// The evaluation report (`frontline eval --html`) in a real browser: it opens as a file,
// shows the figures, one row per intent, a coloured heatmap and the misread examples, with
// Chinese text rendered; a screenshot is saved.
//
//   REPORT_FILE=/tmp/report.html ARTEFACT_DIR=/tmp/artefacts node tests/browser/eval_report.mjs

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const REPORT_FILE = process.env.REPORT_FILE || '';
const ARTEFACT_DIR = process.env.ARTEFACT_DIR || '';

function check(what, ok, seen) {
  if (!ok) throw new Error(`${what}: saw ${JSON.stringify(seen)}`);
  console.log(`- ${what}`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(path.resolve(REPORT_FILE)).href);

  const accuracy = await page.locator('b.accuracy').first().textContent();
  check('the headline accuracy is a percentage', /^\d+\.\d%$/.test(accuracy ?? ''), accuracy);

  const intents = await page.locator('table.intents tbody tr').count();
  const rows = await page.locator('table.heatmap tbody tr').count();
  const cells = await page.locator('table.heatmap tbody td[title]').count();
  check('one heatmap row per label, a full square', rows >= intents && cells === rows * rows, { intents, rows, cells });

  // Coloured cells are what the eye reads: green on the diagonal, red off it.
  const colours = await page.$$eval('table.heatmap tbody tr', (trs) =>
    trs.map((tr, r) => [...tr.querySelectorAll('td[title]')].map((td, c) => ({
      diagonal: r === c,
      filled: td.textContent.trim() !== '',
      colour: getComputedStyle(td).backgroundColor,
    }))).flat());
  const green = colours.filter((c) => c.diagonal && c.filled && /^rgba?\(46, 160, 67/.test(c.colour)).length;
  const red = colours.filter((c) => !c.diagonal && c.filled && /^rgba?\(207, 34, 46/.test(c.colour)).length;
  const filledOff = colours.filter((c) => !c.diagonal && c.filled).length;
  check('the diagonal is green', green > 0 && green >= rows - 1, { green, rows });
  check('every confusion is red', red === filledOff, { red, filledOff });

  const misread = await page.locator('table.misread tbody tr').count();
  // Each red cell holds at least one example.
  check('the misread examples are listed', misread >= filledOff, { misread, filledOff });

  // A CJK font is installed: a Chinese example is as wide as its characters, not tofu.
  const width = await page.evaluate(() => {
    const span = document.createElement('span');
    span.textContent = '吞卡吞卡';
    document.body.append(span);
    return span.getBoundingClientRect().width;
  });
  check('Chinese renders', width > 20, width);
  check('no script errors', errors.length === 0, errors);

  if (ARTEFACT_DIR) {
    await mkdir(ARTEFACT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(ARTEFACT_DIR, 'eval-report.png'), fullPage: false });
    await page.locator('.heatmap-wrap').first().screenshot({ path: path.join(ARTEFACT_DIR, 'eval-heatmap.png') });
  }
  console.log('eval report: ok');
} finally {
  await browser.close();
}
