// Real-browser test of the managers' analytics page (`/analytics`): the headline tiles, the
// daily chart, the top complaints, hotspots and emotions match what GET /v1/analytics
// returned, the CSV export downloads, a reversed period shows the server's error, and the
// page fits a 360px-wide phone.
//
//   FRONTLINE_URL=http://127.0.0.1:18181 ARTEFACT_DIR=/tmp/artefacts \
//   ANALYTICS_EXPECT="$(curl -s http://127.0.0.1:18181/v1/analytics)" \
//     node tests/browser/analytics.mjs
//
// ANALYTICS_EXPECT is the JSON the server returned for the default period just before the
// script runs (traffic is made beforehand); without it the script asks the API itself.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTEFACT_DIR, BASE, fail, runScenario, step, waitReady } from './harness.mjs';

const TITLE = 'Frontline 服务分析';

/** The page's own formatting of a 0–1 rate. */
const pct = (rate) => (typeof rate === 'number' && Number.isFinite(rate) ? `${(rate * 100).toFixed(1)}%` : '—');
const digits = (text) => String(text ?? '').replace(/[,\s]/g, '');

async function expectedReport() {
  const raw = process.env.ANALYTICS_EXPECT;
  let report = null;
  if (raw) {
    try {
      report = JSON.parse(raw);
    } catch (e) {
      fail('ANALYTICS_EXPECT is JSON', 'the body of GET /v1/analytics', `${e.message}: ${raw.slice(0, 200)}`);
    }
  } else {
    console.log('  (ANALYTICS_EXPECT not set: reading GET /v1/analytics)');
    const response = await fetch(`${BASE}/v1/analytics`);
    const text = await response.text();
    if (response.status !== 200) fail('GET /v1/analytics', 'HTTP 200', `HTTP ${response.status} ${text}`);
    report = JSON.parse(text);
  }
  if (!report || !report.totals || !Array.isArray(report.days) || report.days.length === 0) {
    fail('the expected report', 'totals and a non-empty days array', JSON.stringify(report).slice(0, 300));
  }
  return report;
}

async function squeezed(page, selector) {
  const text = await page.textContent(selector).catch(() => null);
  return text === null ? '(missing)' : text.replace(/\s+/g, ' ').trim();
}

/** Opens the page and waits until the report is drawn. */
async function openPage(page, label) {
  const response = await page.goto(`${BASE}/analytics`, { waitUntil: 'domcontentloaded' });
  if (!response || response.status() !== 200) {
    fail(`opening ${label}`, `GET ${BASE}/analytics → 200`, response ? `HTTP ${response.status()}` : 'no response');
  }
  try {
    await page.waitForSelector('main[data-status="ready"]', { state: 'attached', timeout: 15_000 });
  } catch {
    fail(
      `${label}: the figures did not load`,
      'main[data-status="ready"] within 15 s',
      `status ${await page.getAttribute('main', 'data-status').catch(() => '?')}; ` +
        `error banner: ${JSON.stringify(await squeezed(page, '#error-banner'))}; ` +
        `tiles: ${JSON.stringify(await squeezed(page, '.tiles'))}`,
    );
  }
}

async function tileValue(page, metric) {
  const text = await page.textContent(`[data-metric="${metric}"] .value`).catch(() => null);
  return text === null ? '(missing)' : text.trim();
}

function addDays(day, n) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

