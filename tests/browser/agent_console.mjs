// Real-browser test of the agent console (`/agent`): handoffs made through the API show up
// as cards (urgent first, synopsis, masked transcript, server text shown literally), new
// ones arrive live, an agent takes one, and the page fits a 360px-wide phone.
//
//   FRONTLINE_URL=http://127.0.0.1:18181 ARTEFACT_DIR=/tmp/artefacts \
//     node tests/browser/agent_console.mjs
//
// FRONTLINE_URL must point at a freshly started server (empty data dir).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ARTEFACT_DIR, BASE, fail, runScenario, sleep, step, waitReady } from './harness.mjs';

const AGENT = '测试坐席01';
const PHONE = '13812345678';
const XSS = '<img src=x onerror="window.__xss=1">';
// Messages that should give an urgent handoff, best first (the first that does is used).
const URGENT_CANDIDATES = ['我的卡被盗刷了,快帮我冻结', '我的卡被盗刷了', '卡被盗刷了,快帮我止付'];

const newConversationId = () => `console-${randomBytes(6).toString('hex')}`;
const card = (id) => `article[data-handoff-id="${id}"]`;

// ---------- API ----------

async function api(method, urlPath, body) {
  let response;
  try {
    response = await fetch(BASE + urlPath, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    fail(`${method} ${urlPath}: the server could not be reached`, `a response from ${BASE}`, e.message);
  }
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, json, text };
}


async function say(conversation, text) {
  const r = await api('POST', `/v1/conversations/${conversation}/messages`, {
    text,
    channel: 'web',
    locale: 'zh-CN',
  });
  if (r.status !== 200) {
    fail(`posting "${text}" to conversation ${conversation}`, 'HTTP 200', `HTTP ${r.status} ${r.text}`);
  }
  return r.json;
}

/** Sends the messages in turn, then asks for a human (at most three times) until handed off. */
async function handOff(conversation, messages) {
  let body = null;
  for (const text of messages) {
    body = await say(conversation, text);
    if (body?.handoff?.id) return body.handoff.id;
  }
  for (let i = 0; i < 3; i++) {
    body = await say(conversation, '转人工');
    if (body?.handoff?.id) return body.handoff.id;
  }
  fail(
    `conversation ${conversation} was not handed to a human`,
    `body.handoff.id set after ${JSON.stringify(messages)} and "转人工"`,
    JSON.stringify(body),
  );
}

async function listHandoffs(status) {
  const all = [];
  for (let page = 1; page; ) {
    const r = await api('GET', `/v1/handoffs?status=${status}&per_page=200&page=${page}`);
    if (r.status !== 200 || !Array.isArray(r.json?.handoffs)) {
      fail(`GET /v1/handoffs?status=${status}`, 'HTTP 200 with a handoffs array', `HTTP ${r.status} ${r.text}`);
    }
    all.push(...r.json.handoffs);
    page = r.json.next_page;
  }
  return all;
}

async function handoffView(id) {
  const found = (await listHandoffs('all')).find((h) => h.id === id);
  if (!found) fail(`handoff ${id} is not listed`, `GET /v1/handoffs?status=all lists ${id}`, 'not listed');
  return found;
}

// ---------- page ----------

async function cardIdsOnPage(page) {
  return page.$$eval('article[data-handoff-id]', (els) => els.map((e) => e.getAttribute('data-handoff-id')));
}

async function squeezed(page, selector) {
  const text = await page.textContent(selector).catch(() => null);
  return text === null ? '(missing)' : text.replace(/\s+/g, ' ').trim();
}

async function waitForCard(page, id, label, timeout) {
  try {
    await page.waitForSelector(card(id), { state: 'attached', timeout });
  } catch {
    fail(
      `the card of ${label} did not appear`,
      `<article data-handoff-id="${id}"> within ${timeout / 1000} s`,
      `cards on the page: ${JSON.stringify(await cardIdsOnPage(page))}; ` +
        `status: ${JSON.stringify(await squeezed(page, '#live-status'))}; ` +
        `error banner: ${JSON.stringify(await squeezed(page, '#error-banner'))}`,
    );
  }
}

async function openAgentPage(page, label) {
  const response = await page.goto(`${BASE}/agent`, { waitUntil: 'domcontentloaded' });
  if (!response || response.status() !== 200) {
    fail(`opening ${label}`, `GET ${BASE}/agent → 200`, response ? `HTTP ${response.status()}` : 'no response');
  }
}

// ---------- the test ----------

