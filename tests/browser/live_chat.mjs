// Real-browser test of a person taking over in the same chat, with two pages at once: a
// customer in the widget (on a bank's page at another origin, with the widget's public key)
// complains and asks for a person; an agent in the console (/agent, with a desk key) joins
// the chat, reads the case brief and the transcript, inserts a suggested reply, edits and
// sends it; the customer sees it within a second, answers, and the agent sees the answer.
// Then: markup stays text, the widget's network is cut while the agent writes (the message
// arrives once the network is back, exactly once), the widget page is reloaded (nothing lost
// or repeated), a second agent who tries to join is told who has the chat, the agent
// resolves the chat, the customer rates it 5 and the rating shows in /v1/analytics. A
// second browser with the same widget key cannot read the first customer's conversation
// or its stream (403, the same as for a conversation that does not exist).
//
//   FRONTLINE_URL=http://127.0.0.1:18181 ARTEFACT_DIR=/tmp/artefacts \
//   WIDGET_KEY=… DESK_KEY=… ANALYTICS_KEY=… BANK_ORIGIN=http://bank.localhost \
//     node tests/browser/live_chat.mjs
//
// The server must know the three keys (the widget's bound to BANK_ORIGIN, which is also
// in its CORS origins) and start with an empty data dir.

import net from 'node:net';
import path from 'node:path';
import { ARTEFACT_DIR, BASE, fail, runScenario, step, waitReady } from './harness.mjs';

const WIDGET_KEY = process.env.WIDGET_KEY || '';
const DESK_KEY = process.env.DESK_KEY || '';
const ANALYTICS_KEY = process.env.ANALYTICS_KEY || '';
const BANK_ORIGIN = (process.env.BANK_ORIGIN || '').replace(/\/+$/, '');

const AGENT = '王经理';
const OTHER_AGENT = '李经理';
const COMPLAINT = '昨天在人民路的ATM取钱,钱没出来卡里却扣了两千块,气死我了!';
const ANSWER = '好的,我等您的消息,谢谢。';
const EDIT = '我是王经理,现在由我为您处理。';
const XSS = '<img src=x onerror="window.__xss=1">请看这里';
const OFFLINE_MESSAGE = '已为您提交差错调账申请,请留意短信通知。';
const AFTER_RELOAD = '还有其他问题可以随时告诉我。';
const COMMENT = '王经理处理得很耐心';
const STEP_LABELS = ['安抚', '复述确认', '按规指引', '承诺时限'];
// A message the agent sends reaches the customer's page within this (the issue asks for a second).
const LIVE_MS = 1500;
const REPLY_MS = 15_000;

const show = (value) => JSON.stringify(value);
const squash = (text) => String(text ?? '').replace(/\s+/g, '');

// ---------- the API, from node ----------

async function api(method, urlPath, { key, body, headers = {} } = {}) {
  const response = await fetch(BASE + urlPath, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((e) => fail(`${method} ${urlPath}`, `a response from ${BASE}`, e.message));
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, json, text };
}

// ---------- the customer's network ----------

/**
 * A TCP proxy between the customer's page and the server: `cut()` drops every connection
 * through it and refuses new ones (the phone lost its network), `restore()` lets them in.
 */
async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  const requests = []; // {method, path, lastEventId}: what the page asked for, as sent
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    client.on('data', (chunk) => {
      const head = /^(GET|POST|OPTIONS) (\S+) HTTP\/1\.1\r\n([\s\S]*?)\r\n\r\n/.exec(chunk.toString('latin1'));
      if (head) {
        const lastEventId = /^last-event-id: *(\S+)/im.exec(head[3]);
        requests.push({ method: head[1], path: head[2], lastEventId: lastEventId ? lastEventId[1] : null });
      }
    });
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of [client, upstream]) {
      s.on('error', done);
      s.on('close', done);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    /** The requests for the event stream so far: from which event each one resumed. */
    streams() {
      return requests
        .filter((r) => r.method === 'GET' && r.path.includes('/events'))
        .map((r) => ({ lastEventId: r.lastEventId, after: new URL(r.path, 'http://x').searchParams.get('after') }));
    },
    /** Drops the connections of the moment (a blip: new ones go through). */
    drop() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    cut() {
      open = false;
      this.drop();
    },
    restore() {
      open = true;
    },
    close() {
      this.cut();
      server.close();
    },
  };
}

