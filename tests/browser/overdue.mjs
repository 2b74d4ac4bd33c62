// Real-browser test of the agent console's overdue promises (`/agent`): a promise past its
// due time shows in a queue of its own, with its conversation, its text and its date, and
// one click on 已兑现 records it as kept and takes it off the queue.
//
//   FRONTLINE_URL=http://127.0.0.1:18181 ARTEFACT_DIR=/tmp/artefacts \
//   OVERDUE_ID=cm-… OVERDUE_CONVERSATION=late-1 OVERDUE_DUE_BY=2026-12-01 \
//     node tests/browser/overdue.mjs
//
// The server holds exactly one overdue commitment: the Rust test that runs this made it.

import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTEFACT_DIR, BASE, fail, runScenario, step, waitReady } from './harness.mjs';

const ID = process.env.OVERDUE_ID || '';
const CONVERSATION = process.env.OVERDUE_CONVERSATION || '';
const DUE_BY = process.env.OVERDUE_DUE_BY || '';
const AGENT = '测试坐席03';

async function commitments(status) {
  const response = await fetch(`${BASE}/v1/commitments?status=${status}`);
  if (response.status !== 200) {
    fail(`GET /v1/commitments?status=${status}`, 'HTTP 200', `HTTP ${response.status}`);
  }
  return (await response.json()).commitments;
}

async function run(browser) {
  await waitReady();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  await context.addInitScript((name) => localStorage.setItem('frontline.agent.name', name), AGENT);
  const page = await context.newPage();

  step('the overdue promise is queued on its own');
  await page.goto(`${BASE}/agent`);
  const section = page.locator('#overdue');
  await section.waitFor({ state: 'visible', timeout: 15_000 });
  const item = page.locator('#overdue-list li', { hasText: CONVERSATION });
  await item.waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('#overdue-count').textContent(), '1');
  const itemText = await item.textContent();
  assert.ok(itemText.includes(`应于 ${DUE_BY} 前`), `the due date is shown: ${itemText}`);
  assert.ok(itemText.includes('两个工作日内回电'), `the promise is shown: ${itemText}`);
  await page.screenshot({ path: path.join(ARTEFACT_DIR, 'overdue-queue.png'), fullPage: true });

  step('已兑现 records it as kept and empties the queue');
  await item.getByRole('button', { name: '已兑现' }).click();
  await section.waitFor({ state: 'hidden', timeout: 10_000 });
  const fulfilled = await commitments('fulfilled');
  const kept = fulfilled.find((c) => c.id === ID);
  assert.ok(kept, `the commitment is fulfilled: ${JSON.stringify(fulfilled)}`);
  assert.equal(kept.fulfilled_by, AGENT, 'fulfilled by the agent named in the console');
  assert.equal(kept.on_time, false, 'kept late');
  assert.deepEqual(await commitments('overdue'), []);
}

await runScenario('overdue queue', 'overdue', run, ['OVERDUE_ID', 'OVERDUE_CONVERSATION', 'OVERDUE_DUE_BY']);
