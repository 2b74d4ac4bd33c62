// Frontline 坐席工作台: polls the pending handoffs and lets an agent take one.
//
// What it shares with the analytics page (the key form, requests, building elements,
// the toast) is in /console/common.js, loaded first.
//
// Every string that comes from the server is put into the page with textContent,
// createElement or setAttribute on a fixed attribute name, never as markup.
'use strict';

(() => {
  const { $, str, h, toast, request, apiKeyForm, whyView } = window.FrontlineConsole;
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
    inflight: new Set(), // acks and claims on their way
    claiming: new Set(), // of which claims
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

    const { synopsis, risks, facts } = buildBrief(s);

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

    // A chat (web, app) can be joined: 接入 opens it here. 接手 only records who follows the
    // case up elsewhere (a call back, the phone transfer of an IVR call).
    const canChat = s.channel !== 'ivr';
    const claimButton = canChat
      ? h('button', {
          type: 'button',
          class: 'claim',
          'aria-label': `接入 ${conversation}`,
          'aria-describedby': hintId,
          text: '接入',
        })
      : null;
    const button = h('button', {
      type: 'button',
      class: canChat ? 'ack ack-secondary' : 'ack',
      'aria-label': `接手 ${conversation}`,
      'aria-describedby': hintId,
      title: canChat ? '不在此对话中回复,只记录由您在其他渠道跟进' : null,
      text: '接手',
    });
    const hint = h('span', { class: 'ack-hint', id: hintId, text: '请先在页面顶部填写坐席姓名/工号' });
    const error = h('p', { class: 'ack-error error-note', role: 'alert' });
    button.addEventListener('click', () => ack(id));
    if (claimButton) claimButton.addEventListener('click', () => claim(id));

    const why = whyView(conversation, (path) => api(path, {}));
    const el = h(
      'article',
      { class: 'card', 'data-handoff-id': id, 'data-priority': priority, 'aria-labelledby': titleId },
      head,
      meta,
      synopsis,
      risks,
      facts,
      details,
      why,
      h('div', { class: 'actions' }, claimButton, button, hint, error),
    );
    return { el, wait, button, claimButton, hint, error, details };
  }

  /** The case brief from a handoff's summary: synopsis, risk flags and the facts (demands with
   *  their status and slots, emotion, expectations, commitments, next steps). */
  function buildBrief(s) {
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

    return { synopsis, risks, facts };
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
    const claiming = state.claiming.has(entry.id);
    entry.button.disabled = empty || busy;
    const text = busy && !claiming ? '接手中…' : '接手';
    if (entry.button.textContent !== text) entry.button.textContent = text;
    if (busy) entry.button.setAttribute('aria-busy', 'true');
    else entry.button.removeAttribute('aria-busy');
    if (entry.claimButton) {
      entry.claimButton.disabled = empty || busy;
      const claimText = claiming ? '接入中…' : '接入';
      if (entry.claimButton.textContent !== claimText) entry.claimButton.textContent = claimText;
    }
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

  // ---------- live chat: claiming a conversation and talking in it ----------

  const AGENT_ID_KEY = 'frontline.agent.id';
  const CHATS_KEY = 'frontline.agent.chats'; // the open chats of this tab (sessionStorage)
  const MAX_AGENT_NAME = 40;
  const MAX_REPLY = 2000;
  const TYPING_EVERY_MS = 2000;
  const STREAM_SILENCE_MS = 45000; // the server sends `: ping` every 15 s
  const STEP_LABEL = { soothe: '安抚', restate: '复述确认', guide: '按规指引', commit: '承诺时限' };
  const OUTCOME_LABEL = { resolved: '已解决', back_to_bot: '已交回机器人' };

  const chats = new Map(); // handoff id -> chat
  let chatSeq = 0;
  let selectedChat = null;

  ui.main = ui.queue.closest('main');
  ui.chats = $('chats');
  ui.tabs = $('chat-tabs');
  ui.panes = $('chat-panes');

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function randomHex(bytes) {
    const a = new Uint8Array(bytes);
    window.crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** This browser's agent id: made once, kept in localStorage (the server checks ownership by it). */
  const agentId = (() => {
    let id = '';
    try {
      id = window.localStorage.getItem(AGENT_ID_KEY) || '';
    } catch (_) {
      /* storage blocked */
    }
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
      id = `desk-${randomHex(8)}`;
      try {
        window.localStorage.setItem(AGENT_ID_KEY, id);
      } catch (_) {
        /* this page only */
      }
    }
    return id;
  })();

  function me() {
    return { id: agentId, name: agentName() };
  }

  function saveChats() {
    const open = [...chats.values()].map((c) => ({ handoff: c.handoff, conversation: c.conversation }));
    try {
      window.sessionStorage.setItem(CHATS_KEY, JSON.stringify(open));
    } catch (_) {
      /* ignore */
    }
  }

  function savedChats() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(CHATS_KEY) || '[]');
      return Array.isArray(saved) ? saved.filter((c) => c && c.handoff && typeof c.handoff.id === 'string') : [];
    } catch (_) {
      return [];
    }
  }

  function claimErrorText(e) {
    if (e && e.status === 409 && e.code === 'claimed') {
      const who = obj(obj(e.detail).agent).name;
      return `接入失败:${who ? `${str(who)} 已接入该会话` : e.serverMessage || '已有坐席接入该会话'}。`;
    }
    if (e && e.status === 409) return `接入失败:${e.serverMessage || '该会话已不在等待中'}。`;
    return ackErrorText(e).replace('接手失败', '接入失败');
  }

  async function claim(id) {
    const entry = state.cards.get(id);
    if (!entry || state.inflight.has(id)) return;
    const name = agentName();
    if (!name) {
      refreshAckControls(entry);
      ui.name.focus();
      return;
    }
    if ([...name].length > MAX_AGENT_NAME) {
      entry.errorText = `接入失败:坐席姓名/工号最多 ${MAX_AGENT_NAME} 个字符。`;
      refreshAckControls(entry);
      return;
    }
    state.inflight.add(id);
    state.claiming.add(id);
    entry.errorText = '';
    refreshAckControls(entry);
    try {
      const view = await api(`/v1/handoffs/${encodeURIComponent(id)}/claim`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ agent: me() }),
      });
      state.inflight.delete(id);
      state.claiming.delete(id);
      state.acked.add(id);
      removeCard(id);
      updateCounts();
      const chat = openChat(entry.handoff, str(obj(view).conversation_id) || str(entry.handoff.conversation_id));
      selectChat(chat, true);
      showToast(`已接入会话 ${chat.conversation}。`);
    } catch (e) {
      state.inflight.delete(id);
      state.claiming.delete(id);
      if (e && e.auth) {
        requireKey(e.status);
        return;
      }
      const current = state.cards.get(id);
      if (current) {
        current.errorText = claimErrorText(e);
        refreshAckControls(current);
      }
    }
  }

  // ----- a chat: tab, pane, brief, transcript, reply box -----

  function openChat(handoff, conversation) {
    const id = str(handoff.id);
    const existing = chats.get(id);
    if (existing) return existing;
    const n = ++chatSeq;
    const s = obj(handoff.summary);
    const primary = arr(s.demands).find((d) => d && d.intent === s.primary_intent);
    const title = s.primary_intent ? str((primary && primary.title) || s.primary_intent) : label(REASON_LABEL, handoff.reason);

    const chat = {
      id,
      n,
      handoff,
      conversation,
      summary: s,
      title,
      seen: new Set(), // event ids shown
      lastId: 0,
      pending: [], // own messages on their way: {item, text}
      unread: 0,
      ended: false,
      disposed: false,
      stopped: false,
      controller: null,
      lastTypingAt: 0,
      typingTimer: 0,
      createdMs: parseTime(handoff.created_at || s.created_at),
    };

    // The tab.
    chat.unreadBadge = h('span', { class: 'tab-unread', hidden: true });
    chat.tabState = h('span', { class: 'tab-state', text: '' });
    chat.tab = h(
      'button',
      {
        type: 'button',
        role: 'tab',
        class: 'chat-tab',
        id: `chat-tab-${n}`,
        'aria-controls': `chat-pane-${n}`,
        'aria-selected': 'false',
        tabindex: '-1',
        'data-handoff-id': id,
      },
      h('span', { class: 'tab-title', text: title }),
      h('span', { class: 'tab-conv mono', text: conversation }),
      chat.tabState,
      chat.unreadBadge,
    );
    chat.tab.addEventListener('click', () => selectChat(chat, false));
    chat.tab.addEventListener('keydown', (event) => {
      const all = [...chats.values()];
      const i = all.indexOf(chat);
      let next = null;
      if (event.key === 'ArrowRight') next = all[(i + 1) % all.length];
      else if (event.key === 'ArrowLeft') next = all[(i - 1 + all.length) % all.length];
      if (next) {
        event.preventDefault();
        selectChat(next, false);
        next.tab.focus();
      }
    });
    chat.closeTab = h('button', {
      type: 'button',
      class: 'tab-close',
      'aria-label': `关闭 ${conversation} 的标签`,
      title: '会话结束后可关闭标签',
      text: '×',
      disabled: true,
    });
    chat.closeTab.addEventListener('click', () => closeChat(chat));
    chat.tabWrap = h('div', { class: 'chat-tab-wrap' }, chat.tab, chat.closeTab);

    // The case brief, beside the conversation.
    const { synopsis, risks, facts } = buildBrief(s);
    const customer = obj(s.customer);
    const brief = h(
      'aside',
      { class: 'brief', 'aria-label': '案件摘要' },
      h('h3', { class: 'brief-title', text: '案件摘要' }),
      h(
        'p',
        { class: 'meta' },
        h('span', { class: `badge badge-${priorityOf(handoff)}`, text: PRIORITY_LABEL[priorityOf(handoff)] }),
        h('span', { class: 'chip chip-reason', text: label(REASON_LABEL, handoff.reason) }),
        h('span', null, '渠道:', label(CHANNEL_LABEL, s.channel)),
        customer.segment ? h('span', null, '客户:', label(SEGMENT_LABEL, customer.segment)) : null,
      ),
      synopsis,
      risks,
      facts,
    );

    // The conversation.
    chat.log = h('ol', { class: 'chat-log', 'aria-label': '对话记录(已脱敏)' });
    chat.logWrap = h('div', { class: 'chat-log-wrap', role: 'log', 'aria-live': 'polite', tabindex: '0' }, chat.log);
    chat.typing = h('p', { class: 'chat-typing', 'aria-live': 'polite' });
    chat.suggestions = h('div', { class: 'suggestions', role: 'group', 'aria-label': '建议回复' });
    chat.suggestionsBox = h(
      'div',
      { class: 'suggestions-box', hidden: true },
      h('p', { class: 'suggestions-title', text: '建议回复(点击插入,可修改后发送)' }),
      chat.suggestions,
    );
    const inputId = `chat-input-${n}`;
    chat.input = h('textarea', {
      id: inputId,
      class: 'chat-input',
      rows: '3',
      maxlength: String(MAX_REPLY),
      placeholder: '输入回复,Enter 发送,Shift+Enter 换行',
      'aria-describedby': `chat-hint-${n}`,
    });
    chat.send = h('button', { type: 'submit', class: 'chat-send', text: '发送' });
    chat.composerError = h('p', { class: 'chat-error error-note', role: 'alert' });
    chat.form = h(
      'form',
      { class: 'chat-composer', novalidate: true },
      h('label', { class: 'visually-hidden', for: inputId, text: '回复客户' }),
      chat.input,
      h('div', { class: 'composer-side' }, chat.send, h('span', { class: 'composer-hint', id: `chat-hint-${n}`, text: 'Enter 发送 · Shift+Enter 换行' })),
      chat.composerError,
    );
    chat.form.addEventListener('submit', (event) => {
      event.preventDefault();
      sendReply(chat);
    });
    chat.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        sendReply(chat);
      }
    });
    chat.input.addEventListener('input', () => typingSignal(chat));

    chat.resolveButton = h('button', { type: 'button', class: 'release release-resolved', text: '结束会话(已解决)' });
    chat.backButton = h('button', { type: 'button', class: 'release release-back', text: '交回机器人' });
    chat.resolveButton.addEventListener('click', () => release(chat, 'resolved'));
    chat.backButton.addEventListener('click', () => release(chat, 'back_to_bot'));
    chat.status = h('p', { class: 'chat-status', role: 'status' });
    chat.link = h('span', { class: 'chat-link', text: '正在连接…' });

    const conversationPart = h(
      'section',
      { class: 'chat-conversation', 'aria-label': '对话' },
      chat.logWrap,
      chat.typing,
      chat.suggestionsBox,
      chat.form,
    );
    chat.pane = h(
      'section',
      {
        class: 'chat-pane',
        role: 'tabpanel',
        id: `chat-pane-${n}`,
        'aria-labelledby': `chat-tab-${n}`,
        'data-handoff-id': id,
        'data-conversation-id': conversation,
        hidden: true,
      },
      h(
        'header',
        { class: 'chat-head' },
        h(
          'div',
          { class: 'chat-head-text' },
          h('h2', { class: 'chat-title', text: title }),
          h('p', { class: 'chat-sub' }, '会话 ', h('code', { text: conversation }), ' · ', chat.link),
        ),
        h('div', { class: 'chat-actions' }, chat.resolveButton, chat.backButton),
        chat.status,
      ),
      h('div', { class: 'chat-body' }, brief, conversationPart),
    );

    // The transcript up to the handoff, from the summary (masked).
    for (const line of arr(s.transcript)) {
      const l = obj(line);
      addLine(chat, { role: l.role === 'customer' ? 'customer' : 'bot', text: l.text, at: l.at });
    }
    chat.summaryBotLines = arr(s.transcript)
      .filter((l) => obj(l).role === 'bot')
      .map((l) => ({ text: str(l.text), at: parseTime(l.at) }));

    ui.tabs.append(chat.tabWrap);
    ui.panes.append(chat.pane);
    chats.set(id, chat);
    saveChats();
    updateChatsLayout();
    runStream(chat);
    loadSuggestions(chat);
    return chat;
  }

  function updateChatsLayout() {
    const any = chats.size > 0;
    ui.chats.hidden = !any;
    ui.main.classList.toggle('has-chats', any);
  }

  function selectChat(chat, focusInput) {
    selectedChat = chat;
    for (const other of chats.values()) {
      const on = other === chat;
      other.tab.setAttribute('aria-selected', String(on));
      other.tab.setAttribute('tabindex', on ? '0' : '-1');
      other.tab.classList.toggle('is-selected', on);
      other.pane.hidden = !on;
    }
    markRead(chat);
    scrollLog(chat);
    if (focusInput && !chat.ended) chat.input.focus();
  }

  function closeChat(chat) {
    chat.disposed = true;
    if (chat.controller) chat.controller.abort();
    chat.tabWrap.remove();
    chat.pane.remove();
    chats.delete(chat.id);
    saveChats();
    updateChatsLayout();
    if (selectedChat === chat) {
      selectedChat = null;
      const next = [...chats.values()][0];
      if (next) selectChat(next, false);
      else ui.queue.focus();
    }
  }

  function markRead(chat) {
    chat.unread = 0;
    chat.unreadBadge.hidden = true;
    chat.unreadBadge.textContent = '';
    chat.tab.classList.remove('has-unread');
  }

  function markUnread(chat) {
    if (selectedChat === chat && document.visibilityState === 'visible') return;
    chat.unread += 1;
    chat.unreadBadge.hidden = false;
    chat.unreadBadge.textContent = `${chat.unread} 条新消息`;
    chat.tab.classList.add('has-unread');
  }

  function scrollLog(chat) {
    chat.logWrap.scrollTop = chat.logWrap.scrollHeight;
  }

  const WHO = { customer: '客户', bot: '机器人' };

  /** A line of the conversation; `understanding` for a customer's message, `name` for an agent's. */
  function addLine(chat, { role, text, at, name, understanding, eventId, mine }) {
    const t = parseTime(at);
    const who = role === 'agent' ? `${str(name) || '坐席'}${mine ? '(我)' : ''}` : WHO[role] || str(role);
    const item = h(
      'li',
      { class: `line line-${role}${mine ? ' line-mine' : ''}`, 'data-event-id': eventId ? String(eventId) : null },
      h('span', { class: 'line-who', text: `${who}${Number.isFinite(t) ? ` ${clock(t)}` : ''}` }),
      h('span', { class: 'line-text', text }),
      understanding || null,
    );
    chat.log.append(item);
    scrollLog(chat);
    return item;
  }

  function addSystemLine(chat, text, extraClass) {
    const item = h('li', { class: `line line-system ${extraClass || ''}`.trim(), text });
    chat.log.append(item);
    scrollLog(chat);
    return item;
  }

  /** What the bot understood of a customer's message, for the agent. */
  function understandingOf(data) {
    const parts = [];
    const intent = obj(data.intent);
    if (intent.id) {
      const c = Number(intent.confidence);
      parts.push(h('span', { class: 'tag', text: `意图 ${str(intent.id)}${Number.isFinite(c) ? ` ${c.toFixed(2)}` : ''}` }));
    }
    const emotion = obj(data.emotion);
    if (emotion.label && emotion.label !== 'neutral') {
      const k = Number(emotion.intensity);
      parts.push(
        h('span', { class: 'tag', text: `情绪 ${label(EMOTION_LABEL, emotion.label)}${Number.isFinite(k) ? ` ${k.toFixed(2)}` : ''}` }),
      );
    }
    const risk = obj(data.risk);
    const flags = RISKS.filter(([key]) => risk[key] === true).map(([, name]) => name);
    if (flags.length) parts.push(h('span', { class: 'tag tag-risk', text: `风险 ${flags.join('、')}` }));
    return parts.length ? h('span', { class: 'line-tags' }, parts) : null;
  }

  function setEnded(chat, text) {
    chat.ended = true;
    chat.input.disabled = true;
    chat.send.disabled = true;
    chat.resolveButton.disabled = true;
    chat.backButton.disabled = true;
    chat.closeTab.disabled = false;
    chat.tabState.textContent = text;
    chat.tab.classList.add('is-ended');
    chat.status.textContent = `会话${text}`;
    chat.typing.textContent = '';
    chat.suggestionsBox.hidden = true;
  }

  // ----- the desk stream: fetch, so that the key goes in the Authorization header -----

  function handleEvent(chat, kind, data, id) {
    const agent = obj(data.agent);
    const mine = str(agent.id) === agentId;
    switch (kind) {
      case 'customer_message':
        chat.typing.textContent = '';
        addLine(chat, { role: 'customer', text: str(data.text), at: data.at, understanding: understandingOf(data), eventId: id });
        markUnread(chat);
        break;
      case 'bot_reply': {
        // The handoff turn's reply is in the summary's transcript already.
        const t = parseTime(data.at);
        const inSummary = chat.summaryBotLines.some(
          (l) => l.text === str(data.text) && (!Number.isFinite(t) || !Number.isFinite(l.at) || Math.abs(l.at - t) < 5000),
        );
        if (!inSummary) addLine(chat, { role: 'bot', text: str(data.text), at: data.at, eventId: id });
        break;
      }
      case 'agent_joined':
        addSystemLine(chat, `${str(agent.name) || '坐席'}${mine ? '(我)' : ''} 已接入`);
        break;
      case 'agent_message': {
        if (mine) {
          const pending = chat.pending.findIndex((p) => p.text === str(data.text));
          if (pending >= 0) {
            const [{ item }] = chat.pending.splice(pending, 1);
            item.setAttribute('data-event-id', String(id));
            item.classList.remove('is-sending');
            break;
          }
        }
        addLine(chat, { role: 'agent', text: str(data.text), at: data.at, name: agent.name, eventId: id, mine });
        break;
      }
      case 'agent_typing':
        // Typing replayed from the stream's history is long over.
        if (!mine && !(Date.now() - parseTime(data.at) > 10000)) {
          chat.typing.textContent = `${str(agent.name) || '坐席'} 正在输入…`;
          clearTimeout(chat.typingTimer);
          chat.typingTimer = setTimeout(() => {
            chat.typing.textContent = '';
          }, 4000);
        }
        break;
      case 'agent_left':
        addSystemLine(chat, `${str(agent.name) || '坐席'}${mine ? '(我)' : ''} 已离开:${label(OUTCOME_LABEL, data.outcome)}`);
        break;
      case 'state':
        if (data.state === 'closed') {
          if (!chat.ended) setEnded(chat, '已结束');
          if (data.ask_rating === true) addSystemLine(chat, '已邀请客户评价', 'line-note');
        } else if (data.state === 'active') {
          if (!chat.ended) setEnded(chat, '已交回机器人');
        } else if (data.state === 'with_agent' && !chat.ended) {
          chat.tabState.textContent = '';
        }
        break;
      case 'rating': {
        const score = Number(data.score);
        const stars = Number.isInteger(score) && score >= 1 && score <= 5 ? '★'.repeat(score) + '☆'.repeat(5 - score) : '';
        const comment = str(data.comment).trim();
        addSystemLine(chat, `客户评价:${stars} ${str(data.score)} 分${comment ? ` · ${comment}` : ''}`, 'line-rating');
        markUnread(chat);
        break;
      }
      default:
        break;
    }
  }

  function dispatch(chat, event) {
    if (!event.data.length) return;
    const id = Number(event.id);
    if (Number.isSafeInteger(id) && id > 0) {
      if (chat.seen.has(id)) return;
      chat.seen.add(id);
      if (id > chat.lastId) chat.lastId = id;
    }
    let data = null;
    try {
      data = JSON.parse(event.data.join('\n'));
    } catch (_) {
      return;
    }
    handleEvent(chat, event.event || 'message', obj(data), id);
  }

  /** Reads the desk stream for as long as the chat is open, reconnecting with Last-Event-ID. */
  async function runStream(chat) {
    let delay = 1000;
    const url = `/v1/handoffs/${encodeURIComponent(chat.id)}/events`;
    while (!chat.disposed && !chat.stopped) {
      const controller = new AbortController();
      chat.controller = controller;
      let watchdog = 0;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), STREAM_SILENCE_MS);
      };
      try {
        const headers = { Accept: 'text/event-stream' };
        if (keyForm.key) headers.Authorization = `Bearer ${keyForm.key}`;
        if (chat.lastId) headers['Last-Event-ID'] = String(chat.lastId);
        arm();
        const response = await fetch(url, { headers, cache: 'no-store', credentials: 'same-origin', signal: controller.signal });
        if (response.status === 401 || response.status === 403) {
          chat.stopped = true;
          chat.link.textContent = '需要坐席密钥';
          requireKey(response.status);
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        chat.link.textContent = '实时连接中';
        chat.link.classList.remove('is-error');
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        let event = { id: '', event: '', data: [] };
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          arm();
          buffer += value;
          let newline;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            let line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line.endsWith('\r')) line = line.slice(0, -1);
            if (line === '') {
              dispatch(chat, event);
              event = { id: '', event: '', data: [] };
              continue;
            }
            if (line.startsWith(':')) continue; // keep-alive
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            let v = colon < 0 ? '' : line.slice(colon + 1);
            if (v.startsWith(' ')) v = v.slice(1);
            if (field === 'event') event.event = v;
            else if (field === 'data') event.data.push(v);
            else if (field === 'id' && !v.includes('\0')) event.id = v;
          }
        }
      } catch (_) {
        /* dropped, refused or silent for too long: connect again below */
      } finally {
        clearTimeout(watchdog);
      }
      if (chat.disposed || chat.stopped) return;
      chat.link.textContent = '连接中断,正在重连…';
      chat.link.classList.add('is-error');
      await sleep(delay);
      delay = Math.min(delay * 2, 15000);
    }
  }

  // ----- suggested replies -----

  async function loadSuggestions(chat) {
    try {
      const body = await api(`/v1/handoffs/${encodeURIComponent(chat.id)}/suggestions`, { method: 'GET' });
      const list = arr(obj(body).suggestions).filter((x) => x && typeof x.text === 'string' && x.text.trim());
      chat.suggestions.replaceChildren(
        ...list.map((x) => {
          const step = label(STEP_LABEL, x.step);
          const chip = h(
            'button',
            { type: 'button', class: 'suggestion', 'data-step': str(x.step), title: x.text },
            h('span', { class: 'suggestion-step', text: step }),
            h('span', { class: 'suggestion-text', text: x.text }),
          );
          chip.addEventListener('click', () => insertText(chat, x.text));
          return chip;
        }),
      );
      chat.suggestionsBox.hidden = list.length === 0 || chat.ended;
    } catch (e) {
      if (e && e.auth) return; // the stream asks for the key
      chat.suggestionsBox.hidden = true;
    }
  }

  /** Puts `text` into the reply box at the cursor, for the agent to edit before sending. */
  function insertText(chat, text) {
    if (chat.ended) return;
    const input = chat.input;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    const caret = start + text.length;
    input.focus();
    input.setSelectionRange(caret, caret);
    typingSignal(chat);
  }

  // ----- replying -----

  function typingSignal(chat) {
    const now = Date.now();
    if (chat.ended || !chat.input.value.trim() || now - chat.lastTypingAt < TYPING_EVERY_MS) return;
    chat.lastTypingAt = now;
    api(`/v1/conversations/${encodeURIComponent(chat.conversation)}/agent-typing`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ agent_id: agentId }),
      read: () => null,
    }).catch(() => {
      /* only a hint for the customer */
    });
  }

  function sendReply(chat) {
    const text = chat.input.value.trim();
    if (!text || chat.ended) return;
    chat.input.value = '';
    chat.composerError.textContent = '';
    const item = addLine(chat, { role: 'agent', text, at: new Date().toISOString(), name: agentName(), mine: true });
    item.classList.add('is-sending');
    chat.pending.push({ item, text });
    postReply(chat, item, text, `a-${randomHex(16)}`);
  }

  async function postReply(chat, item, text, key) {
    item.classList.remove('is-failed');
    const old = item.querySelector('.line-retry');
    if (old) old.remove();
    try {
      const body = obj(
        await api(`/v1/conversations/${encodeURIComponent(chat.conversation)}/agent-messages`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
          body: JSON.stringify({ text, agent_id: agentId }),
        }),
      );
      const id = Number(body.event_id);
      const index = chat.pending.findIndex((p) => p.item === item);
      if (index >= 0) chat.pending.splice(index, 1);
      item.classList.remove('is-sending');
      if (Number.isSafeInteger(id) && id > 0) {
        if (chat.seen.has(id) && item.getAttribute('data-event-id') !== String(id)) {
          item.remove(); // the stream showed it first
          return;
        }
        chat.seen.add(id);
        item.setAttribute('data-event-id', String(id));
      }
      // As stored: masked.
      if (typeof body.text === 'string') item.querySelector('.line-text').textContent = body.text;
    } catch (e) {
      if (e && e.auth) {
        requireKey(e.status);
      }
      item.classList.remove('is-sending');
      item.classList.add('is-failed');
      const why = e && e.status === 409 ? '发送失败:您已不是该会话的处理人' : `发送失败:${e && e.message ? e.message : '未知错误'}`;
      const retry = h('button', { type: 'button', class: 'line-retry', text: '重试' });
      retry.addEventListener('click', () => postReply(chat, item, text, key));
      item.append(h('span', { class: 'line-failed', text: why }), retry);
    }
  }

  async function release(chat, outcome) {
    if (chat.ended) return;
    chat.resolveButton.disabled = true;
    chat.backButton.disabled = true;
    chat.status.textContent = outcome === 'resolved' ? '正在结束会话…' : '正在交回机器人…';
    try {
      await api(`/v1/handoffs/${encodeURIComponent(chat.id)}/release`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ outcome, agent_id: agentId }),
      });
      setEnded(chat, outcome === 'resolved' ? '已结束(已解决)' : '已交回机器人');
    } catch (e) {
      if (e && e.auth) requireKey(e.status);
      chat.resolveButton.disabled = false;
      chat.backButton.disabled = false;
      chat.status.textContent =
        e && e.code === 'not_owner' ? '操作失败:您已不是该会话的处理人' : `操作失败:${e && e.message ? e.message : '未知错误'}`;
    }
  }

  /** The chats this tab had open before a reload: their streams bring everything back. */
  function restoreChats() {
    for (const saved of savedChats()) openChat(saved.handoff, str(saved.conversation || saved.handoff.conversation_id));
    const first = [...chats.values()][0];
    if (first) selectChat(first, false);
  }

  /** After a key was asked for and accepted again: the chats stopped by the refusal go on. */
  function resumeChats() {
    for (const chat of chats.values()) {
      if (chat.stopped && !chat.disposed) {
        chat.stopped = false;
        runStream(chat);
      }
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && selectedChat) markRead(selectedChat);
  });

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
    ui.chats.hidden = true;
    for (const chat of chats.values()) chat.stopped = true;
    ui.banner.hidden = true;
    ui.liveStatus.classList.remove('is-ok');
    ui.liveStatus.classList.add('is-error');
    ui.statusText.textContent = '需要坐席密钥';
    keyForm.ask(keyForm.refusal(status));
  }

  function hideKeyForm() {
    const hadFocus = keyForm.hide();
    ui.queue.hidden = false;
    updateChatsLayout();
    resumeChats();
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

  // ---------- overdue promises: a queue of their own ----------

  // Promises the bank made whose due time passed unfulfilled (GET /v1/commitments?status=overdue).
  const OVERDUE_URL = '/v1/commitments?status=overdue&per_page=200';
  const overdueUi = { section: $('overdue'), list: $('overdue-list'), count: $('overdue-count') };

  function renderOverdue(commitments) {
    overdueUi.list.replaceChildren(
      ...commitments.map((c) => {
        const done = h('button', { type: 'button', class: 'key-submit', text: '已兑现' });
        done.addEventListener('click', async () => {
          done.disabled = true;
          try {
            await api(`/v1/commitments/${encodeURIComponent(str(c.id))}/fulfil`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ by: agentName() || 'agent' }),
            });
            showToast(`已记录兑现:会话 ${str(c.conversation_id)}`);
            pollOverdue();
          } catch (e) {
            done.disabled = false;
            showToast(`记录失败:${e && e.message ? e.message : '未知错误'}`);
          }
        });
        return h(
          'li',
          { class: 'overdue-item' },
          h('span', { class: 'badge badge-high', text: `应于 ${str(c.due_by)} 前` }),
          ' ',
          h('span', { class: 'mono', text: str(c.conversation_id) }),
          ' ',
          h('span', { text: str(c.text) }),
          ' ',
          done,
        );
      }),
    );
    overdueUi.count.textContent = commitments.length ? String(commitments.length) : '';
    overdueUi.section.hidden = commitments.length === 0;
  }

  async function pollOverdue() {
    if (state.needKey) return;
    try {
      const page = await api(OVERDUE_URL);
      renderOverdue(arr(page && page.commitments));
    } catch (_) {
      /* the pending queue's banner reports the server's state */
    }
  }

  loadName();
  refreshAllAckControls();
  updateCounts();
  restoreChats();
  setInterval(tickWaits, 1000);
  setInterval(pollOverdue, POLL_MS * 5);
  poll();
  pollOverdue();
})();