let proxy = null;

// ---------- pages ----------

const problems = [];

function watch(page, label) {
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`${label}: dialog ${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
}

/** The bank's page with the widget tag, at BANK_ORIGIN (served to this browser only). */
function bankPage() {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>示例银行 · 在线客服</title>
<style>body{margin:0;font-family:sans-serif;background:#f6f7f9}header{background:#9b111e;color:#fff;padding:14px 18px}main{padding:18px}</style>
</head><body>
<header><strong>示例银行</strong></header>
<main><h1>个人业务</h1><p>有问题请点击右下角的在线客服。</p></main>
<script src="${BASE}/widget.js" data-frontline-url="${proxy.url}" data-api-key="${WIDGET_KEY}"
        data-locale="zh-CN" data-title="在线客服" data-color="#9b111e" defer></script>
</body></html>`;
}

/** A customer's browser: a phone-sized window on the bank's page. */
async function customerContext(browser, label) {
  const context = await browser.newContext({
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  });
  await context.route(`${BANK_ORIGIN}/**`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: bankPage() }),
  );
  const page = await context.newPage();
  watch(page, label);
  return page;
}

async function openBank(page) {
  await page.goto(`${BANK_ORIGIN}/`, { waitUntil: 'domcontentloaded' });
  await page.locator('.fl-launcher, .fl-panel').first().waitFor({ state: 'visible', timeout: 10_000 });
}

const W = {
  customer: '.fl-msg--customer .fl-bubble',
  bot: '.fl-msg--bot .fl-bubble',
  agent: '.fl-msg--agent .fl-bubble',
};

/** Everything the customer sees in the chat, in order: kind and text. */
function widgetLog(page) {
  return page.$$eval('.fl-history > *, .fl-messages > *', (els) =>
    els
      .filter((e) => !e.matches('.fl-typing, .fl-agent-typing, .fl-note--loading'))
      .map((e) => {
        const kind = e.matches('.fl-msg--customer')
          ? 'customer'
          : e.matches('.fl-msg--bot')
            ? 'bot'
            : e.matches('.fl-msg--agent')
              ? 'agent'
              : e.matches('.fl-rating')
                ? 'rating'
                : 'note';
        const bubble = e.querySelector('.fl-bubble');
        return `${kind}: ${(bubble || e).textContent.replace(/\s+/g, ' ').trim()}`;
      }),
  );
}

async function waitInWidget(page, selector, text, what, timeout) {
  const started = Date.now();
  try {
    await page.waitForFunction(
      ([s, t]) => [...document.querySelectorAll(s)].some((e) => e.textContent === t),
      [selector, text],
      { timeout },
    );
  } catch {
    fail(what, `${selector} saying ${show(text)} within ${timeout} ms`, show(await widgetLog(page)));
  }
  return Date.now() - started;
}

async function countInWidget(page, selector, text) {
  return page.$$eval(selector, (els, t) => els.filter((e) => e.textContent === t).length, text);
}

/** Types into the widget and sends; waits until the message is marked sent. */
async function customerSays(page, text) {
  const before = await page.locator('.fl-msg--customer').count();
  await page.locator('.fl-input').fill(text);
  await page.locator('.fl-input').press('Enter');
  try {
    await page.waitForFunction(
      (n) => {
        const all = document.querySelectorAll('.fl-msg--customer');
        return all.length > n && all[all.length - 1].getAttribute('data-fl-state') === 'sent';
      },
      before,
      { timeout: REPLY_MS },
    );
  } catch {
    fail(`sending ${show(text)} from the widget`, 'the bubble marked sent', show(await widgetLog(page)));
  }
}

