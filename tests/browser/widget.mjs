// Real-browser test of the web chat widget (`/widget.js`) on the demo bank page (`/`): a
// customer opens it, complains, answers the follow-up, clicks a quick reply, reloads and sees
// the history, sends markup that must stay text, asks for a human and sees the handoff notice;
// then a phone-sized screen, a failed send that is retried, a reload while the bot offers
// quick replies (they come back and still work), a send whose answer was lost after the
// server took the turn (the retry gets that answer, not a second turn), and keyboard-only use.
//
//   FRONTLINE_URL=http://127.0.0.1:18181 ARTEFACT_DIR=/tmp/artefacts \
//     node tests/browser/widget.mjs
//
// FRONTLINE_URL must point at a freshly started server (empty data dir).

import path from 'node:path';
import { ARTEFACT_DIR, BASE, fail, runScenario, sleep, step, waitReady } from './harness.mjs';


const COMPLAINT = '昨天在人民路的ATM取钱,钱没出来卡里却扣了两千块,气死我了!';
const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const HANDOFF_NOTICE = '已为您转接人工客服。坐席接入前请不要关闭本窗口,您之前说明的情况已同步给坐席,无需重复。';
const FAILING_TEXT = '我的卡被吞了';
// Words of the soothing sentence the bot starts with when a customer is upset.
const SOOTHING = ['抱歉', '理解', '着急', '别急', '放心', '不好意思', '心情'];
const REPLY_TIMEOUT = 15_000;

const LAUNCHER = '.fl-launcher';
const PANEL = '.fl-panel';
const INPUT = '.fl-input';
const CUSTOMER = '.fl-msg--customer';
const BOT = '.fl-msg--bot';
const TYPING = '.fl-typing';
const CHIP = '.fl-chip';

const show = (value) => JSON.stringify(value);
const squash = (text) => String(text ?? '').replace(/\s+/g, '');

// ---------- page helpers ----------

const problems = []; // page errors and CSP violations, from every page

function watch(page, label) {
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) {
      problems.push(`${label}: ${m.text()}`);
    }
  });
  page.on('dialog', (d) => {
    problems.push(`${label}: dialog ${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
}

async function newPage(browser, label, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', ...options });
  const page = await context.newPage();
  watch(page, label);
  return page;
}

async function openDemo(page, label) {
  const response = await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' });
  if (!response || response.status() !== 200) {
    fail(`opening ${label}`, `GET ${BASE}/ → 200`, response ? `HTTP ${response.status()}` : 'no response');
  }
  try {
    await page.waitForSelector(LAUNCHER, { state: 'visible', timeout: 10_000 });
  } catch {
    fail(`the widget's launcher on ${label}`, `a visible ${LAUNCHER} within 10 s`, 'not visible');
  }
}

/** The launcher, found the way a screen reader user would: a button named 打开在线客服. */
function launcher(page) {
  return page.getByRole('button', { name: '打开在线客服' });
}

async function expectPanelOpen(page, what) {
  if (!(await page.locator(PANEL).isVisible())) fail(what, 'the chat panel open', 'closed');
}

async function openWidget(page, how = 'click') {
  const button = launcher(page);
  if ((await button.count()) !== 1) fail('the launcher', 'one button named "打开在线客服"', `${await button.count()}`);
  if (how === 'tap') await button.tap();
  else await button.click();
  await expectPanelOpen(page, 'after activating the launcher');
}

const texts = (page, selector) => page.$$eval(`${selector} .fl-bubble`, (els) => els.map((e) => e.innerText));

async function describe(page) {
  return (
    `customer bubbles ${show(await texts(page, CUSTOMER))}; bot bubbles ${show(await texts(page, BOT))}; ` +
    `notes ${show(await page.$$eval('.fl-note, .fl-msg-status', (els) => els.map((e) => e.innerText)))}`
  );
}

async function waitForCount(page, selector, count, what, timeout = REPLY_TIMEOUT) {
  try {
    await page.waitForFunction(
      ([s, n]) => document.querySelectorAll(s).length >= n,
      [selector, count],
      { timeout },
    );
  } catch {
    fail(what, `at least ${count} × ${selector} within ${timeout / 1000} s`, await describe(page));
  }
}

/** Types `text` into the widget, presses Enter and waits for the bot's next reply; returns its text. */
async function say(page, text) {
  const botsBefore = await page.locator(BOT).count();
  const customersBefore = await page.locator(CUSTOMER).count();
  await page.locator(INPUT).fill(text);
  await page.locator(INPUT).press('Enter');
  await waitForCount(page, CUSTOMER, customersBefore + 1, `the customer bubble of ${show(text)}`, 5_000);
  const shown = await page.locator(`${CUSTOMER} .fl-bubble`).nth(customersBefore).textContent();
  if (shown !== text) fail('the customer bubble', show(text), show(shown));
  await waitForCount(page, BOT, botsBefore + 1, `a bot reply to ${show(text)}`);
  return page.locator(`${BOT} .fl-bubble`).nth(botsBefore).innerText();
}

/** An answer to the bot's follow-up question, from what it asks. */
function answerTo(question) {
  if (/尾号|后四位|卡号/.test(question)) return '卡号尾号是6789';
  if (/对吗|对不对|是否正确|复述|确认一下/.test(question)) return '不对,时间是昨天下午三点左右';
  if (/什么时[间候]|几点|哪天/.test(question)) return '昨天下午三点左右';
  if (/哪[里个台]|地点|位置|网点/.test(question)) return '人民路的那台ATM';
  if (/多少钱|金额/.test(question)) return '两千块';
  return '是昨天下午三点左右,在人民路的ATM,取两千块没出钞';
}

/** The conversation id the widget keeps in localStorage. */
const storedConversation = (page) =>
  page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.endsWith(':conversation')) return localStorage.getItem(key);
    }
    return null;
  });

