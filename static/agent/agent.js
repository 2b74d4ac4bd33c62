// Frontline 坐席工作台: polls the pending handoffs and lets an agent take one.
//
// What it shares with the analytics page (the key form, requests, building elements,
// the toast) is in /console/common.js, loaded first.
//
// Every string that comes from the server is put into the page with textContent,
// createElement or setAttribute on a fixed attribute name, never as markup.
'use strict';

(() => {
  const { $, str, h, toast, request, apiKeyForm } = window.FrontlineConsole;
  const POLL_MS = 2000;
  const REQUEST_TIMEOUT_MS = 10000;
  const MAX_PAGES = 10;
  const LIST_URL = '/v1/handoffs?status=pending&per_page=200';
  const NAME_KEY = 'frontline.agent.name';
  // The desk's API key, when the service requires keys: this tab only (sessionStorage).
  const API_KEY_STORAGE = 'frontline.agentKey';
  const LONG_WAIT_MS = 5 * 60 * 1000;

  const PRIORITIES = ['urgent', 'high', 'normal'];
  const PRIORITY_LABEL = { urgent: '紧急', high: '高', normal: '普通' };
  const REASON_LABEL = {
    customer_request: '客户要求转人工',
    low_confidence: '机器人未能理解',
    high_emotion: '客户情绪激动',
    escalation_threat: '客户提及投诉/监管/媒体/诉讼',
    urgent_intent: '紧急业务',
    policy: '业务规定须人工',
  };
  const CHANNEL_LABEL = { web: '网页', app: '手机银行 App', ivr: '电话' };
  const EMOTION_LABEL = {
    neutral: '平静',
    anxious: '焦虑',
    angry: '愤怒',
    sad: '低落',
    satisfied: '满意',
  };
  const EXPECTATION_LABEL = {
    psychological: '希望被重视',
    emotional: '希望情绪被理解',
    compensation: '希望得到补偿',
    accountability: '希望有人负责',
    improvement: '希望银行改进',
  };
  const DEMAND_STATUS_LABEL = { open: '待处理', addressed: '已答复', handed_off: '已转人工' };
  const SLOT_LABEL = {
    amount: '金额',
    time: '时间',
    date: '日期',
    atm_location: 'ATM 位置',
    branch: '网点',
    product_name: '产品名称',
    phone: '手机号',
    card_number: '卡号',
    account: '账号',
  };
  const SEGMENT_LABEL = { elderly: '老年客户', vip: 'VIP 客户' };
  const RISKS = [
    ['regulator_mentioned', '监管'],
    ['media_mentioned', '媒体'],
    ['legal_mentioned', '诉讼'],
    ['escalation_threat', '升级投诉'],
  ];

  const ui = {
    name: $('agent-name'),
    nameField: null,
    pendingNumber: $('pending-number'),
    liveStatus: $('live-status'),
    statusText: $('status-text'),
    banner: $('error-banner'),
    bannerText: $('error-text'),
    toast: $('toast'),
    queue: $('queue'),
    empty: $('empty-state'),
    groups: {},
  };
  ui.nameField = ui.name.closest('.agent-field');
  for (const p of PRIORITIES) {
    const section = ui.queue.querySelector(`.group[data-group="${p}"]`);
    ui.groups[p] = {
      section,
      cards: section.querySelector('.cards'),
      count: section.querySelector('.group-count'),
    };
  }

  const state = {
    cards: new Map(), // handoff id -> entry {id, el, sig, handoff, wait, button, hint, error, errorText}
    acked: new Set(), // taken from this page: never shown again, even by a poll that raced the ack
    inflight: new Set(), // acks on their way
    loaded: false,
    lastOk: null,
    timer: 0,
    polling: false,
    seq: 0,
    needKey: false, // the server refused the key (or its absence): polling waits for the form
  };

  const showToast = toast(ui.toast, 8000);
  // The key form stays hidden until the server refuses the key (or its absence).
  const keyForm = apiKeyForm({
    panel: $('key-panel'),
    storageKey: API_KEY_STORAGE,
    inputId: 'agent-key',
    submitClass: 'key-submit',
    title: '需要坐席密钥',
    label: '坐席 API 密钥',
    hint: '请输入值班主管发放的坐席密钥;密钥只保存在本标签页',
    empty: '请输入坐席密钥',
    noScope: '此密钥无权查看转人工队列',
    onKey: () => {
      ui.statusText.textContent = '正在连接…';
      state.needKey = false;
      poll();
    },
  });

  // ---------- small helpers ----------

  const arr = (value) => (Array.isArray(value) ? value : []);
  const obj = (value) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});
  const label = (table, key) => (Object.prototype.hasOwnProperty.call(table, key) ? table[key] : str(key));

  function parseTime(value) {
    if (typeof value !== 'string') return NaN;
    // Chrono writes nanoseconds; keep milliseconds for Date.parse.
    return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  }

  const pad = (n) => String(n).padStart(2, '0');
  function clock(ms) {
    if (!Number.isFinite(ms)) return '';
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function waitText(createdMs, now) {
    if (!Number.isFinite(createdMs)) return '等待时间未知';
    const minutes = Math.floor(Math.max(0, now - createdMs) / 60000);
    if (minutes < 1) return '等待不足 1 分钟';
    if (minutes < 60) return `等待 ${minutes} 分钟`;
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return rest ? `等待 ${hours} 小时 ${rest} 分钟` : `等待 ${hours} 小时`;
  }

  function priorityOf(handoff) {
    return PRIORITIES.includes(handoff.priority) ? handoff.priority : 'normal';
  }

  function agentName() {
    return ui.name.value.trim();
  }

  // ---------- card ----------

  function buildCard(handoff) {
    const s = obj(handoff.summary);
    const id = str(handoff.id);
    const priority = priorityOf(handoff);
    const conversation = str(handoff.conversation_id || s.conversation_id);
    const n = ++state.seq;
    const titleId = `card-title-${n}`;
    const hintId = `ack-hint-${n}`;
    const createdMs = parseTime(handoff.created_at || s.created_at);

    // Intent titles come from the content (the summary carries them), never from this file.
    const primaryDemand = (Array.isArray(s.demands) ? s.demands : []).find(
      (d) => d && d.intent === s.primary_intent,
    );
    const title = s.primary_intent
      ? str((primaryDemand && primaryDemand.title) || s.primary_intent)
      : label(REASON_LABEL, handoff.reason);

    const wait = h('span', { class: 'wait', 'aria-live': 'off' });
    wait.dataset.created = String(createdMs);

    const head = h(
      'div',
      { class: 'card-head' },
      h('span', { class: `badge badge-${priority}`, text: PRIORITY_LABEL[priority] }),
      h('h4', { class: 'card-title', id: titleId, text: title }),
      wait,
    );

    const customer = obj(s.customer);
    const meta = h(
      'p',
      { class: 'meta' },
      h('span', { class: 'chip chip-reason', text: label(REASON_LABEL, handoff.reason) }),
      h('span', null, '渠道:', label(CHANNEL_LABEL, s.channel)),
      s.locale && s.locale !== 'zh-CN' ? h('span', null, '语言:', str(s.locale)) : null,
      customer.segment ? h('span', null, '客户:', label(SEGMENT_LABEL, customer.segment)) : null,
      customer.id ? h('span', null, '客户号:', h('code', { text: customer.id })) : null,
      h('span', null, '会话:', h('code', { text: conversation })),
      Number.isFinite(createdMs)
        ? h('span', null, '转入:', h('time', { datetime: handoff.created_at, text: clock(createdMs) }))
        : null,
    );

    const synopsis = h('p', { class: 'synopsis', text: s.synopsis || '(无摘要)' });

    const risk = obj(s.risk);
    const riskChips = RISKS.filter(([key]) => risk[key] === true).map(([, name]) =>
      h('span', { class: 'chip chip-risk', text: name }),
    );
    const risks = riskChips.length
      ? h('p', { class: 'risks' }, h('span', { class: 'risks-label', text: '风险提示:' }), riskChips)
      : null;

    const facts = h('dl', { class: 'facts' });
    const fact = (term, ...value) => facts.append(h('dt', { text: term }), h('dd', null, ...value));

    const demands = arr(s.demands);
    if (demands.length) {
      fact('客户诉求', demands.map(buildDemand));
    } else if (Object.keys(obj(s.slots)).length) {
      fact('已收集信息', buildSlots(obj(s.slots)));
    } else {
      fact('客户诉求', h('span', { class: 'none', text: '未识别' }));
    }

    const emotion = obj(s.emotion);
    if (emotion.current || emotion.peak) {
      const intensity = Number(emotion.peak_intensity);
      fact(
        '情绪',
        `当前 ${label(EMOTION_LABEL, emotion.current)} · 峰值 ${label(EMOTION_LABEL, emotion.peak)}`,
        Number.isFinite(intensity) && intensity > 0 ? `(强度 ${intensity.toFixed(2)})` : '',
      );
    }

    const expectations = arr(s.expectations);
    if (expectations.length) {
      fact('客户期望', expectations.map((e) => label(EXPECTATION_LABEL, e)).join('、'));
    }

    const commitments = arr(s.commitments);
    if (commitments.length) {
      fact(
        '已作承诺',
        h(
          'ul',
          null,
          commitments.map((c) => {
            const item = obj(c);
            return h(
              'li',
              null,
              str(item.what),
              item.by ? `(期限 ${str(item.by)})` : '',
              item.intent ? h('span', { class: 'mono none', text: ` ${str(item.intent)}` }) : null,
            );
          }),
        ),
      );
    }

    const steps = arr(s.suggested_next_steps);
    if (steps.length) {
      fact('建议下一步', h('ol', null, steps.map((step) => h('li', { text: step }))));
    }

    const transcript = arr(s.transcript);
    const details = h(
      'details',
      { class: 'transcript' },
      h('summary', { text: `对话记录(${transcript.length} 条,已脱敏)` }),
      h(
        'ol',
        null,
        transcript.map((line) => {
          const l = obj(line);
          const customerLine = l.role === 'customer';
          const at = parseTime(l.at);
          return h(
            'li',
            { class: `line ${customerLine ? 'line-customer' : 'line-bot'}` },
            h('span', {
              class: 'line-who',
              text: `${customerLine ? '客户' : '机器人'}${Number.isFinite(at) ? ` ${clock(at)}` : ''}`,
            }),
            h('span', { class: 'line-text', text: l.text }),
          );
        }),
      ),
    );

    const button = h('button', {
      type: 'button',
      class: 'ack',
      'aria-label': `接手 ${conversation}`,
      'aria-describedby': hintId,
      text: '接手',
    });
    const hint = h('span', { class: 'ack-hint', id: hintId, text: '请先在页面顶部填写坐席姓名/工号' });
    const error = h('p', { class: 'ack-error error-note', role: 'alert' });
    button.addEventListener('click', () => ack(id));

    const el = h(
      'article',
      { class: 'card', 'data-handoff-id': id, 'data-priority': priority, 'aria-labelledby': titleId },
      head,
      meta,
      synopsis,
      risks,
      facts,
      details,
      h('div', { class: 'actions' }, button, hint, error),
    );
    return { el, wait, button, hint, error, details };
  }

  function buildDemand(demand) {
    const d = obj(demand);
    const slots = obj(d.slots);
    return h(
      'div',
      { class: 'demand' },
      h(
        'div',
        { class: 'demand-head' },
        h('span', { class: 'demand-title', text: d.title || d.intent }),
        h('code', { class: 'demand-id', text: d.intent }),
        d.status
          ? h('span', { class: `chip status-${str(d.status).replace(/[^a-z_]/g, '')}`, text: label(DEMAND_STATUS_LABEL, d.status) })
          : null,
      ),
      Object.keys(slots).length ? buildSlots(slots) : null,
    );
  }

  function buildSlots(slots) {
    const dl = h('dl', { class: 'slots' });
    for (const [name, value] of Object.entries(slots)) {
      dl.append(h('dt', { text: label(SLOT_LABEL, name) }), h('dd', { text: value }));
    }
    return dl;
  }

  function makeEntry(handoff, sig, isNew) {
    const parts = buildCard(handoff);
    if (isNew) {
      parts.el.classList.add('is-new');
      parts.el.addEventListener('animationend', () => parts.el.classList.remove('is-new'), { once: true });
    }
    return { id: str(handoff.id), sig, handoff, errorText: '', ...parts };
  }

  function refreshAckControls(entry) {
    const empty = agentName() === '';
    const busy = state.inflight.has(entry.id);
    entry.button.disabled = empty || busy;
    const text = busy ? '接手中…' : '接手';
    if (entry.button.textContent !== text) entry.button.textContent = text;
    if (busy) entry.button.setAttribute('aria-busy', 'true');
    else entry.button.removeAttribute('aria-busy');
    entry.hint.hidden = !empty;
    if (entry.error.textContent !== entry.errorText) entry.error.textContent = entry.errorText;
  }

  function refreshAllAckControls() {
    const empty = agentName() === '';
    ui.nameField.classList.toggle('is-empty', empty);
    for (const entry of state.cards.values()) refreshAckControls(entry);
  }

  function tickWaits() {
    const now = Date.now();
    for (const entry of state.cards.values()) {
      const created = Number(entry.wait.dataset.created);
      const text = waitText(created, now);
      if (entry.wait.textContent !== text) entry.wait.textContent = text;
      entry.wait.classList.toggle('is-long', Number.isFinite(created) && now - created >= LONG_WAIT_MS);
    }
  }

  // ---------- rendering the list ----------

  function sortKey(handoff) {
    const created = parseTime(handoff.created_at);
    return Number.isFinite(created) ? created : Number.MAX_SAFE_INTEGER;
  }

  function render(handoffs) {
    const wanted = new Map();
    for (const handoff of handoffs) {
      if (!handoff || typeof handoff.id !== 'string' || handoff.id === '') continue;
      if (handoff.status && handoff.status !== 'pending') continue;
      if (state.acked.has(handoff.id)) continue;
      wanted.set(handoff.id, handoff);
    }

    // Gone from the queue (taken by someone, here or at another desk).
    for (const id of [...state.cards.keys()]) {
      if (!wanted.has(id) && !state.inflight.has(id)) removeCard(id);
    }

    const byPriority = { urgent: [], high: [], normal: [] };
    for (const handoff of wanted.values()) byPriority[priorityOf(handoff)].push(handoff);

    for (const priority of PRIORITIES) {
      const list = byPriority[priority];
      // Longest waiting first; ties by id so that the order is stable.
      list.sort((a, b) => sortKey(a) - sortKey(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const container = ui.groups[priority].cards;
      let previous = null;
      for (const handoff of list) {
        const sig = JSON.stringify(handoff);
        let entry = state.cards.get(handoff.id);
        if (!entry) {
          entry = makeEntry(handoff, sig, state.loaded);
          state.cards.set(handoff.id, entry);
          refreshAckControls(entry);
        } else if (entry.sig !== sig) {
          // Changed on the server: rebuild this card only, keeping what the agent opened.
          const open = entry.details.open;
          const fresh = makeEntry(handoff, sig, false);
          fresh.errorText = entry.errorText;
          fresh.details.open = open;
          entry.el.replaceWith(fresh.el);
          entry = fresh;
          state.cards.set(handoff.id, entry);
          refreshAckControls(entry);
        }
        // Move only what is out of place (moving a node would take the focus away).
        const want = previous ? previous.nextSibling : container.firstChild;
        if (entry.el !== want) container.insertBefore(entry.el, want);
        previous = entry.el;
      }
    }
    tickWaits();
    updateCounts();
  }

  /** Removes a card; `keepFocus`: its button had the focus before it was disabled. */
  function removeCard(id, keepFocus) {
    const entry = state.cards.get(id);
    if (!entry) return;
    const active = document.activeElement;
    const hadFocus =
      entry.el.contains(active) || (keepFocus === true && (!active || active === document.body));
    let next = null;
    if (hadFocus) {
      const all = [...ui.queue.querySelectorAll('article.card')];
      const index = all.indexOf(entry.el);
      next = all[index + 1] || all[index - 1] || null;
    }
    entry.el.remove();
    state.cards.delete(id);
    if (hadFocus) {
      const target = next && next.querySelector('button.ack:not(:disabled)');
      (target || ui.queue).focus();
    }
  }

  function updateCounts() {
    let total = 0;
    for (const priority of PRIORITIES) {
      const group = ui.groups[priority];
      const n = group.cards.children.length;
      total += n;
      group.section.hidden = n === 0;
      const text = `${n} 位`;
      if (group.count.textContent !== text) group.count.textContent = text;
    }
    ui.pendingNumber.textContent = state.loaded || total ? String(total) : '–';
    document.title = total ? `(${total}) Frontline 坐席工作台` : 'Frontline 坐席工作台';
    if (total === 0) {
      const text = state.loaded ? '暂无等待中的客户' : '正在加载…';
      if (ui.empty.textContent !== text) ui.empty.textContent = text;
      ui.empty.hidden = false;
    } else {
      ui.empty.hidden = true;
    }
  }

  // ---------- talking to the server ----------

  /** The API's JSON answer, with the desk key (see FrontlineConsole.request for the errors). */
  function api(url, options) {
    return request(url, { ...options, key: keyForm.key, timeoutMs: REQUEST_TIMEOUT_MS });
  }

  async function fetchPending() {
    const all = [];
    let url = LIST_URL;
    for (let i = 0; i < MAX_PAGES && url; i++) {
      const page = await api(url);
      if (!page || !Array.isArray(page.handoffs)) throw new Error('服务器返回的数据格式不正确');
      all.push(...page.handoffs);
      url = Number.isInteger(page.next_page) ? `${LIST_URL}&page=${page.next_page}` : null;
    }
    return all;
  }

  async function poll() {
    if (state.polling || state.needKey) return;
    clearTimeout(state.timer);
    state.polling = true;
    try {
      const handoffs = await fetchPending();
      if (state.needKey) return; // an ack was refused meanwhile: the key form is up
      state.loaded = true;
      state.lastOk = Date.now();
      if (keyForm.shown) hideKeyForm();
      render(handoffs);
      ui.queue.setAttribute('aria-busy', 'false');
      ui.banner.hidden = true;
      ui.liveStatus.classList.remove('is-error');
      ui.liveStatus.classList.add('is-ok');
      ui.statusText.textContent = `实时更新 · 最后刷新 ${clock(state.lastOk)}`;
    } catch (e) {
      if (e && e.auth) {
        requireKey(e.status);
        return;
      }
      // The key could not be tried (network, server busy): retrying goes on; the form stays usable.
      if (keyForm.shown) keyForm.resetSubmit();
      const when = clock(Date.now());
      ui.liveStatus.classList.remove('is-ok');
      ui.liveStatus.classList.add('is-error');
      ui.statusText.textContent = state.lastOk
        ? `刷新失败 ${when} · 上次成功 ${clock(state.lastOk)}`
        : `刷新失败 ${when}`;
      const kept = state.lastOk ? `下方仍显示 ${clock(state.lastOk)} 的列表,` : '';
      const text = `${e && e.message ? e.message : '未知错误'}。${kept}系统会自动重试。`;
      if (ui.bannerText.textContent !== text) ui.bannerText.textContent = text;
      ui.banner.hidden = false;
      if (!state.loaded) {
        ui.empty.textContent = '暂时无法加载等待列表';
        ui.queue.setAttribute('aria-busy', 'false');
      }
    } finally {
      state.polling = false;
      if (!state.needKey) state.timer = setTimeout(poll, POLL_MS);
    }
  }

  function ackErrorText(e) {
    if (e && e.auth) return '接手失败:坐席密钥无效或无权限,请重新输入密钥。';
    if (e && e.status === 404) return '接手失败:该转接不存在或已撤回,请刷新后重试。';
    if (e && e.status === 400) return '接手失败:坐席姓名/工号无效(需 1–100 个字符)。';
    return `接手失败:${e && e.message ? e.message : '未知错误'}。请重试。`;
  }

  async function ack(id) {
    const entry = state.cards.get(id);
    if (!entry || state.inflight.has(id)) return;
    const agent = agentName();
    if (!agent) {
      refreshAckControls(entry);
      ui.name.focus();
      return;
    }
    const conversation = str(entry.handoff.conversation_id);
    const hadFocus = entry.el.contains(document.activeElement);
    state.inflight.add(id);
    entry.errorText = '';
    refreshAckControls(entry);
    try {
      const view = await api(`/v1/handoffs/${encodeURIComponent(id)}/ack`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ agent }),
      });
      state.inflight.delete(id);
      state.acked.add(id);
      removeCard(id, hadFocus);
      updateCounts();
      const by = view && typeof view.acked_by === 'string' ? view.acked_by : agent;
      showToast(
        by === agent
          ? `已接手会话 ${conversation},请尽快联系客户。`
          : `会话 ${conversation} 已由 ${by} 先行接手。`,
      );
    } catch (e) {
      state.inflight.delete(id);
      if (e && e.auth) {
        requireKey(e.status);
        return;
      }
      const current = state.cards.get(id);
      if (current) {
        current.errorText = ackErrorText(e);
        refreshAckControls(current);
        const active = document.activeElement;
        if (hadFocus && (!active || active === document.body) && !current.button.disabled) current.button.focus();
      }
    }
  }

  // ---------- API key (only when the service requires keys) ----------

  /** The server refused the key (401) or its scope (403): stop polling, hide the queue, ask for a key. */
  function requireKey(status) {
    state.needKey = true;
    clearTimeout(state.timer);
    // Customer data stays hidden until a valid key is given.
    for (const id of [...state.cards.keys()]) removeCard(id);
    state.inflight.clear();
    state.loaded = false;
    state.lastOk = null;
    updateCounts();
    ui.queue.hidden = true;
    ui.banner.hidden = true;
    ui.liveStatus.classList.remove('is-ok');
    ui.liveStatus.classList.add('is-error');
    ui.statusText.textContent = '需要坐席密钥';
    keyForm.ask(keyForm.refusal(status));
  }

  function hideKeyForm() {
    const hadFocus = keyForm.hide();
    ui.queue.hidden = false;
    if (hadFocus || !document.activeElement || document.activeElement === document.body) {
      (agentName() === '' ? ui.name : ui.queue).focus();
    }
    showToast('已连接,正在显示等待列表。');
  }

  // ---------- agent name ----------

  function loadName() {
    try {
      const saved = window.localStorage.getItem(NAME_KEY);
      if (saved) ui.name.value = saved;
    } catch (_) {
      /* storage blocked: the agent types the name each time */
    }
  }

  function saveName() {
    try {
      const value = agentName();
      if (value) window.localStorage.setItem(NAME_KEY, value);
      else window.localStorage.removeItem(NAME_KEY);
    } catch (_) {
      /* ignore */
    }
  }

  ui.name.addEventListener('input', () => {
    saveName();
    refreshAllAckControls();
  });

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !state.polling) poll();
  });

  loadName();
  refreshAllAckControls();
  updateCounts();
  setInterval(tickWaits, 1000);
  poll();
})();