function storedValue(page, suffix) {
  return page.evaluate((s) => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.endsWith(s)) return localStorage.getItem(key);
    }
    return null;
  }, suffix);
}

async function openConsole(browser, label, name) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1080 }, locale: 'zh-CN' });
  const page = await context.newPage();
  watch(page, label);
  await page.goto(`${BASE}/agent`, { waitUntil: 'domcontentloaded' });
  // The service requires keys: the console asks for the desk's.
  await page.getByLabel('坐席 API 密钥').waitFor({ state: 'visible', timeout: 10_000 });
  await page.getByLabel('坐席 API 密钥').fill(DESK_KEY);
  await page.getByRole('button', { name: '连接' }).click();
  await page.locator('#key-panel').waitFor({ state: 'hidden', timeout: 10_000 });
  await page.getByLabel('坐席姓名 / 工号').fill(name);
  return page;
}

const pane = (page) => page.locator('.chat-pane:not([hidden])');

async function waitInConsole(page, text, what, timeout) {
  const started = Date.now();
  try {
    await page.waitForFunction(
      (t) => [...document.querySelectorAll('.chat-pane:not([hidden]) .chat-log .line-text')].some((e) => e.textContent === t),
      text,
      { timeout },
    );
  } catch {
    const lines = await pane(page).locator('.chat-log li').allInnerTexts().catch(() => []);
    fail(what, `a line ${show(text)} in the open chat within ${timeout} ms`, show(lines));
  }
  return Date.now() - started;
}

/** The open chat's lines in the console: who and what (not when). */
function consoleLog(page) {
  return page.$$eval('.chat-pane:not([hidden]) .chat-log li', (els) =>
    els.map((e) => `${e.className.replace(/\bline\b|\bis-\w+/g, '').trim()}: ${(e.querySelector('.line-text') || e).textContent}`),
  );
}

/** Fetches `url` from inside `page` (with the widget's key, as its widget would). */
function fetchFromPage(page, url, headers = {}) {
  return page.evaluate(
    async ([u, key, extra]) => {
      const r = await fetch(u, { headers: { authorization: `Bearer ${key}`, ...extra } });
      return { status: r.status, text: await r.text() };
    },
    [url, WIDGET_KEY, headers],
  );
}

// ---------- the test ----------