/** The customer lines of a conversation as the server stored them. */
async function serverCustomerLines(conversationId) {
  const stored = await (await fetch(`${BASE}/v1/conversations/${conversationId}`)).json().catch(() => null);
  return (stored?.transcript ?? []).filter((l) => l.role === 'customer').map((l) => l.text);
}

/** Talks on from `page`'s last reply until the bot offers quick replies; returns them. */
async function talkUntilChips(page, turns = 5) {
  for (let i = 0; i < turns; i++) {
    const lastBot = page.locator(BOT).last();
    const chips = await lastBot.locator(CHIP).allInnerTexts();
    if (chips.length) return chips;
    await say(page, answerTo(await lastBot.locator('.fl-bubble').innerText()));
  }
  fail('quick replies', `a bot reply offering quick-reply chips within ${turns} turns`, await describe(page));
}

// ---------- the test ----------

async function run(browser) {
  step('server ready');
  await waitReady();

  // ----- desktop -----
  step('a. desktop: a complaint gets a soothing reply with a follow-up question');
  const page = await newPage(browser, 'desktop');
  await openDemo(page, 'the demo page');
  await openWidget(page);
  const focused = await page.evaluate((s) => document.activeElement?.matches(s) ?? false, INPUT);
  if (!focused) fail('focus after opening', `in ${INPUT}`, await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120)));
  const logRole = await page.$eval('.fl-log', (e) => `${e.getAttribute('role')}/${e.getAttribute('aria-live')}`);
  if (logRole !== 'log/polite') fail('the message list', 'role="log" aria-live="polite"', logRole);

  // Records whether the typing indicator was shown (visible) while the reply was on its way.
  await page.evaluate((typing) => {
    window.__flSawTyping = false;
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.nodeType === 1 && n.matches(typing) && n.checkVisibility()) window.__flSawTyping = true;
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  }, TYPING);
  const first = await say(page, COMPLAINT);
  if (!(await page.evaluate(() => window.__flSawTyping))) {
    fail('the typing indicator', `a visible ${TYPING} while waiting for the reply`, 'never shown');
  }
  if ((await page.locator(TYPING).count()) !== 0) fail('the typing indicator after the reply', 'gone', 'still there');
  const firstLine = first.split('\n').find((l) => l.trim()) ?? '';
  const soothing = SOOTHING.filter((w) => firstLine.includes(w));
  if (!soothing.length) {
    fail('the first reply soothes first', `its first sentence contains one of ${show(SOOTHING)}`, show(first));
  }
  const question = Math.max(first.lastIndexOf('?'), first.lastIndexOf('?'));
  if (question < 0) fail('the first reply asks a follow-up question', 'a "?" or "?"', show(first));
  if (question < first.indexOf(soothing[0])) {
    fail('the first reply soothes before it asks', `${show(soothing[0])} before the question`, show(first));
  }
  console.log(`  first reply: ${show(first)}`);

  step('b. answering the follow-up, then a quick reply');
  const answer = answerTo(first.slice(0, question + 1));
  const second = await say(page, answer);
  console.log(`  answered ${show(answer)} → ${show(second)}`);
  let chipsSeen = null;
  for (let i = 0; i < 4 && !chipsSeen; i++) {
    const lastBot = page.locator(BOT).last();
    const chips = await lastBot.locator(CHIP).allInnerTexts();
    if (chips.length) {
      chipsSeen = chips;
      break;
    }
    const lastText = await lastBot.locator('.fl-bubble').innerText();
    await say(page, answerTo(lastText));
  }
  if (!chipsSeen) fail('quick replies', 'a bot reply offering quick-reply chips within 4 more turns', await describe(page));
  const chipText = chipsSeen.includes('是的') ? '是的' : chipsSeen[0];
  const botsBeforeChip = await page.locator(BOT).count();
  const customersBeforeChip = await page.locator(CUSTOMER).count();
  await page.locator(BOT).last().locator(CHIP, { hasText: chipText }).first().click();
  await waitForCount(page, CUSTOMER, customersBeforeChip + 1, `the customer bubble of the chip ${show(chipText)}`, 5_000);
  const chipBubble = await page.locator(`${CUSTOMER} .fl-bubble`).last().textContent();
  if (chipBubble !== chipText) fail('the customer bubble after clicking a chip', show(chipText), show(chipBubble));
  await waitForCount(page, BOT, botsBeforeChip + 1, `a bot reply to the chip ${show(chipText)}`);
  const oldChips = await page.locator(BOT).nth(botsBeforeChip - 1).locator(`${CHIP}:enabled`).count();
  if (oldChips) fail('the chips of the answered turn', 'removed or disabled', `${oldChips} still clickable`);
  console.log(`  chips ${show(chipsSeen)}; clicked ${show(chipText)} → ${show(await page.locator(`${BOT} .fl-bubble`).last().innerText())}`);

  step('c. after a reload the panel shows the history from the server');
  const botsBeforeReload = await texts(page, BOT);
  const customersBeforeReload = await texts(page, CUSTOMER);
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.waitForSelector(LAUNCHER, { state: 'attached', timeout: 10_000 });
  try {
    await page.waitForSelector(PANEL, { state: 'visible', timeout: 5_000 });
  } catch {
    fail('the panel after a reload', 'open again (it was open before)', 'closed');
  }
  await waitForCount(page, BOT, botsBeforeReload.length, 'the bot replies fetched after the reload', 10_000);
  const botsAfterReload = await texts(page, BOT);
  const customersAfterReload = await texts(page, CUSTOMER);
  if (!customersAfterReload.map(squash).includes(squash(COMPLAINT))) {
    fail('the history after the reload', `a customer bubble ${show(COMPLAINT)}`, show(customersAfterReload));
  }
  if (show(botsAfterReload.map(squash)) !== show(botsBeforeReload.map(squash))) {
    fail('the bot replies after the reload', show(botsBeforeReload), show(botsAfterReload));
  }
  if (customersAfterReload.length !== customersBeforeReload.length) {
    fail('the customer messages after the reload', show(customersBeforeReload), show(customersAfterReload));
  }

  step('d. markup typed by the customer stays text');
  await say(page, XSS);
  await sleep(500);
  const xssBubble = await page.locator(`${CUSTOMER} .fl-bubble`).last().textContent();
  const injected = await page.locator('.fl-root img, .fl-root script').count();
  const xss = await page.evaluate(() => typeof window.__xss);
  if (xssBubble !== XSS || injected || xss !== 'undefined') {
    fail(
      'markup in a message',
      `bubble text ${show(XSS)}, no <img>/<script> in the widget, window.__xss undefined`,
      `bubble ${show(xssBubble)}, ${injected} <img>/<script>, window.__xss ${xss}`,
    );
  }

  step('e. "转人工" shows the handoff notice');
  await say(page, '转人工');
  const notice = page.getByRole('status').filter({ hasText: '已为您转接人工客服' });
  try {
    await notice.waitFor({ state: 'visible', timeout: 5_000 });
  } catch {
    fail('the handoff notice', `a visible role="status" saying ${show(HANDOFF_NOTICE)}`, await describe(page));
  }
  const noticeText = squash(await notice.innerText());
  if (!noticeText.includes(squash(HANDOFF_NOTICE))) fail('the handoff notice text', show(HANDOFF_NOTICE), show(noticeText));

  step('f. desktop screenshot');
  await page.screenshot({ path: path.join(ARTEFACT_DIR, 'widget-desktop.png') });
  await page.context().close();

  // ----- phone -----
  step('g. phone 360×640');
  const phone = await newPage(browser, 'phone', {
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await openDemo(phone, 'the demo page on a phone');
  await openWidget(phone, 'tap');
  await say(phone, '你好');
  const layout = await phone.evaluate(() => {
    const box = (s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    const log = document.querySelector('.fl-log');
    return {
      scrollWidth: document.documentElement.scrollWidth,
      viewport: { width: window.innerWidth, height: window.innerHeight },
      panel: box('.fl-panel'),
      input: box('.fl-input'),
      send: box('.fl-send'),
      logOverflow: log.scrollWidth - log.clientWidth,
    };
  });
  if (layout.scrollWidth > 360) fail('no horizontal scroll on the phone', 'document.documentElement.scrollWidth <= 360', layout.scrollWidth);
  const { panel } = layout;
  const fits = (b) => b.left >= 0 && b.top >= 0 && b.right <= 360 + 0.5 && b.bottom <= 640 + 0.5;
  if (!fits(panel) || panel.right - panel.left < 359 || panel.bottom - panel.top < 639) {
    fail('the open panel on the phone', 'the whole 360×640 viewport', show(layout));
  }
  if (!fits(layout.input) || !fits(layout.send) || layout.logOverflow > 0) {
    fail('the input, send button and messages on the phone', 'inside the viewport, no sideways scrolling', show(layout));
  }
  await phone.screenshot({ path: path.join(ARTEFACT_DIR, 'widget-phone.png') });
  await phone.context().close();

  // ----- a failed send -----
  step('h. a failed send keeps the message and can be retried');
  const flaky = await newPage(browser, 'failed send');
  await openDemo(flaky, 'the demo page (failed send)');
  await openWidget(flaky);
  const abort = (route) => route.abort();
  await flaky.route('**/v1/conversations/**', abort);
  await flaky.locator(INPUT).fill(FAILING_TEXT);
  await flaky.locator(INPUT).press('Enter');
  const failed = flaky.locator(`${CUSTOMER}[data-fl-state="failed"]`);
  try {
    await failed.waitFor({ state: 'visible', timeout: 10_000 });
  } catch {
    fail('a send that cannot reach the server', 'the bubble marked 发送失败 within 10 s', await describe(flaky));
  }
  const failedText = await failed.innerText();
  const kept = await failed.locator('.fl-bubble').textContent();
  const retry = failed.getByRole('button', { name: '重试' });
  if (!failedText.includes('发送失败') || (await retry.count()) !== 1 || kept !== FAILING_TEXT) {
    fail(
      'the failed message',
      `bubble ${show(FAILING_TEXT)} with "发送失败" and a "重试" button`,
      `bubble ${show(kept)}, text ${show(failedText)}, ${await retry.count()} retry buttons`,
    );
  }
  if ((await flaky.locator(BOT).count()) !== 0) fail('bot replies after the failed send', 'none', await describe(flaky));
  await flaky.unroute('**/v1/conversations/**', abort);
  await retry.click();
  await waitForCount(flaky, BOT, 1, 'a bot reply after 重试');
  const sameBubbles = (await texts(flaky, CUSTOMER)).filter((t) => t === FAILING_TEXT).length;
  const states = await flaky.$$eval(CUSTOMER, (els) => els.map((e) => e.getAttribute('data-fl-state')));
  if (sameBubbles !== 1 || states.join() !== 'sent' || (await flaky.locator('.fl-retry').count())) {
    fail('after the retry', `one customer bubble ${show(FAILING_TEXT)}, sent, no retry button`, await describe(flaky));
  }
  const conversationId = await storedConversation(flaky);
  const sentToServer = await serverCustomerLines(conversationId);
  if (show(sentToServer) !== show([FAILING_TEXT])) {
    fail(`the server's transcript of ${conversationId}`, show([FAILING_TEXT]), show(sentToServer));
  }
  await flaky.context().close();

  // ----- a reload while the bot offers quick replies -----
  step('h2. after a reload the last reply offers its quick replies again, and they work');
  const chipsPage = await newPage(browser, 'chips after reload');
  await openDemo(chipsPage, 'the demo page (chips)');
  await openWidget(chipsPage);
  await say(chipsPage, COMPLAINT);
  const offered = await talkUntilChips(chipsPage);
  const botsBefore = await texts(chipsPage, BOT);
  await chipsPage.reload({ waitUntil: 'domcontentloaded' });
  await chipsPage.waitForSelector(PANEL, { state: 'visible', timeout: 10_000 });
  await waitForCount(chipsPage, BOT, botsBefore.length, 'the bot replies fetched after the reload', 10_000);
  const restored = chipsPage.locator(BOT).last().locator(`${CHIP}:enabled`);
  try {
    await restored.first().waitFor({ state: 'visible', timeout: 5_000 });
  } catch {
    fail('the quick replies after a reload', `the last reply offering ${show(offered)}`, await describe(chipsPage));
  }
  const restoredTexts = await restored.allInnerTexts();
  if (show(restoredTexts) !== show(offered)) fail('the quick replies after a reload', show(offered), show(restoredTexts));
  const earlierChips = await chipsPage.locator(BOT).locator(CHIP).count();
  if (earlierChips !== offered.length) {
    fail('quick replies after a reload', `only on the last reply (${offered.length})`, `${earlierChips} chips in all`);
  }
  const pick = offered.includes('是的') ? '是的' : offered[0];
  const customersBeforePick = await chipsPage.locator(CUSTOMER).count();
  await restored.filter({ hasText: pick }).first().click();
  await waitForCount(chipsPage, CUSTOMER, customersBeforePick + 1, `the customer bubble of the restored chip ${show(pick)}`, 5_000);
  await waitForCount(chipsPage, BOT, botsBefore.length + 1, `a bot reply to the restored chip ${show(pick)}`);
  const chipsConversation = await storedConversation(chipsPage);
  const chipLines = await serverCustomerLines(chipsConversation);
  if (chipLines.at(-1) !== pick) fail(`the server's last customer line of ${chipsConversation}`, show(pick), show(chipLines));
  await chipsPage.context().close();

  // ----- an answer lost after the server took the turn -----
  step('h3. a send whose answer was lost is retried with the same key and takes one turn');
  const lost = await newPage(browser, 'lost answer');
  await openDemo(lost, 'the demo page (lost answer)');
  await openWidget(lost);
  const keysSent = [];
  let dropped = 0;
  const dropFirstAnswer = async (route) => {
    const sent = route.request();
    if (sent.method() !== 'POST') return route.continue();
    keysSent.push(sent.headers()['idempotency-key'] ?? null);
    if (dropped > 0) return route.continue();
    dropped += 1;
    await route.fetch(); // the server takes the turn…
    return route.abort('connectionreset'); // …and its answer never arrives
  };
  await lost.route('**/v1/conversations/*/messages', dropFirstAnswer);
  await lost.locator(INPUT).fill(FAILING_TEXT);
  await lost.locator(INPUT).press('Enter');
  const lostBubble = lost.locator(`${CUSTOMER}[data-fl-state="failed"]`);
  try {
    await lostBubble.waitFor({ state: 'visible', timeout: 10_000 });
  } catch {
    fail('a send whose answer was lost', 'the bubble marked 发送失败', await describe(lost));
  }
  await lostBubble.getByRole('button', { name: '重试' }).click();
  await waitForCount(lost, BOT, 1, 'a bot reply after 重试');
  if (keysSent.length !== 2 || !keysSent[0] || keysSent[0] !== keysSent[1]) {
    fail('the Idempotency-Key of the send and its retry', 'one key, sent twice', show(keysSent));
  }
  const lostConversation = await storedConversation(lost);
  const lostLines = await serverCustomerLines(lostConversation);
  if (show(lostLines) !== show([FAILING_TEXT])) {
    fail(`the server's transcript of ${lostConversation} after the retry`, show([FAILING_TEXT]), show(lostLines));
  }
  const next = await say(lost, '你好');
  const nextKey = keysSent.at(-1);
  if (keysSent.length !== 3 || nextKey === keysSent[0]) {
    fail('the key of the next message', 'a new one', show(keysSent));
  }
  if (show(await serverCustomerLines(lostConversation)) !== show([FAILING_TEXT, '你好'])) {
    fail('the next message', 'a second turn', show(await serverCustomerLines(lostConversation)));
  }
  console.log(`  retried once with key ${keysSent[0]}; next reply ${show(next)}`);
  await lost.unroute('**/v1/conversations/*/messages', dropFirstAnswer);
  await lost.context().close();

  // ----- keyboard only -----
  step('i. keyboard only');
  const keys = await newPage(browser, 'keyboard');
  await openDemo(keys, 'the demo page (keyboard)');
  let onLauncher = false;
  for (let i = 0; i < 60 && !onLauncher; i++) {
    await keys.keyboard.press('Tab');
    onLauncher = await keys.evaluate((s) => document.activeElement?.matches(s) ?? false, LAUNCHER);
  }
  if (!onLauncher) fail('tabbing to the launcher', `${LAUNCHER} focused within 60 Tabs`, 'never focused');
  const ring = await keys.$eval(LAUNCHER, (e) => {
    const s = getComputedStyle(e);
    return `${s.outlineStyle} ${s.outlineWidth}`;
  });
  if (ring.startsWith('none') || ring.endsWith(' 0px')) fail('the focus ring on the launcher', 'a visible outline', ring);
  await keys.keyboard.press('Enter');
  await expectPanelOpen(keys, 'after Enter on the launcher');
  const inInput = await keys.evaluate((s) => document.activeElement?.matches(s) ?? false, INPUT);
  if (!inInput) fail('focus after opening with the keyboard', `in ${INPUT}`, await keys.evaluate(() => document.activeElement?.outerHTML.slice(0, 120)));
  await keys.keyboard.type('你好');
  await keys.keyboard.press('Enter');
  await waitForCount(keys, CUSTOMER, 1, 'the customer bubble of "你好" typed with the keyboard', 5_000);
  await waitForCount(keys, BOT, 1, 'a bot reply to "你好" typed with the keyboard');
  await keys.keyboard.press('Escape');
  if (await keys.locator(PANEL).isVisible()) fail('Escape', 'the panel closed', 'still open');
  const backOnLauncher = await keys.evaluate((s) => document.activeElement?.matches(s) ?? false, LAUNCHER);
  if (!backOnLauncher) fail('focus after Escape', 'on the launcher', await keys.evaluate(() => document.activeElement?.outerHTML.slice(0, 120)));
  await keys.context().close();

  if (problems.length) fail('errors in the pages', 'no page errors, CSP violations or dialogs', show(problems));
}

await runScenario('widget', 'widget', run);