async function run(browser) {
  const pageErrors = [];
  const dialogs = [];

  step('server ready');
  await waitReady();

  step('a. handoffs through the API');
  const convA = newConversationId();
  const idA = await handOff(convA, [`我手机号${PHONE}收不到验证码`]);
  const viewA = await handoffView(idA);
  if (viewA.priority !== 'normal') fail(`conversation A (${convA})`, 'priority normal', viewA.priority);
  const synopsisA = String(viewA.summary?.synopsis ?? '').trim();
  if (!synopsisA) fail(`conversation A (${convA})`, 'a non-empty summary.synopsis', JSON.stringify(viewA.summary));

  let convB = null;
  let idB = null;
  let viewB = null;
  let messageB = null;
  const tried = [];
  for (const wanted of ['urgent', 'high']) {
    for (const text of URGENT_CANDIDATES) {
      const conversation = newConversationId();
      const body = await say(conversation, text);
      const id = body?.handoff?.id ?? (await handOff(conversation, []));
      const view = await handoffView(id);
      tried.push(`"${text}" → ${view.priority}`);
      if (view.priority === wanted) {
        [convB, idB, viewB, messageB] = [conversation, id, view, text];
        break;
      }
    }
    if (idB) break;
  }
  if (!idB) fail('no message gave an urgent (or high) handoff', 'priority urgent or high', tried.join('; '));
  console.log(`  B: "${messageB}" → ${viewB.priority} (${convB})`);

  const convC = newConversationId();
  const idC = await handOff(convC, [`我的网银页面显示 ${XSS} 是什么意思`]);

  step('b. the console lists the handoffs');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await openAgentPage(page, 'the console');
  for (const [id, label] of [
    [idA, `A (${convA})`],
    [idB, `B (${convB})`],
    [idC, `C (${convC})`],
  ]) {
    await waitForCard(page, id, label, 10_000);
  }

  const priorities = await page.$$eval('article[data-handoff-id]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-handoff-id'), e.getAttribute('data-priority')])),
  );
  if (priorities[idB] !== viewB.priority || priorities[idA] !== 'normal') {
    fail(
      'data-priority of the cards',
      `B ${viewB.priority}, A normal`,
      `B ${priorities[idB]}, A ${priorities[idA]}`,
    );
  }
  const bBeforeA = await page.evaluate(
    ([a, b]) => {
      const ea = document.querySelector(`article[data-handoff-id="${a}"]`);
      const eb = document.querySelector(`article[data-handoff-id="${b}"]`);
      return Boolean(eb.compareDocumentPosition(ea) & Node.DOCUMENT_POSITION_FOLLOWING);
    },
    [idA, idB],
  );
  if (!bBeforeA) {
    fail('card order', `B (${viewB.priority}) before A (normal)`, `order on page: ${JSON.stringify(await cardIdsOnPage(page))}`);
  }

  const cardA = page.locator(card(idA));
  const textA = (await cardA.textContent()) ?? '';
  if (!textA.includes(synopsisA)) fail(`A's card shows the synopsis`, JSON.stringify(synopsisA), JSON.stringify(textA));
  const detailsA = cardA.locator('details.transcript');
  if ((await detailsA.count()) !== 1) fail(`A's card has the transcript`, 'one <details class="transcript">', `${await detailsA.count()}`);
  if (await detailsA.evaluate((d) => d.open)) fail(`A's transcript`, 'collapsed by default', 'open');
  await detailsA.locator('summary').click();
  if (!(await detailsA.evaluate((d) => d.open))) fail(`A's transcript after a click on its summary`, 'open', 'closed');
  const transcriptA = await detailsA.innerText();
  if (!transcriptA.includes('5678') || transcriptA.includes(PHONE)) {
    fail(`A's transcript shows the phone masked`, `"5678" and not "${PHONE}"`, JSON.stringify(transcriptA));
  }
  if ((await cardA.textContent()).includes(PHONE)) fail(`A's card`, `no "${PHONE}" anywhere`, 'the full number');

  // Why the bot said what it said: collapsed, loaded when opened, every sentence with its
  // template key, the phone number still masked.
  const whyA = cardA.locator('details.why');
  if ((await whyA.count()) !== 1) fail(`A's card has the why view`, 'one <details class="why">', `${await whyA.count()}`);
  if (await whyA.evaluate((d) => d.open)) fail(`A's why view`, 'collapsed by default', 'open');
  await whyA.locator('summary').click();
  await whyA.locator('.why-turn').first().waitFor({ state: 'visible', timeout: 10_000 });
  const whyText = await whyA.innerText();
  for (const part of ['第 1 轮', '识别', '阈值', '_replies.']) {
    if (!whyText.includes(part)) fail(`A's why view`, `contains "${part}"`, JSON.stringify(whyText.slice(0, 600)));
  }
  if (whyText.includes(PHONE)) fail(`A's why view`, `no "${PHONE}"`, 'the full number');

  const cardC = page.locator(card(idC));
  await cardC.locator('details.transcript summary').click();
  const textC = await cardC.innerText();
  if (!textC.includes('<img')) fail(`C's card shows the markup as text`, 'visible text containing "<img"', JSON.stringify(textC));
  const imgs = await cardC.locator('img').count();
  const xss = await page.evaluate(() => typeof window.__xss);
  if (imgs !== 0 || xss !== 'undefined' || dialogs.length) {
    fail('server text must not become markup', 'no <img> in C, window.__xss undefined, no dialogs', `${imgs} <img>, window.__xss ${xss}, dialogs ${JSON.stringify(dialogs)}`);
  }

  step('c. a new handoff appears live');
  const convD = newConversationId();
  const idD = await handOff(convD, ['我要投诉你们的服务态度']);
  await waitForCard(page, idD, `D (${convD}), created while the page was open`, 10_000);
  if (!(await detailsA.evaluate((d) => d.open))) {
    fail(`A's transcript after the list was refreshed`, 'still open (cards are updated, not rebuilt)', 'closed');
  }

  step('d. desktop screenshot');
  await mkdir(ARTEFACT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTEFACT_DIR, 'agent-console.png'), fullPage: true });

  step('e. an agent takes A');
  const ackA = page.getByRole('button', { name: `接手 ${convA}` });
  if ((await ackA.count()) !== 1) fail(`A's ack button`, `one button named "接手 ${convA}"`, `${await ackA.count()}`);
  if (!(await ackA.isDisabled())) fail(`A's ack button while the agent name is empty`, 'disabled', 'enabled');
  await page.getByLabel('坐席姓名 / 工号').fill(AGENT);
  if (!(await ackA.isEnabled())) fail(`A's ack button once the agent name is filled`, 'enabled', 'disabled');
  await ackA.click();
  try {
    await page.waitForSelector(card(idA), { state: 'detached', timeout: 5_000 });
  } catch {
    fail(`A's card after 接手`, 'removed within 5 s', `still there: ${JSON.stringify(await cardA.innerText().catch(() => ''))}`);
  }
  const ackedA = (await listHandoffs('acked')).find((h) => h.id === idA);
  if (!ackedA || ackedA.acked_by !== AGENT) {
    fail('GET /v1/handoffs?status=acked lists A', `acked_by ${JSON.stringify(AGENT)}`, JSON.stringify(ackedA ?? 'not listed'));
  }
  await sleep(3_000);
  const afterPoll = await cardIdsOnPage(page);
  const missing = [
    ['B', idB],
    ['C', idC],
    ['D', idD],
  ].filter(([, id]) => !afterPoll.includes(id));
  if (afterPoll.includes(idA) || missing.length) {
    fail('cards 3 s after A was taken', `no A (${idA}); B, C and D present`, `cards ${JSON.stringify(afterPoll)}`);
  }

  step('f. phone width');
  const phone = await context.newPage();
  phone.on('pageerror', (e) => pageErrors.push(e.message));
  await phone.setViewportSize({ width: 360, height: 640 });
  await openAgentPage(phone, 'the console at 360×640');
  await waitForCard(phone, idB, `B (${convB}) on the phone`, 10_000);
  const remembered = await phone.getByLabel('坐席姓名 / 工号').inputValue();
  if (remembered !== AGENT) fail('the agent name is remembered', JSON.stringify(AGENT), JSON.stringify(remembered));
  const scrollWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  if (scrollWidth > 360) fail('no horizontal scroll at 360px', 'document.documentElement.scrollWidth <= 360', `${scrollWidth}`);
  await phone.screenshot({ path: path.join(ARTEFACT_DIR, 'agent-console-phone.png'), fullPage: true });

  if (pageErrors.length) fail('JavaScript errors in the page', 'none', JSON.stringify(pageErrors));
  assert.equal(dialogs.length, 0, `no dialogs expected, got ${JSON.stringify(dialogs)}`);
}

await runScenario('agent console', 'agent-console', run);
