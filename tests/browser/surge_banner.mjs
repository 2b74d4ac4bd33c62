// Real-browser test of the surge alert banner on the managers' analytics page: with a
// surge alert open (raised by the server's surge watch beforehand), /analytics shows the
// amber banner naming the intent, the city, the hour and its count; the conversations
// behind it unfold, masked; each one's audit records ("why") open under it, naming the
// intent taken and the template of every sentence; without alerts the banner stays hidden.
//
//   FRONTLINE_URL=http://127.0.0.1:18181 ARTEFACT_DIR=/tmp/artefacts \
//   SURGE_EXPECT='{"intent":"atm_cash_retention","city":"杭州","conversations":8}' \
//     node tests/browser/surge_banner.mjs

import path from 'node:path';
import { ARTEFACT_DIR, BASE, fail, runScenario, step, waitReady } from './harness.mjs';

async function run(browser) {
  const expected = JSON.parse(process.env.SURGE_EXPECT);
  const pageErrors = [];
  step('1. the page loads with the alert open');
  await waitReady();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const response = await page.goto(`${BASE}/analytics`, { waitUntil: 'domcontentloaded' });
  if (!response || response.status() !== 200) fail('GET /analytics', '200', response ? response.status() : 'no response');
  try {
    await page.waitForSelector('#surge-banner:not([hidden])', { timeout: 15_000 });
  } catch {
    fail('the surge banner', 'visible', await page.getAttribute('#surge-banner', 'hidden'));
  }

  step('2. the banner names the intent, the city and the count');
  const item = page.locator('#surge-list > li').first();
  const count = await page.locator('#surge-list > li').count();
  if (count !== 1) fail('alerts in the banner', '1', `${count}`);
  const line = (await item.locator('.surge-line').textContent()) || '';
  for (const part of [expected.intent, expected.city, `${expected.conversations} 个会话`]) {
    if (!line.includes(part)) fail('the alert line', `contains "${part}"`, line);
  }
  if ((await item.getAttribute('data-city')) !== expected.city) {
    fail('the alert item data-city', expected.city, await item.getAttribute('data-city'));
  }

  step('3. the conversations unfold, masked');
  const rows = item.locator('details.surge-conversations > ol > li');
  if (await rows.first().isVisible()) fail('the conversations before unfolding', 'hidden (collapsed)', 'visible');
  await item.locator('details.surge-conversations > summary').click();
  await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
  const texts = await rows.allTextContents();
  if (texts.length < expected.conversations) fail('conversations listed', `>= ${expected.conversations}`, `${texts.length}`);
  for (const text of texts) {
    if (!text.includes('ATM')) fail('a listed conversation', 'its first message', text);
    if (/\d{12,}/.test(text)) fail('a listed conversation', 'no card number in the clear', text);
  }

  step('3b. a conversation\'s audit records open under it');
  const why = rows.first().locator('details.why');
  if (await why.locator('.why-body').isVisible()) fail('the audit view before opening', 'collapsed', 'open');
  await why.locator('summary').click();
  const turn = why.locator('.why-turn').first();
  try {
    await turn.waitFor({ state: 'visible', timeout: 10_000 });
  } catch {
    fail('the audit view', 'a turn', (await why.locator('.why-body').textContent()) || '');
  }
  const intentLine = (await turn.locator('.why-intent').textContent()) || '';
  if (!intentLine.includes(expected.intent)) fail('the audited intent', expected.intent, intentLine);
  const sources = await turn.locator('.why-source').allTextContents();
  if (!sources.length || !sources.every((s) => s.trim().length > 0)) {
    fail('each sentence\'s source', 'a template key', JSON.stringify(sources));
  }
  const message = (await turn.locator('.why-message').textContent()) || '';
  if (!message.includes('ATM')) fail('the audited message', 'the customer\'s message', message);
  if (/\d{12,}/.test(await why.textContent())) fail('the audit view', 'no card number in the clear', await why.textContent());
  await page.screenshot({ path: path.join(ARTEFACT_DIR, 'analytics-surge.png'), fullPage: true });

  step('4. Chinese renders');
  const width = await page.evaluate(() => document.querySelector('#surge-title').getBoundingClientRect().width);
  if (!(width > 40)) fail('the banner title width', '> 40px for 6 characters', `${width}`);
  if (pageErrors.length) fail('JavaScript errors in the page', 'none', JSON.stringify(pageErrors));
}

await runScenario('surge banner', 'surge', run, ['SURGE_EXPECT']);