async function run(browser) {
  step('server ready');
  await waitReady();
  proxy = await startProxy(BASE);

  // ----- the customer -----
  step('a. the customer complains in the widget, then asks for a person');
  const customer = await customerContext(browser, 'customer');
  await openBank(customer);
  await customer.getByRole('button', { name: '打开在线客服' }).tap();
  await customerSays(customer, COMPLAINT);
  await customer.locator(W.bot).first().waitFor({ state: 'visible', timeout: REPLY_MS });
  const conversation = await storedValue(customer, ':conversation');
  const token = await storedValue(customer, ':token');
  if (!conversation || !token) {
    fail('what the widget keeps', 'the conversation id and its token in localStorage', show({ conversation, token }));
  }
  await customerSays(customer, '转人工');
  try {
    await customer.getByRole('status').filter({ hasText: '已为您转接人工客服' }).waitFor({ state: 'visible', timeout: 5_000 });
  } catch {
    fail('the handoff notice', 'visible after 转人工', show(await widgetLog(customer)));
  }
  const handoffs = await api('GET', '/v1/handoffs?status=pending&per_page=200', { key: DESK_KEY });
  const handoff = (handoffs.json?.handoffs ?? []).find((h) => h.conversation_id === conversation);
  if (!handoff) fail('the handoff', `a pending handoff of ${conversation}`, handoffs.text.slice(0, 400));
  console.log(`  conversation ${conversation}, handoff ${handoff.id}`);

  // ----- someone else with the same public key -----
  step('b. a second browser with the same widget key cannot read the conversation or its stream');
  const stranger = await customerContext(browser, 'stranger');
  await openBank(stranger);
  const enc = encodeURIComponent(conversation);
  const tries = {
    conversation: await fetchFromPage(stranger, `${BASE}/v1/conversations/${enc}`),
    'conversation, wrong token': await fetchFromPage(stranger, `${BASE}/v1/conversations/${enc}`, {
      'x-conversation-token': 'A'.repeat(43),
    }),
    stream: await fetchFromPage(stranger, `${BASE}/v1/conversations/${enc}/events?key=${encodeURIComponent(WIDGET_KEY)}`),
    'stream, wrong token': await fetchFromPage(
      stranger,
      `${BASE}/v1/conversations/${enc}/events?key=${encodeURIComponent(WIDGET_KEY)}&token=${'A'.repeat(43)}`,
    ),
    'a conversation that does not exist': await fetchFromPage(stranger, `${BASE}/v1/conversations/w-no-such-conversation`),
  };
  for (const [what, r] of Object.entries(tries)) {
    let code = null;
    try {
      code = JSON.parse(r.text)?.error?.code;
    } catch {
      /* not JSON */
    }
    if (r.status !== 403 || code !== 'forbidden') fail(`the stranger's request: ${what}`, '403 forbidden', `${r.status} ${r.text.slice(0, 200)}`);
    if (r.text.includes('人民路') || r.text.includes('两千') || r.text.includes(handoff.id)) {
      fail(`the stranger's request: ${what}`, 'nothing of the conversation in the answer', r.text.slice(0, 300));
    }
  }
  if (tries.conversation.text.replace(enc, '') !== tries['a conversation that does not exist'].text.replace('w-no-such-conversation', '')) {
    fail('403 for an existing and a missing conversation', 'the same answer', show([tries.conversation.text, tries['a conversation that does not exist'].text]));
  }
  const ownRead = await fetchFromPage(customer, `${BASE}/v1/conversations/${enc}`, { 'x-conversation-token': token });
  if (ownRead.status !== 200) fail('the customer reading their own conversation with the token', '200', `${ownRead.status} ${ownRead.text.slice(0, 200)}`);
  await stranger.context().close();

  // ----- the agents -----
  step('c. two agents see the case; 王经理 joins the chat');
  const desk = await openConsole(browser, 'console', AGENT);
  const rival = await openConsole(browser, 'rival console', OTHER_AGENT);
  const claimButton = (page) => page.getByRole('button', { name: `接入 ${conversation}` });
  for (const page of [desk, rival]) await claimButton(page).waitFor({ state: 'visible', timeout: 10_000 });
  // The rival's list stops refreshing, as if it raced the claim.
  await rival.route((url) => url.pathname === '/v1/handoffs', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: handoffs.text }));
  await claimButton(desk).click();
  await pane(desk).waitFor({ state: 'visible', timeout: 5_000 });
  const tab = desk.getByRole('tab', { selected: true });
  if (!(await tab.innerText()).includes(conversation)) fail('the chat tab', `names ${conversation}`, await tab.innerText());

  step('d. the case brief and the full transcript, beside each other');
  const summary = handoff.summary ?? {};
  const brief = pane(desk).locator('.brief');
  const briefText = squash(await brief.innerText());
  for (const part of [summary.synopsis, ...(summary.demands ?? []).map((d) => d.title || d.intent)]) {
    if (part && !briefText.includes(squash(part))) fail('the case brief', `contains ${show(part)}`, show(briefText));
  }
  if (!briefText.includes('客户诉求') || !briefText.includes('情绪')) fail('the case brief', 'demands and emotion', show(briefText));
  const demandStatus = await brief.locator('.demand .chip').count();
  if ((summary.demands ?? []).length && demandStatus === 0) fail('the demands in the brief', 'each with its status', show(briefText));
  await waitInConsole(desk, COMPLAINT, 'the complaint in the transcript', 3_000);
  await waitInConsole(desk, '转人工', 'the request for a person in the transcript', 3_000);
  const side = await desk.evaluate(() => {
    const b = document.querySelector('.chat-pane:not([hidden]) .brief').getBoundingClientRect();
    const c = document.querySelector('.chat-pane:not([hidden]) .chat-log-wrap').getBoundingClientRect();
    return { briefRight: b.right, logLeft: c.left, briefTop: b.top, logTop: c.top };
  });
  if (!(side.briefRight <= side.logLeft && Math.abs(side.briefTop - side.logTop) < 120)) {
    fail('the brief and the transcript', 'side by side', show(side));
  }
  const joinedIn = await waitInWidget(customer, '.fl-note', `${AGENT} 已接入`, 'the widget says the agent joined', 3_000);
  console.log(`  "${AGENT} 已接入" in the widget after ${joinedIn} ms`);
  if ((await customer.locator('.fl-notice').count()) !== 0) fail('the waiting notice once an agent joined', 'gone', 'still shown');

  step('e. the second agent is told who has the chat');
  await claimButton(rival).click();
  const rivalCard = rival.locator(`article:has(button[aria-label="接入 ${conversation}"])`);
  try {
    await rivalCard.locator('.ack-error').filter({ hasText: `${AGENT} 已接入` }).waitFor({ timeout: 5_000 });
  } catch {
    fail('a second claim', `the card saying "${AGENT} 已接入该会话"`, show(await rivalCard.innerText().catch(() => '(no card)')));
  }
  await rival.context().close();

  step('f. a suggested reply is inserted, edited and sent; the customer sees it within a second');
  const chips = pane(desk).locator('.suggestion');
  try {
    await chips.first().waitFor({ state: 'visible', timeout: 5_000 });
  } catch {
    fail('suggested replies', 'chips in the chat pane', show(await pane(desk).innerText()));
  }
  const chipSteps = await pane(desk).locator('.suggestion-step').allInnerTexts();
  if (!chipSteps.length || chipSteps.some((s) => !STEP_LABELS.includes(s))) {
    fail('the suggestions', `labelled ${show(STEP_LABELS)}`, show(chipSteps));
  }
  const soothe = chips.filter({ hasText: '安抚' }).first();
  const chip = (await soothe.count()) ? soothe : chips.first();
  const suggested = await chip.getAttribute('title');
  await chip.click();
  const box = pane(desk).getByLabel('回复客户');
  if ((await box.inputValue()) !== suggested) fail('the reply box after a click on a suggestion', show(suggested), show(await box.inputValue()));
  await box.press('End');
  await box.pressSequentially(EDIT);
  const sent = `${suggested}${EDIT}`;
  if ((await box.inputValue()) !== sent) fail('the edited reply', show(sent), show(await box.inputValue()));
  // The customer sees the agent typing.
  try {
    await customer.locator('.fl-agent-typing').filter({ hasText: '正在输入…' }).waitFor({ timeout: 3_000 });
  } catch {
    fail('the typing indicator in the widget', `"${AGENT} 正在输入…"`, show(await widgetLog(customer)));
  }
  await box.press('Enter');
  const arrived = await waitInWidget(customer, W.agent, sent, 'the agent message in the widget', LIVE_MS);
  console.log(`  the agent's message reached the widget in ${arrived} ms`);
  if ((await box.inputValue()) !== '') fail('the reply box after Enter', 'empty', show(await box.inputValue()));
  if ((await customer.locator('.fl-agent-typing').count()) !== 0) fail('the typing indicator once the message came', 'gone', 'still shown');

  step('g. markup from the agent stays text');
  await box.fill(XSS);
  await box.press('Enter');
  await waitInWidget(customer, W.agent, XSS, 'the message with markup', LIVE_MS);
  const injected = await customer.locator('.fl-root img').count();
  const xss = await customer.evaluate(() => typeof window.__xss);
  if (injected || xss !== 'undefined') fail('markup in an agent message', 'no <img>, window.__xss undefined', `${injected} <img>, __xss ${xss}`);

  step('h. Shift+Enter is a new line; the customer answers and the bot stays quiet');
  await box.pressSequentially('第一行');
  await box.press('Shift+Enter');
  await box.pressSequentially('第二行');
  if ((await box.inputValue()) !== '第一行\n第二行') fail('Shift+Enter', 'a newline in the box', show(await box.inputValue()));
  await box.press('Enter');
  await waitInWidget(customer, W.agent, '第一行\n第二行', 'a two-line agent message', LIVE_MS);
  const botsBefore = await customer.locator(W.bot).count();
  await customerSays(customer, ANSWER);
  const seenIn = await waitInConsole(desk, ANSWER, 'the customer answer in the console', 2_000);
  console.log(`  the customer's answer reached the console in ${seenIn} ms`);
  if ((await customer.locator(W.bot).count()) !== botsBefore) fail('the bot while an agent has the chat', 'no reply', show(await widgetLog(customer)));
  await desk.screenshot({ path: path.join(ARTEFACT_DIR, 'live-chat-console.png') });

  step('i. the widget loses its network while the agent writes; the message arrives once, after');
  const streamsBefore = proxy.streams().length;
  const streams = () => proxy.streams().slice(streamsBefore);
  // A blip: the stream's connection drops and the browser reconnects by itself, saying
  // which event it had last.
  const lastBeforeBlip = Number(await storedValue(customer, ':last_event'));
  proxy.drop();
  const resumedAt = () => streams().map((r) => Number(r.lastEventId ?? r.after));
  for (let waited = 0; !resumedAt().includes(lastBeforeBlip) && waited < 10_000; waited += 100) {
    await customer.waitForTimeout(100); // polling the proxy's record, bounded
  }
  if (!streams().some((r) => Number(r.lastEventId) === lastBeforeBlip)) {
    fail('the reconnection after a blip', `a stream request with Last-Event-ID: ${lastBeforeBlip}`, show(streams()));
  }
  // An outage: the connection drops and nothing gets through until the network is back.
  const lastBeforeCut = Number(await storedValue(customer, ':last_event'));
  proxy.cut();
  await box.fill(OFFLINE_MESSAGE);
  await box.press('Enter');
  try {
    await pane(desk).locator('.line-agent[data-event-id]').filter({ hasText: OFFLINE_MESSAGE }).waitFor({ timeout: 5_000 });
  } catch {
    fail('the message sent while the customer is offline', 'stored (the console shows it sent)', show(await pane(desk).innerText()));
  }
  if ((await countInWidget(customer, W.agent, OFFLINE_MESSAGE)) !== 0) fail('the widget while offline', 'not reached by the message', 'reached');
  proxy.restore();
  await waitInWidget(customer, W.agent, OFFLINE_MESSAGE, 'the message sent while offline, after the network is back', 20_000);
  const copies = await countInWidget(customer, W.agent, OFFLINE_MESSAGE);
  if (copies !== 1) fail('the message sent while offline', 'shown once', `${copies} times`);
  // The stream was opened again from the last event the widget had.
  if (!resumedAt().includes(lastBeforeCut)) {
    fail('the reconnection after the outage', `a stream request from event ${lastBeforeCut}`, show(streams()));
  }
  console.log(`  stream requests since the blip: ${show(streams())}`);

  step('j. a reload shows the same chat, nothing lost or repeated, and goes on live');
  const before = await widgetLog(customer);
  const lastBeforeReload = Number(await storedValue(customer, ':last_event'));
  const streamsBeforeReload = proxy.streams().length;
  await customer.reload({ waitUntil: 'domcontentloaded' });
  try {
    await customer.waitForFunction((n) => document.querySelectorAll('.fl-history > *').length >= n, before.length, { timeout: 10_000 });
  } catch {
    fail('the chat after a reload', show(before), show(await widgetLog(customer)));
  }
  const after = await widgetLog(customer);
  if (show(after) !== show(before)) fail('the chat after a reload', show(before), show(after));
  try {
    await customer.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/events')), null, { timeout: 5_000 });
  } catch {
    /* checked below */
  }
  const reopened = proxy.streams().slice(streamsBeforeReload);
  if (!reopened.some((r) => r.after === String(lastBeforeReload))) {
    fail('the stream after the reload', `opened with ?after=${lastBeforeReload}`, show(reopened));
  }
  await box.fill(AFTER_RELOAD);
  await box.press('Enter');
  await waitInWidget(customer, W.agent, AFTER_RELOAD, 'a message after the reload', LIVE_MS + 1_000);
  const all = (await customer.locator(W.agent).allTextContents()).filter((t) => t);
  if (new Set(all).size !== all.length) fail('agent messages after the reload', 'each once', show(all));

  // The agent reloads too: the chat comes back in its tab, as it was.
  const consoleBefore = await consoleLog(desk);
  await desk.reload({ waitUntil: 'domcontentloaded' });
  await desk.locator('#key-panel').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
  try {
    await desk.waitForFunction(
      (n) => document.querySelectorAll('.chat-pane:not([hidden]) .chat-log li').length >= n,
      consoleBefore.length,
      { timeout: 5_000 },
    );
  } catch {
    fail('the chat in the console after a reload', show(consoleBefore), show(await consoleLog(desk)));
  }
  const consoleAfter = await consoleLog(desk);
  if (show(consoleAfter) !== show(consoleBefore)) fail('the chat in the console after a reload', show(consoleBefore), show(consoleAfter));

  step('k. the agent resolves; the widget asks for a rating; the customer gives 5');
  await pane(desk).getByRole('button', { name: '结束会话(已解决)' }).click();
  await waitInWidget(customer, '.fl-note', '对话已结束', 'the end of the chat in the widget', 2_000);
  const rating = customer.locator('.fl-rating');
  await rating.waitFor({ state: 'visible', timeout: 2_000 });
  await pane(desk).locator('.chat-input:disabled').waitFor({ timeout: 3_000 });
  await customer.screenshot({ path: path.join(ARTEFACT_DIR, 'live-chat-widget.png') });
  const layout = await customer.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    log: document.querySelector('.fl-log').scrollWidth - document.querySelector('.fl-log').clientWidth,
  }));
  if (layout.scrollWidth > 375 || layout.log > 0) fail('the phone layout with the agent chat and the rating', 'no horizontal scroll at 375 px', show(layout));
  await rating.getByRole('button', { name: '5 星' }).tap();
  await rating.getByLabel('补充意见(可选)').fill(COMMENT);
  await rating.getByRole('button', { name: '提交评价' }).tap();
  await waitInWidget(customer, '.fl-note', '感谢您的评价(5 星)', 'thanks for the rating', 5_000);
  try {
    await pane(desk).locator('.line-rating').filter({ hasText: '5 分' }).waitFor({ timeout: 3_000 });
  } catch {
    fail('the rating in the console', 'a line "客户评价 … 5 分"', show(await pane(desk).innerText()));
  }

  step('l. the rating is in the analytics');
  const analytics = await api('GET', '/v1/analytics', { key: ANALYTICS_KEY });
  const ratings = analytics.json?.live_chat?.ratings;
  if (analytics.status !== 200 || !ratings || ratings.count !== 1 || Number(ratings.average) !== 5 || ratings.distribution?.['5'] !== 1) {
    fail('live_chat.ratings in /v1/analytics', 'count 1, average 5, distribution {"5": 1}', `${analytics.status} ${show(ratings ?? analytics.text.slice(0, 300))}`);
  }
  if ((analytics.json?.live_chat?.resolved ?? 0) < 1) fail('live_chat.resolved', '≥ 1', show(analytics.json?.live_chat));

  step('m. a second chat in its own tab, with an unread marker');
  const second = await customerContext(browser, 'second customer');
  await openBank(second);
  await second.getByRole('button', { name: '打开在线客服' }).tap();
  await customerSays(second, '我的信用卡年费被乱扣了,太过分了');
  await customerSays(second, '转人工');
  const secondConversation = await storedValue(second, ':conversation');
  const claimSecond = desk.getByRole('button', { name: `接入 ${secondConversation}` });
  await claimSecond.waitFor({ state: 'visible', timeout: 10_000 });
  await claimSecond.click();
  await waitInWidget(second, '.fl-note', `${AGENT} 已接入`, 'the second customer sees the agent join', 3_000);
  const tabs = desk.getByRole('tab');
  if ((await tabs.count()) !== 2) fail('the chat tabs', 'two', `${await tabs.count()}`);
  const firstTab = tabs.filter({ hasText: conversation });
  const secondTab = tabs.filter({ hasText: secondConversation });
  if ((await secondTab.getAttribute('aria-selected')) !== 'true') fail('the tab of the chat just joined', 'selected', 'not selected');
  await firstTab.click();
  await customerSays(second, '请问多久能退回来?');
  try {
    await secondTab.locator('.tab-unread').filter({ hasText: '1 条新消息' }).waitFor({ timeout: 2_000 });
  } catch {
    fail('the unread marker of the other tab', '"1 条新消息" on it', show(await secondTab.innerText()));
  }
  await secondTab.click();
  if (await secondTab.locator('.tab-unread').isVisible()) fail('the unread marker once the tab is open', 'gone', 'still shown');
  await waitInConsole(desk, '请问多久能退回来?', 'the second customer message in its tab', 1_000);

  step('n. 交回机器人: the bot takes the chat back and answers again');
  const botsBeforeBack = await second.locator(W.bot).count();
  await pane(desk).getByRole('button', { name: '交回机器人' }).click();
  await waitInWidget(second, '.fl-note', `${AGENT} 已离开,智能助手将继续为您服务`, 'the widget says the agent left', 2_000);
  try {
    await second.waitForFunction((n) => document.querySelectorAll('.fl-msg--bot').length > n, botsBeforeBack, { timeout: 3_000 });
  } catch {
    fail('the bot after 交回机器人', 'a bot message saying it goes on', show(await widgetLog(second)));
  }
  const botsAfterBack = await second.locator(W.bot).count();
  await customerSays(second, '好的');
  try {
    await second.waitForFunction((n) => document.querySelectorAll('.fl-msg--bot').length > n, botsAfterBack, { timeout: REPLY_MS });
  } catch {
    fail('the bot answering again after 交回机器人', 'a reply to "好的"', show(await widgetLog(second)));
  }
  await second.context().close();

  step('o. the console with open chats on a phone-sized screen');
  await desk.setViewportSize({ width: 360, height: 740 });
  const narrow = await desk.evaluate(() => document.documentElement.scrollWidth);
  if (narrow > 360) fail('the console with chats at 360 px', 'no horizontal scroll', `scrollWidth ${narrow}`);

  if (problems.length) fail('errors in the pages', 'none', show(problems));
  proxy.close();
}

// The bank's page is served to the browser as BANK_ORIGIN while the service is on
// loopback: in production both are public sites, so Chromium's check of calls from a
// public page into the local network is off here (it would also refuse the stream's
// reconnection, whatever permission the page has).
await runScenario('live chat', 'live-chat', run, ['WIDGET_KEY', 'DESK_KEY', 'ANALYTICS_KEY', 'BANK_ORIGIN'], [
  '--disable-features=LocalNetworkAccessChecks',
]);
