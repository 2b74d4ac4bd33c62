// Real-browser test of the agent console (`/agent`) on a server that requires API keys: the
// page asks for the desk's key in an inline form instead of polling in vain, refuses a wrong
// key and a key without the `handoffs` scope, shows the queue with the desk key, takes a
// handoff with it, and keeps it (this tab only) across a reload.
//
//   FRONTLINE_URL=http://127.0.0.1:18181 ARTEFACT_DIR=/tmp/artefacts \
//   DESK_KEY=fl_… CUSTOMER_KEY=fl_… node tests/browser/agent_console_keys.mjs
//
// FRONTLINE_URL must point at a freshly started server with `[[api_keys]]`: DESK_KEY has the
// scope `handoffs`, CUSTOMER_KEY the scope `conversations` (and not `handoffs`).

import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ARTEFACT_DIR, BASE, fail, runScenario, sleep, step, waitReady } from './harness.mjs';

const DESK_KEY = process.env.DESK_KEY || '';
const CUSTOMER_KEY = process.env.CUSTOMER_KEY || '';
const WRONG_KEY = `fl_${randomBytes(32).toString('base64url')}`;
const AGENT = '测试坐席02';
const STORAGE = 'frontline.agentKey';

const KEY_LABEL = '坐席 API 密钥';
const CONNECT = '连接';
const HINT = '请输入值班主管发放的坐席密钥;密钥只保存在本标签页';
const INVALID = '密钥无效或缺失';
const NO_SCOPE = '此密钥无权查看转人工队列';

const card = (id) => `article[data-handoff-id="${id}"]`;

// ---------- API ----------

