// Frontline 服务分析: reads GET /v1/analytics for a period of bank days and draws what a
// contact-centre manager needs at a glance (headline figures, daily volume, why customers
// went to a human, top complaints, emotions, hotspots), and exports the CSV.
//
// Every string that comes from the server is put into the page with textContent,
// createElement(NS) or setAttribute on a fixed attribute name, never as markup. Geometry is
// set with SVG attributes or CSSOM (element.style.width), which the page's CSP allows.
// What it shares with the agent console (the key form, requests, building elements, the
// toast) is in /console/common.js, loaded first.
'use strict';

(() => {
  const { $, str, setAttrs, h, toast, request, apiKeyForm, whyView } = window.FrontlineConsole;
  const API_URL = '/v1/analytics';
  const SURGES_URL = '/v1/analytics/surges';
  const REQUEST_TIMEOUT_MS = 15000;
  // The analytics key, when the service requires keys: this tab only (sessionStorage).
  const API_KEY_STORAGE = 'frontline.analytics.key';
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

  const REASON_LABEL = {
    customer_request: '客户要求转人工',
    low_confidence: '多次未能理解',
    high_emotion: '情绪激动',
    escalation_threat: '投诉升级风险',
    urgent_intent: '紧急业务',
    policy: '政策规定',
  };
  const EMOTION_LABEL = {
    neutral: '平静',
    anxious: '焦虑',
    angry: '愤怒',
    sad: '难过',
    satisfied: '满意',
  };
  // From pleased to upset, so that the stacked bar reads left to right.
  const EMOTION_ORDER = ['satisfied', 'neutral', 'anxious', 'sad', 'angry'];
  const SERIES = [
    ['conversations', '会话数'],
    ['handed_off', '转人工'],
  ];
  const WEEKDAY = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

  const ui = {
    main: $('main'),
    periodText: $('period-text'),
    form: $('period-form'),
    from: $('from'),
    to: $('to'),
    query: $('query'),
    exportButton: $('export-csv'),
    banner: $('error-banner'),
    bannerTitle: $('error-title'),
    bannerText: $('error-text'),
    retry: $('retry'),
    toast: $('toast'),
    report: $('report'),
    loading: $('loading-state'),
    tiles: {},
    dailyBox: $('daily-box'),
    reasonsBox: $('reasons-box'),
    complaintsBox: $('complaints-box'),
    emotionsBox: $('emotions-box'),
    hotspotsWrap: $('hotspots-wrap'),
    hotspotsBody: document.querySelector('#hotspots-table tbody'),
    hotspotsEmpty: $('hotspots-empty'),
    dailyBody: document.querySelector('#daily-table tbody'),
    surgeBanner: $('surge-banner'),
    surgeList: $('surge-list'),
  };
  for (const tile of document.querySelectorAll('.tile[data-metric]')) {
    ui.tiles[tile.getAttribute('data-metric')] = {
      value: tile.querySelector('.value'),
      sub: tile.querySelector('.tile-sub'),
    };
  }

  const state = {
    report: null, // the report on screen
    query: { from: '', to: '' }, // the last period asked for (retry, key form)
    seq: 0,
    controller: null,
    exporting: false,
    dailyWidth: 0,
  };
  const stackLabels = new WeakMap(); // emotion segment -> its percentage

  const showToast = toast(ui.toast, 6000);
  // The key form stays hidden until the server refuses the key (or its absence).
  const keyForm = apiKeyForm({
    panel: $('key-panel'),
    storageKey: API_KEY_STORAGE,
    inputId: 'analytics-key',
    submitClass: 'btn btn-primary',
    title: '需要分析密钥',
    label: '分析 API 密钥',
    hint: '请输入管理员发放的分析密钥(权限 analytics);密钥只保存在本标签页',
    empty: '请输入分析密钥',
    noScope: '此密钥无权查看服务分析(需要 analytics 权限)',
    onKey: () => load(state.query),
  });

  // ---------- small helpers ----------

  /** A count from the API; anything else counts as 0. */
  function count(value) {
    const n = Number(value);
    return Number.isFinite(n) && n > 0 ? n : 0;
  }

  function isRate(value) {
    return typeof value === 'number' && Number.isFinite(value);
  }

  /** A 0–1 rate as a percentage with one decimal, "—" when there is none. */
  function pct(rate) {
    return isRate(rate) ? `${(rate * 100).toFixed(1)}%` : '—';
  }

  function int(n) {
    return count(n).toLocaleString('zh-CN');
  }

  function list(value) {
    return Array.isArray(value) ? value.filter((v) => v && typeof v === 'object') : [];
  }

  /** Creates an SVG element (attributes as FrontlineConsole.setAttrs); children are nodes. */
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    for (const child of children.flat()) {
      if (child) el.append(child);
    }
    return el;
  }

  function parseDay(day) {
    const m = DATE_RE.exec(str(day));
    return m ? { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) } : null;
  }

  function weekday(day) {
    const p = parseDay(day);
    return p ? WEEKDAY[new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay()] : '';
  }

  /** MM-DD, or the whole date when the period spans years. */
  function shortDay(day, withYear) {
    const text = str(day);
    return !withYear && DATE_RE.test(text) ? text.slice(5) : text;
  }

  function spansYears(report) {
    return str(report.from).slice(0, 4) !== str(report.to).slice(0, 4);
  }

  function clock(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function emptyNote(text) {
    return h('p', { class: 'empty', text: text || '暂无数据' });
  }

  function setStatus(status) {
    ui.main.setAttribute('data-status', status);
  }

  // ---------- talking to the server ----------

  function queryString(query, extra) {
    const params = new URLSearchParams();
    if (query.from) params.set('from', query.from);
    if (query.to) params.set('to', query.to);
    for (const [k, v] of Object.entries(extra || {})) params.set(k, v);
    return params.toString();
  }

  function filenameFrom(disposition, fallback) {
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(str(disposition));
    const name = m ? m[1].replace(/[^\w.-]/g, '') : '';
    return name && /\.csv$/i.test(name) ? name : fallback;
  }

  /**
   * GET /v1/analytics with the key; `kind` "json" gives the report, "csv" the file
   * ({blob, filename}). Errors as FrontlineConsole.request throws them.
   */
  function fetchReport(query, kind, controller) {
    const csv = kind === 'csv';
    const qs = queryString(query, csv ? { format: 'csv' } : null);
    const fallback = `frontline-analytics-${query.from || 'start'}-${query.to || 'today'}.csv`;
    const readCsv = async (response) => ({
      blob: await response.blob(),
      filename: filenameFrom(response.headers.get('Content-Disposition'), fallback),
    });
    return request(qs ? `${API_URL}?${qs}` : API_URL, {
      key: keyForm.key,
      timeoutMs: REQUEST_TIMEOUT_MS,
      controller,
      accept: csv ? 'text/csv' : 'application/json',
      read: csv ? readCsv : undefined,
    });
  }

  function errorText(e) {
    const message = e && e.serverMessage ? e.serverMessage : '';
    if (!e) return '未知错误。';
    if (e.network) return `${e.message}。`;
    if (e.status === 400) return `查询条件有误:${message || '请检查开始日期和结束日期'}`;
    if (e.status === 503) return `服务暂时不可用(HTTP 503)${message ? `:${message}` : ''},请稍后重试。`;
    if (e.status === 429) return `请求过于频繁(HTTP 429),请稍后重试。`;
    if (e.status >= 500) return `服务器出错(HTTP ${e.status})${message ? `:${message}` : ''}`;
    if (e.status) return `请求失败(HTTP ${e.status})${message ? `:${message}` : ''}`;
    return `${e.message || '未知错误'}。`;
  }

  function showError(title, e) {
    ui.bannerTitle.textContent = title;
    const shown = state.report ? ` 下方仍显示 ${str(state.report.from)} 至 ${str(state.report.to)} 的数据。` : '';
    ui.bannerText.textContent = errorText(e) + shown;
    ui.banner.hidden = false;
  }

  function isReport(body) {
    return Boolean(body && typeof body === 'object' && body.totals && typeof body.totals === 'object' && Array.isArray(body.days));
  }

  async function load(query) {
    state.query = { from: query.from || '', to: query.to || '' };
    const seq = ++state.seq;
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    setStatus('loading');
    ui.report.setAttribute('aria-busy', 'true');
    ui.query.disabled = true;
    try {
      const body = await fetchReport(state.query, 'json', controller);
      if (seq !== state.seq) return;
      if (!isReport(body)) throw new Error('服务器返回的数据格式不正确');
      const wasAskingKey = keyForm.shown;
      if (wasAskingKey) hideKeyForm();
      state.report = body;
      ui.banner.hidden = true;
      ui.loading.hidden = true;
      render(body);
      rememberQuery(state.query);
      setStatus('ready');
      if (wasAskingKey) showToast('已连接,正在显示服务分析。');
      loadSurges();
    } catch (e) {
      if (seq !== state.seq || (e && e.aborted)) return;
      if (e && e.auth) {
        requireKey(e.status);
        return;
      }
      if (keyForm.shown) keyForm.resetSubmit();
      showError(e && e.status === 400 ? '查询失败。' : '无法加载分析数据。', e);
      if (!state.report) {
        ui.loading.textContent = '暂时无法加载分析数据。';
        ui.loading.hidden = false;
      }
      setStatus('error');
    } finally {
      if (seq === state.seq) {
        state.controller = null;
        ui.report.setAttribute('aria-busy', 'false');
        ui.query.disabled = false;
      }
    }
  }

  /** The period in the address bar, so that a manager can bookmark or share it. */
  function rememberQuery(query) {
    try {
      const qs = queryString(query);
      const url = `${window.location.pathname}${qs ? `?${qs}` : ''}`;
      if (url !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, '', url);
    } catch (_) {
      /* ignore */
    }
  }

  function queryFromAddress() {
    try {
      const params = new URLSearchParams(window.location.search);
      const pick = (name) => (DATE_RE.test(params.get(name) || '') ? params.get(name) : '');
      return { from: pick('from'), to: pick('to') };
    } catch (_) {
      return { from: '', to: '' };
    }
  }

  function formQuery() {
    return { from: ui.from.value.trim(), to: ui.to.value.trim() };
  }

  async function exportCsv() {
    if (state.exporting) return;
    // What is on screen, or what the form asks for when nothing is yet.
    const query = state.report && DATE_RE.test(str(state.report.from)) && DATE_RE.test(str(state.report.to))
      ? { from: str(state.report.from), to: str(state.report.to) }
      : formQuery();
    state.exporting = true;
    ui.exportButton.disabled = true;
    ui.exportButton.textContent = '导出中…';
    try {
      const { blob, filename } = await fetchReport(query, 'csv', new AbortController());
      const file = blob.type ? blob : new Blob([blob], { type: 'text/csv' });
      const url = URL.createObjectURL(file);
      const link = h('a', { href: url, download: filename, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      showToast(`已导出 ${filename}`);
    } catch (e) {
      if (e && e.auth) {
        requireKey(e.status);
        return;
      }
      showError('导出 CSV 失败。', e);
    } finally {
      state.exporting = false;
      ui.exportButton.disabled = false;
      ui.exportButton.textContent = '导出 CSV';
    }
  }

  // ---------- surge alerts ----------

  /** Hours and minutes of an RFC 3339 time, in the browser's zone. */
  function hourOf(text) {
    const date = new Date(str(text));
    return Number.isNaN(date.getTime()) ? '' : clock(date);
  }

  /** GET /v1/analytics/surges: the banner shows what is open now; a failure only hides it. */
  async function loadSurges() {
    try {
      const body = await request(SURGES_URL, { key: keyForm.key, timeoutMs: REQUEST_TIMEOUT_MS });
      renderSurges(list(body && body.surges));
    } catch (_) {
      ui.surgeBanner.hidden = true;
    }
  }

  /** A conversation's audit records (the key needs the `audit` scope; the view says so). */
  function readAudit(path) {
    return request(path, { key: keyForm.key, timeoutMs: REQUEST_TIMEOUT_MS });
  }

  function renderSurges(surges) {
    ui.surgeList.replaceChildren(...surges.map((surge) => {
      const where = surge.city ? `(${str(surge.city)})` : '(全部地区)';
      const hours = `${hourOf(surge.window_start)}–${hourOf(surge.window_end)}`;
      const line = h('p', {
        class: 'surge-line',
        text: `${str(surge.intent)}${where}:${hours} 共 ${int(surge.conversations)} 个会话,`
          + `近期同一时段平均 ${Number(surge.baseline || 0).toFixed(1)} 个`,
      });
      const excerpts = list(surge.excerpts);
      const details = h('details', { class: 'surge-conversations' },
        h('summary', { text: `查看 ${excerpts.length} 个会话(已脱敏)` }),
        h('ol', {}, excerpts.map((e) => h('li', {},
          h('code', { text: str(e.conversation_id) }),
          h('span', { text: str(e.text) }),
          whyView(str(e.conversation_id), readAudit))))
      );
      return h('li', { 'data-intent': str(surge.intent), 'data-city': str(surge.city) }, line, details);
    }));
    ui.surgeBanner.hidden = surges.length === 0;
  }

  // ---------- rendering ----------

  function render(report) {
    const days = list(report.days);
    const periodText = DATE_RE.test(str(report.from)) && DATE_RE.test(str(report.to))
      ? `统计周期 ${str(report.from)} 至 ${str(report.to)} · 共 ${days.length} 天 · 更新于 ${clock(new Date())}`
      : `共 ${days.length} 天`;
    ui.periodText.textContent = periodText;
    renderTiles(report);
    renderDaily(report);
    renderReasons(list(report.handoff_reasons));
    renderComplaints(list(report.top_complaints));
    renderEmotions(list(report.emotions));
    renderHotspots(list(report.hotspots));
    renderDailyTable(report);
  }

  function setTile(metric, value, sub) {
    const tile = ui.tiles[metric];
    if (!tile) return;
    tile.value.textContent = value;
    tile.sub.textContent = sub;
  }

  function renderTiles(report) {
    const t = report.totals;
    const conversations = count(t.conversations);
    const handedOff = count(t.handed_off);
    setTile('conversations', int(conversations), `转人工 ${int(handedOff)} · 正常结束 ${int(t.closed)}`);
    setTile(
      'containment_rate',
      pct(t.containment_rate),
      conversations ? `${int(Math.max(0, conversations - handedOff))} 个会话无需人工` : '本期没有会话',
    );
    setTile('handoff_rate', pct(t.handoff_rate), conversations ? `${int(handedOff)} 个会话转人工` : '本期没有会话');
    setTile('fallbacks', int(report.fallbacks), '客户发言未被识别的次数');
    // The "promises kept" figure: of the commitments made in the period, how many were
    // fulfilled by their due time; and how many are owed past due now.
    const promises = report.commitments || {};
    setTile(
      'promises_on_time',
      pct(promises.on_time_rate),
      count(promises.made)
        ? `承诺 ${int(promises.made)} 项 · 按时兑现 ${int(promises.fulfilled_on_time)} · 逾期未办 ${int(promises.overdue_now)}`
        : '本期没有承诺',
    );
  }

  /** A round step for about four grid lines up to `max`. */
  function niceStep(max) {
    const raw = max / 4;
    if (raw <= 1) return 1;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const norm = raw / mag;
    return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  }

  function renderDaily(report) {
    const box = ui.dailyBox;
    const days = list(report.days);
    const withYear = spansYears(report);
    const available = Math.max(260, Math.floor(box.clientWidth || 640));
    state.dailyWidth = Math.floor(box.clientWidth || 0);

    const narrow = available < 480;
    const margin = { top: 20, right: 8, bottom: 30, left: 40 };
    const height = narrow ? 220 : 260;
    const plotH = height - margin.top - margin.bottom;
    const n = Math.max(days.length, 1);
    // Long periods get thin bars; past ~90 days on a desktop the chart scrolls in its box.
    const minGroup = 12;
    const groupW = Math.max(minGroup, (available - margin.left - margin.right) / n);
    const width = Math.ceil(margin.left + margin.right + groupW * n);
    const gap = groupW < 24 ? 1 : 3;
    const barW = Math.max(3, Math.min(28, (groupW - (groupW < 24 ? 3 : 6) - gap) / 2));

    const values = days.map((d) => ({ day: str(d.day), conversations: count(d.conversations), handed_off: count(d.handed_off) }));
    const max = values.reduce((m, v) => Math.max(m, v.conversations, v.handed_off), 0);
    const total = values.reduce((sum, v) => sum + v.conversations, 0);
    const totalHanded = values.reduce((sum, v) => sum + v.handed_off, 0);
    const y = (v) => margin.top + plotH - (max > 0 ? (v / max) * plotH : 0);
    const barH = (v) => (max > 0 && v > 0 ? (v / max) * plotH : 0);

    let label;
    if (!values.length || max === 0) {
      label = '每日会话量与转人工:本期暂无数据';
    } else {
      const busiest = values.reduce((best, v) => (v.conversations > best.conversations ? v : best), values[0]);
      label =
        `每日会话量与转人工,共 ${values.length} 天:会话 ${total} 个,其中转人工 ${totalHanded} 个;` +
        `会话最多的一天是 ${busiest.day}(${busiest.conversations} 个,转人工 ${busiest.handed_off} 个)。`;
    }

    const svg = s('svg', {
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      class: 'daily-chart',
    });
    svg.append(s('title', { text: label }));

    // Grid lines and the value axis.
    const grid = s('g', { class: 'grid', 'aria-hidden': 'true' });
    if (max > 0) {
      const step = niceStep(max);
      for (let v = 0; v <= max + 1e-9; v += step) {
        const yy = Math.round(y(v)) + 0.5;
        grid.append(
          s('line', { class: v === 0 ? 'axis-line' : 'grid-line', x1: margin.left, x2: width - margin.right, y1: yy, y2: yy }),
          s('text', { class: 'axis-label', x: margin.left - 6, y: yy + 4, 'text-anchor': 'end', text: String(v) }),
        );
      }
    } else {
      const yy = margin.top + plotH + 0.5;
      grid.append(
        s('line', { class: 'axis-line', x1: margin.left, x2: width - margin.right, y1: yy, y2: yy }),
        s('text', { class: 'axis-label', x: margin.left - 6, y: yy + 4, 'text-anchor': 'end', text: '0' }),
      );
    }
    svg.append(grid);

    const labelEvery = Math.max(1, Math.ceil((withYear ? 78 : 44) / groupW));
    const showValues = groupW >= 56 && max > 0;
    const bars = s('g', { class: 'bars' });
    const labels = s('g', { class: 'day-labels', 'aria-hidden': 'true' });
    values.forEach((v, i) => {
      const gx = margin.left + i * groupW;
      const x0 = gx + (groupW - (barW * 2 + gap)) / 2;
      const group = s('g', { class: 'day', 'data-day': v.day });
      SERIES.forEach(([series, name], j) => {
        const value = v[series];
        const hgt = barH(value);
        const x = x0 + j * (barW + gap);
        let tip = `${v.day} ${weekday(v.day)} ${name} ${value} 个`;
        if (series === 'handed_off' && v.conversations > 0) tip += `(占当日会话 ${pct(value / v.conversations)})`;
        group.append(
          s(
            'rect',
            {
              class: `bar bar-${series}`,
              x: x.toFixed(2),
              y: (margin.top + plotH - hgt).toFixed(2),
              width: barW.toFixed(2),
              height: hgt === 0 ? '0' : hgt.toFixed(2),
              'data-day': v.day,
              'data-series': series,
              'data-value': String(value),
            },
            s('title', { text: tip }),
          ),
        );
        if (showValues && value > 0) {
          group.append(
            s('text', {
              class: 'bar-label',
              x: (x + barW / 2).toFixed(2),
              y: (margin.top + plotH - hgt - 4).toFixed(2),
              'text-anchor': 'middle',
              'aria-hidden': 'true',
              text: String(value),
            }),
          );
        }
      });
      bars.append(group);
      if (i % labelEvery === 0) {
        labels.append(
          s('text', {
            class: 'axis-label',
            x: (gx + groupW / 2).toFixed(2),
            y: margin.top + plotH + 18,
            'text-anchor': 'middle',
            text: shortDay(v.day, withYear),
          }),
        );
      }
    });
    svg.append(bars, labels);
    if (max === 0) {
      svg.append(
        s('text', {
          class: 'empty-label',
          x: (margin.left + (width - margin.left - margin.right) / 2).toFixed(2),
          y: (margin.top + plotH / 2).toFixed(2),
          'text-anchor': 'middle',
          text: '暂无数据',
        }),
      );
    }

    box.replaceChildren(svg);
    // A chart wider than its box scrolls inside it; the keyboard can scroll it too.
    if (width > box.clientWidth + 1) {
      box.setAttribute('tabindex', '0');
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', '每日会话量图表(可左右滚动)');
    } else {
      box.removeAttribute('tabindex');
      box.removeAttribute('role');
      box.removeAttribute('aria-label');
    }
  }

  /** Horizontal bars: `items` [{attr, id, label, value, extra, mono, rank}], widths relative to the largest. */
  function hbars(className, listLabel, items) {
    const max = items.reduce((m, item) => Math.max(m, item.value), 0);
    const ul = h('ul', { class: `hbars ${className}`, 'aria-label': listLabel });
    for (const item of items) {
      const fill = h('div', { class: 'hbar-fill' });
      const share = max > 0 ? (item.value / max) * 100 : 0;
      fill.style.width = `${share.toFixed(2)}%`;
      if (item.value === 0) fill.style.minWidth = '0';
      const labelEl = h('span', { class: 'hbar-label' });
      if (item.rank) labelEl.append(h('span', { class: 'rank', 'aria-hidden': 'true', text: `${item.rank}.` }));
      labelEl.append(h('span', { class: item.mono ? 'mono' : null, text: item.label }));
      ul.append(
        h(
          'li',
          { class: 'hbar', [item.attr]: item.id, 'data-value': String(item.value), title: item.title || null },
          labelEl,
          h('span', { class: 'hbar-value' }, item.valueText, item.extra ? h('span', { class: 'hbar-extra', text: ` ${item.extra}` }) : null),
          h('div', { class: 'hbar-track', 'aria-hidden': 'true' }, fill),
        ),
      );
    }
    return ul;
  }

  function renderReasons(reasons) {
    const box = ui.reasonsBox;
    const items = reasons
      .map((r, i) => ({ r, i, value: count(r.handoffs) }))
      .sort((a, b) => b.value - a.value || a.i - b.i)
      .map(({ r, value }) => {
        const id = str(r.reason);
        return {
          attr: 'data-reason',
          id,
          label: REASON_LABEL[id] || id,
          value,
          valueText: `${int(value)} 次`,
          extra: isRate(r.rate) ? `(${pct(r.rate)})` : '',
          title: id,
        };
      });
    if (!items.length || items.every((item) => item.value === 0)) {
      box.replaceChildren(emptyNote());
      return;
    }
    box.replaceChildren(hbars('hbars-reasons', '转人工原因及次数', items));
  }

  function renderComplaints(complaints) {
    const box = ui.complaintsBox;
    const items = complaints.map((c, i) => {
      const value = count(c.conversations);
      return {
        attr: 'data-intent',
        id: str(c.intent),
        label: str(c.intent),
        mono: true,
        rank: i + 1,
        value,
        valueText: `${int(value)} 个会话`,
      };
    });
    if (!items.length) {
      box.replaceChildren(emptyNote());
      return;
    }
    box.replaceChildren(hbars('hbars-complaints', '高频投诉意图及会话数', items));
  }

  function renderEmotions(emotions) {
    const box = ui.emotionsBox;
    const total = emotions.reduce((sum, e) => sum + count(e.turns), 0);
    if (!emotions.length || total === 0) {
      box.replaceChildren(emptyNote());
      return;
    }
    const rank = (id) => {
      const i = EMOTION_ORDER.indexOf(id);
      return i < 0 ? EMOTION_ORDER.length : i;
    };
    const sorted = emotions
      .map((e, i) => ({ id: str(e.emotion), turns: count(e.turns), share: e.share, i }))
      .sort((a, b) => rank(a.id) - rank(b.id) || a.i - b.i)
      .map((e) => ({ ...e, share: isRate(e.share) ? e.share : e.turns / total }));

    const summary = sorted.map((e) => `${EMOTION_LABEL[e.id] || e.id} ${pct(e.share)}`).join(',');
    const stack = h('div', { class: 'stack', role: 'img', 'aria-label': `客户情绪分布(共 ${total} 轮发言):${summary}` });
    const legend = h('ul', { class: 'emotion-legend' });
    for (const e of sorted) {
      const name = EMOTION_LABEL[e.id] || e.id;
      const colour = EMOTION_LABEL[e.id] ? `emotion-${e.id}` : 'emotion-other';
      const seg = h('div', {
        class: `stack-seg ${colour}`,
        'data-emotion': e.id,
        'data-value': String(e.turns),
        title: `${name} ${e.turns} 轮(${pct(e.share)})`,
      });
      seg.style.width = `${(e.share * 100).toFixed(3)}%`;
      stackLabels.set(seg, pct(e.share));
      stack.append(seg);
      legend.append(
        h(
          'li',
          null,
          h('span', { class: `swatch ${colour}`, 'aria-hidden': 'true' }),
          h('span', { text: name }),
          h('span', { class: 'pct', text: pct(e.share) }),
          h('span', { class: 'turns', text: `${int(e.turns)} 轮` }),
        ),
      );
    }
    box.replaceChildren(stack, legend);
    fitStackLabels();
  }

  /** Percentages inside the emotion segments that are wide enough for them (the legend has all). */
  function fitStackLabels() {
    for (const seg of ui.emotionsBox.querySelectorAll('.stack-seg')) {
      const text = stackLabels.get(seg) || '';
      if (seg.textContent !== text) seg.textContent = text;
      if (seg.scrollWidth > seg.clientWidth || seg.clientWidth < 30) seg.textContent = '';
    }
  }

  function renderHotspots(hotspots) {
    const rows = hotspots.map((spot) => {
      const id = str(spot.intent);
      const growth = isRate(spot.growth)
        ? h('span', { class: 'growth', text: `×${spot.growth.toFixed(1)}` })
        : h('span', { class: 'chip chip-new', text: '新出现' });
      return h(
        'tr',
        { 'data-intent': id },
        h(
          'th',
          { scope: 'row' },
          h('span', { class: 'mono', text: id }),
          spot.complaint === true ? h('span', { class: 'chip chip-complaint', text: '投诉' }) : null,
        ),
        h('td', { class: 'num', text: int(spot.conversations) }),
        h('td', { class: 'num', text: int(spot.previous_conversations) }),
        h('td', { class: 'num' }, growth),
      );
    });
    ui.hotspotsBody.replaceChildren(...rows);
    ui.hotspotsWrap.hidden = rows.length === 0;
    ui.hotspotsEmpty.hidden = rows.length !== 0;
  }

  function renderDailyTable(report) {
    const withYear = spansYears(report);
    const rows = list(report.days).map((d) => {
      const day = str(d.day);
      const conversations = count(d.conversations);
      const top = list(d.top_complaints)[0];
      const complaint = top
        ? h('td', null, h('span', { class: 'mono', text: str(top.intent) }), ` (${int(top.conversations)})`)
        : h('td', { class: 'none', text: '—' });
      return h(
        'tr',
        { 'data-day': day, class: conversations === 0 ? 'is-zero' : null },
        h('th', { scope: 'row' }, h('time', { datetime: day, text: shortDay(day, withYear) }), h('span', { class: 'weekday', text: weekday(day) })),
        h('td', { class: 'num', text: int(conversations) }),
        h('td', { class: 'num', text: int(d.handed_off) }),
        h('td', { class: 'num', text: pct(d.containment_rate) }),
        h('td', { class: 'num', text: int(d.fallbacks) }),
        complaint,
      );
    });
    if (!rows.length) {
      rows.push(h('tr', null, h('td', { colspan: '6', class: 'none', text: '暂无数据' })));
    }
    ui.dailyBody.replaceChildren(...rows);
  }

  // ---------- API key (only when the service requires keys) ----------

  /**
   * The server refused the key (401) or its scope (403): hide the figures, ask for a key.
   * A page opened without a key is not told that its key was refused.
   */
  function requireKey(status) {
    const hadKey = Boolean(keyForm.key);
    state.report = null;
    ui.report.hidden = true;
    ui.banner.hidden = true;
    ui.periodText.textContent = '需要分析密钥';
    setStatus('need-key');
    keyForm.ask(hadKey || status === 403 ? keyForm.refusal(status) : '');
  }

  function hideKeyForm() {
    const hadFocus = keyForm.hide();
    ui.report.hidden = false;
    if (hadFocus) ui.report.focus();
  }

  // ---------- the period form, export, retry ----------

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (keyForm.shown) {
      keyForm.focus();
      return;
    }
    load(formQuery());
  });

  ui.exportButton.addEventListener('click', () => {
    if (keyForm.shown) {
      keyForm.focus();
      return;
    }
    exportCsv();
  });

  ui.retry.addEventListener('click', () => load(state.query));

  // The daily chart fits its box: drawn again when the box changes width; the emotion
  // percentages show where they fit.
  if (typeof ResizeObserver === 'function') {
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (!state.report) return;
        const width = Math.floor(ui.dailyBox.clientWidth || 0);
        if (width > 0 && width !== state.dailyWidth) renderDaily(state.report);
        fitStackLabels();
      });
    });
    observer.observe(ui.dailyBox);
    observer.observe(ui.emotionsBox);
  }

  const initial = queryFromAddress();
  ui.from.value = initial.from;
  ui.to.value = initial.to;
  load(initial);
})();