async function run(browser) {
  const pageErrors = [];
  const cspViolations = [];
  const watch = (page) => {
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  };

  step('server ready');
  await waitReady();
  const expected = await expectedReport();
  const { totals, days } = expected;
  console.log(
    `  ${expected.from}..${expected.to}: ${totals.conversations} conversations, ` +
      `${(expected.top_complaints || []).length} top complaints, ${(expected.hotspots || []).length} hotspots`,
  );

  step('1. the page opens at 1280×900 and the tiles fill');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  watch(page);
  await openPage(page, 'the analytics page');

  step('2. the tiles show the totals');
  const conversations = await tileValue(page, 'conversations');
  if (digits(conversations) !== String(totals.conversations)) {
    fail('the 会话数 tile', String(totals.conversations), conversations);
  }
  const containment = await tileValue(page, 'containment_rate');
  if (containment !== pct(totals.containment_rate)) {
    fail('the 机器人自助解决率 tile', pct(totals.containment_rate), containment);
  }
  const handoff = await tileValue(page, 'handoff_rate');
  if (handoff !== pct(totals.handoff_rate)) fail('the 转人工率 tile', pct(totals.handoff_rate), handoff);
  const fallbacks = await tileValue(page, 'fallbacks');
  if (digits(fallbacks) !== String(expected.fallbacks)) fail('the 未识别次数 tile', String(expected.fallbacks), fallbacks);
  const promises = expected.commitments;
  if (!promises || !promises.made) fail('the report', 'commitments made in the period', JSON.stringify(promises));
  const onTime = await tileValue(page, 'promises_on_time');
  if (onTime !== pct(promises.on_time_rate)) fail('the 承诺按时兑现率 tile', pct(promises.on_time_rate), onTime);
  const promisesSub = await page.locator('.tile[data-metric="promises_on_time"] .tile-sub').textContent();
  if (!promisesSub.includes(`承诺 ${promises.made} 项`) || !promisesSub.includes(`按时兑现 ${promises.fulfilled_on_time}`)) {
    fail('the 承诺按时兑现率 tile', `承诺 ${promises.made} 项 · 按时兑现 ${promises.fulfilled_on_time}`, promisesSub);
  }

  step('3. the daily chart has a bar per day and series, heights to scale');
  const rects = await page.$$eval('#chart-daily svg rect[data-series]', (els) =>
    els.map((e) => ({
      day: e.getAttribute('data-day'),
      series: e.getAttribute('data-series'),
      value: e.getAttribute('data-value'),
      height: Number(e.getAttribute('height')),
      box: e.getBoundingClientRect().height,
      title: e.querySelector('title')?.textContent ?? '',
    })),
  );
  if (rects.length !== days.length * 2) {
    fail('rects in the daily chart', `${days.length * 2} (${days.length} days × 2 series)`, `${rects.length}`);
  }
  for (const day of days) {
    for (const series of ['conversations', 'handed_off']) {
      const found = rects.filter((r) => r.day === day.day && r.series === series);
      if (found.length !== 1 || Number(found[0].value) !== day[series]) {
        fail(
          `the ${series} bar of ${day.day}`,
          `one rect with data-value ${day[series]}`,
          JSON.stringify(found.map((r) => r.value)),
        );
      }
      if (!found[0].title.trim()) fail(`the ${series} bar of ${day.day}`, 'a <title> tooltip', 'none');
    }
  }
  const convRects = rects.filter((r) => r.series === 'conversations');
  const busiest = days.reduce((best, d) => (d.conversations > best.conversations ? d : best), days[0]);
  const busiestRect = convRects.find((r) => r.day === busiest.day);
  const tallest = Math.max(...convRects.map((r) => r.height));
  if (busiest.conversations > 0 && (busiestRect.height !== tallest || !(busiestRect.height > 0) || !(busiestRect.box > 0))) {
    fail(
      `the conversations bar of the busiest day (${busiest.day}, ${busiest.conversations})`,
      `the tallest of its series (${tallest})`,
      `height ${busiestRect.height} (${busiestRect.box}px on screen)`,
    );
  }
  const zeros = rects.filter((r) => Number(r.value) === 0);
  const notFlat = zeros.filter((r) => r.height !== 0 || r.box !== 0);
  if (notFlat.length) fail('zero-value bars', 'height 0', JSON.stringify(notFlat));
  if (!zeros.length) console.log('  (no zero-value bar in this period)');
  // Heights are proportional to the values.
  const perUnit = busiest.conversations > 0 ? busiestRect.height / busiest.conversations : 0;
  const skewed = rects.filter((r) => Math.abs(r.height - Number(r.value) * perUnit) > 0.05);
  if (perUnit > 0 && skewed.length) {
    fail('bar heights', `proportional to data-value (${perUnit.toFixed(3)} per unit)`, JSON.stringify(skewed.slice(0, 4)));
  }
  const chartLabel = await page.getAttribute('#chart-daily svg', 'aria-label');
  if (!chartLabel || !chartLabel.trim()) fail('the daily chart', 'an aria-label summary', JSON.stringify(chartLabel));

  step('4. top complaints and hotspots in the API order');
  const complaints = await page.$$eval('#chart-complaints [data-intent]', (els) =>
    els.map((e) => ({ intent: e.getAttribute('data-intent'), value: Number(e.getAttribute('data-value')) })),
  );
  const wantComplaints = (expected.top_complaints || []).map((c) => ({ intent: c.intent, value: c.conversations }));
  if (JSON.stringify(complaints) !== JSON.stringify(wantComplaints)) {
    fail('the 高频投诉 chart', JSON.stringify(wantComplaints), JSON.stringify(complaints));
  }
  if (!wantComplaints.length && !(await squeezed(page, '#chart-complaints')).includes('暂无数据')) {
    fail('the 高频投诉 chart without complaints', '暂无数据', await squeezed(page, '#chart-complaints'));
  }
  const hotspots = await page.$$eval('#hotspots tbody tr[data-intent]', (els) => els.map((e) => e.getAttribute('data-intent')));
  const wantHotspots = (expected.hotspots || []).map((h) => h.intent);
  if (JSON.stringify(hotspots) !== JSON.stringify(wantHotspots)) {
    fail('the 热点预警 table rows', JSON.stringify(wantHotspots), JSON.stringify(hotspots));
  }
  if (!wantHotspots.length && !(await page.isVisible('text=本期没有突增的意图'))) {
    fail('the 热点预警 table without hotspots', '"本期没有突增的意图" visible', await squeezed(page, '#hotspots'));
  }
  const reasons = await page.$$eval('#chart-reasons [data-reason]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-reason'), Number(e.getAttribute('data-value'))])),
  );
  const wantReasons = Object.fromEntries((expected.handoff_reasons || []).filter((r) => r.handoffs > 0).map((r) => [r.reason, r.handoffs]));
  for (const [reason, n] of Object.entries(wantReasons)) {
    if (reasons[reason] !== n) fail(`the 转人工原因 bar of ${reason}`, `data-value ${n}`, JSON.stringify(reasons));
  }

  step('5. the emotion chart');
  const emotions = await page.$$eval('#chart-emotions [data-emotion]', (els) =>
    els.map((e) => ({ emotion: e.getAttribute('data-emotion'), value: Number(e.getAttribute('data-value')) })),
  );
  const wantEmotions = expected.emotions || [];
  const byEmotion = Object.fromEntries(emotions.map((e) => [e.emotion, e.value]));
  if (emotions.length !== wantEmotions.length || wantEmotions.some((e) => byEmotion[e.emotion] !== e.turns)) {
    fail(
      'the 客户情绪分布 chart',
      JSON.stringify(wantEmotions.map((e) => ({ emotion: e.emotion, value: e.turns }))),
      JSON.stringify(emotions),
    );
  }

  step('6. the CSV export downloads the period');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 15_000 }),
    page.getByRole('button', { name: '导出 CSV' }).click(),
  ]);
  const failure = await download.failure();
  if (failure) fail('the CSV download', 'a saved file', failure);
  const csv = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
  const lines = csv.split(/\r?\n/);
  if (lines[0] !== 'day,measure,label,value') fail('the first line of the CSV', 'day,measure,label,value', JSON.stringify(lines[0]));
  const firstDay = `${days[0].day},conversations,,${days[0].conversations}`;
  if (!lines.includes(firstDay)) fail('the CSV', `a line ${firstDay}`, JSON.stringify(lines.slice(0, 8)));
  if (!download.suggestedFilename().endsWith('.csv')) fail('the CSV file name', '*.csv', download.suggestedFilename());
  console.log(`  ${download.suggestedFilename()}: ${lines.filter(Boolean).length} lines`);

  step('8a. desktop screenshot');
  await page.screenshot({ path: path.join(ARTEFACT_DIR, 'analytics-desktop.png'), fullPage: true });

  step('7. a reversed period shows the server error');
  await page.getByLabel('开始日期').fill(addDays(expected.to, 1));
  await page.getByLabel('结束日期').fill(expected.from);
  await page.getByRole('button', { name: '查询', exact: true }).click();
  try {
    await page.waitForFunction(
      () => {
        const banner = document.querySelector('[role="alert"]#error-banner');
        return banner && !banner.hidden && banner.textContent.includes('after');
      },
      null,
      { timeout: 10_000 },
    );
  } catch {
    fail('the alert banner after a reversed period', 'visible, with the server message ("… is after …")', await squeezed(page, '#error-banner'));
  }
  // The figures on screen stay those of the period that loaded.
  const still = await tileValue(page, 'conversations');
  if (digits(still) !== String(totals.conversations)) fail('the 会话数 tile after the refused query', String(totals.conversations), still);

  step('8b. phone width');
  const phone = await context.newPage();
  watch(phone);
  await phone.setViewportSize({ width: 360, height: 640 });
  await openPage(phone, 'the analytics page at 360×640');
  const scrollWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  if (scrollWidth > 360) fail('no horizontal scroll at 360px', 'document.documentElement.scrollWidth <= 360', `${scrollWidth}`);
  const phoneRects = await phone.locator('#chart-daily svg rect[data-series]').count();
  if (phoneRects !== days.length * 2) fail('rects in the daily chart on the phone', `${days.length * 2}`, `${phoneRects}`);
  await phone.screenshot({ path: path.join(ARTEFACT_DIR, 'analytics-phone.png'), fullPage: true });

  step('9. Chinese renders');
  const heading = (await page.textContent('h1'))?.trim();
  if (heading !== TITLE) fail('the page header', TITLE, JSON.stringify(heading));
  const lang = await page.evaluate(() => document.documentElement.lang);
  if (lang !== 'zh-CN') fail('<html lang>', 'zh-CN', lang);
  // A CJK font is installed: Chinese text is as wide as its characters.
  const width = await page.evaluate(() => {
    const span = document.createElement('span');
    span.textContent = '服务分析';
    document.body.append(span);
    const w = span.getBoundingClientRect().width;
    span.remove();
    return w;
  });
  if (!(width > 20)) fail('Chinese text width', '> 20px for 4 characters', `${width}`);

  if (pageErrors.length) fail('JavaScript errors in the page', 'none', JSON.stringify(pageErrors));
  if (cspViolations.length) fail('Content-Security-Policy violations', 'none', JSON.stringify(cspViolations));
}

await runScenario('analytics page', 'analytics', run);