async function api(method, urlPath, key, body) {
  const headers = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(BASE + urlPath, {
      method,
      headers,
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

/** Asks for a human (at most three times) with the customer's key; returns the handoff id. */
async function handOff(conversation) {
  let body = null;
  for (let i = 0; i < 3; i++) {
    const r = await api('POST', `/v1/conversations/${conversation}/messages`, CUSTOMER_KEY, {
      text: '转人工',
      locale: 'zh-CN',
    });
    if (r.status !== 200) {
      fail(`posting "转人工" to ${conversation} with CUSTOMER_KEY`, 'HTTP 200', `HTTP ${r.status} ${r.text}`);
    }
    body = r.json;
    if (body?.handoff?.id) return body.handoff.id;
  }
  fail(`conversation ${conversation} was not handed to a human`, 'body.handoff.id set after "转人工"', JSON.stringify(body));
}

// ---------- page ----------

async function cardIdsOnPage(page) {
  return page.$$eval('article[data-handoff-id]', (els) => els.map((e) => e.getAttribute('data-handoff-id')));
}

async function squeezed(page, selector) {
  const text = await page.textContent(selector).catch(() => null);
  return text === null ? '(missing)' : text.replace(/\s+/g, ' ').trim();
}

async function pageState(page) {
  return (
    `cards ${JSON.stringify(await cardIdsOnPage(page))}; ` +
    `key form ${(await page.locator('#key-panel').isVisible()) ? 'shown' : 'hidden'}; ` +
    `key error ${JSON.stringify(await squeezed(page, '#agent-key-error'))}; ` +
    `status ${JSON.stringify(await squeezed(page, '#live-status'))}; ` +
    `error banner ${JSON.stringify(await squeezed(page, '#error-banner'))}`
  );
}

async function waitForCard(page, id, label, timeout) {
  try {
    await page.waitForSelector(card(id), { state: 'attached', timeout });
  } catch {
    fail(`the card of ${label} did not appear`, `<article data-handoff-id="${id}"> within ${timeout / 1000} s`, await pageState(page));
  }
}

async function openAgentPage(page, label) {
  const response = await page.goto(`${BASE}/agent`, { waitUntil: 'domcontentloaded' });
  if (!response || response.status() !== 200) {
    fail(`opening ${label}`, `GET ${BASE}/agent → 200`, response ? `HTTP ${response.status()}` : 'no response');
  }
}

/** The form is up, the input has the focus, the alert says `error`, and no card is shown. */
async function expectKeyForm(page, what, error) {
  try {
    await page.waitForFunction(
      (wanted) => {
        const panel = document.getElementById('key-panel');
        const button = document.getElementById('key-submit');
        const alert = document.getElementById('agent-key-error');
        return panel && !panel.hidden && button && !button.disabled && alert && alert.textContent === wanted;
      },
      error,
      { timeout: 10_000 },
    );
  } catch {
    fail(what, `the key form with the error ${JSON.stringify(error)} within 10 s`, await pageState(page));
  }
  const input = page.getByLabel(KEY_LABEL, { exact: true });
  if ((await input.count()) !== 1) fail(`${what}: the key input`, `one input labelled "${KEY_LABEL}"`, `${await input.count()}`);
  const type = await input.getAttribute('type');
  if (type !== 'password') fail(`${what}: the key input's type`, 'password', String(type));
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  if (focused !== 'agent-key') fail(`${what}: the focus`, 'on the key input (#agent-key)', `#${focused}`);
  const role = await page.locator('#agent-key-error').getAttribute('role');
  if (role !== 'alert') fail(`${what}: the error's role`, 'alert', String(role));
  if (!(await page.locator('#agent-key-hint').isVisible()) || (await squeezed(page, '#agent-key-hint')) !== HINT) {
    fail(`${what}: the hint`, JSON.stringify(HINT), JSON.stringify(await squeezed(page, '#agent-key-hint')));
  }
  if ((await page.getByRole('button', { name: CONNECT, exact: true }).count()) !== 1) {
    fail(`${what}: the submit button`, `one button named "${CONNECT}"`, await pageState(page));
  }
  const cards = await cardIdsOnPage(page);
  if (cards.length) fail(`${what}: no handoff is shown without a valid key`, 'no cards', JSON.stringify(cards));
}

/** Types `key` into the form and submits it with the button. */
async function submitKey(page, key) {
  await page.getByLabel(KEY_LABEL, { exact: true }).fill(key);
  await page.getByRole('button', { name: CONNECT, exact: true }).click();
}

// ---------- the test ----------

async function run(browser) {
  const pageErrors = [];
  const dialogs = [];
  const listCalls = []; // Authorization header of each GET /v1/handoffs the page made

  step('server ready, and it requires keys');
  await waitReady();
  const anonymous = await api('GET', '/v1/handoffs?status=pending');
  if (anonymous.status !== 401 || anonymous.json?.error?.code !== 'unauthorized') {
    fail('GET /v1/handoffs without a key', 'HTTP 401 unauthorized (start the server with [[api_keys]])', `HTTP ${anonymous.status} ${anonymous.text}`);
  }

  step('a. a customer is handed off (CUSTOMER_KEY)');
  const conversation = `console-keys-${randomBytes(6).toString('hex')}`;
  const id = await handOff(conversation);

  step('b. the console asks for a key instead of showing the queue');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/v1/handoffs') listCalls.push(r.headers().authorization ?? null);
  });
  await openAgentPage(page, 'the console');
  await expectKeyForm(page, 'the console without a key', INVALID);
  await mkdir(ARTEFACT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTEFACT_DIR, 'agent-console-key.png'), fullPage: true });

  const callsBefore = listCalls.length;
  await sleep(3_000);
  if (listCalls.length !== callsBefore) {
    fail('polling while the key form is shown', 'stopped (no GET /v1/handoffs in 3 s)', `${listCalls.length - callsBefore} more calls`);
  }

  step('c. a wrong key is refused');
  await submitKey(page, WRONG_KEY);
  await expectKeyForm(page, 'the console after a wrong key', INVALID);
  if (listCalls.at(-1) !== `Bearer ${WRONG_KEY}`) {
    fail('the request made with the wrong key', `Authorization: Bearer ${WRONG_KEY}`, String(listCalls.at(-1)));
  }

  step('d. a key without the handoffs scope is refused');
  await submitKey(page, CUSTOMER_KEY);
  await expectKeyForm(page, 'the console after the customer key', NO_SCOPE);

  step('e. the desk key shows the queue');
  await page.getByLabel(KEY_LABEL, { exact: true }).fill(DESK_KEY);
  await page.keyboard.press('Enter');
  await waitForCard(page, id, `${id} (${conversation})`, 10_000);
  if (await page.locator('#key-panel').isVisible()) fail('the key form once connected', 'hidden', await pageState(page));
  const stored = await page.evaluate((k) => window.sessionStorage.getItem(k), STORAGE);
  if (stored !== DESK_KEY) fail(`sessionStorage "${STORAGE}"`, 'the desk key', JSON.stringify(stored));
  const local = await page.evaluate(() => JSON.stringify(Object.values(window.localStorage)));
  if (local.includes(DESK_KEY)) fail('localStorage', 'never the key', local);

  step('f. reload: still connected, no form');
  await page.reload({ waitUntil: 'domcontentloaded' });
  await waitForCard(page, id, `${id} after the reload`, 10_000);
  const afterReload = listCalls.length;
  await sleep(2_500); // at least one more poll
  if (listCalls.length === afterReload) fail('polling after the reload', 'another GET /v1/handoffs within 2.5 s', 'none');
  if (await page.locator('#key-panel').isVisible()) fail('the key form after the reload', 'hidden', await pageState(page));
  if (listCalls.at(-1) !== `Bearer ${DESK_KEY}`) {
    fail('the requests after the reload', `Authorization: Bearer ${DESK_KEY}`, String(listCalls.at(-1)));
  }

  step('g. the desk key takes the handoff');
  await page.getByLabel('坐席姓名 / 工号').fill(AGENT);
  await page.getByRole('button', { name: `接手 ${conversation}` }).click();
  try {
    await page.waitForSelector(card(id), { state: 'detached', timeout: 5_000 });
  } catch {
    fail(`the card after 接手`, 'removed within 5 s', await pageState(page));
  }
  const acked = await api('GET', '/v1/handoffs?status=acked&per_page=200', DESK_KEY);
  const view = (acked.json?.handoffs ?? []).find((h) => h.id === id);
  if (!view || view.acked_by !== AGENT) {
    fail('GET /v1/handoffs?status=acked lists the handoff', `acked_by ${JSON.stringify(AGENT)}`, JSON.stringify(view ?? acked.text));
  }

  if (pageErrors.length) fail('JavaScript errors in the page', 'none', JSON.stringify(pageErrors));
  if (dialogs.length) fail('dialogs (prompt, alert)', 'none', JSON.stringify(dialogs));
}

await runScenario('agent console keys', 'agent-console-keys', run, ['DESK_KEY', 'CUSTOMER_KEY']);
