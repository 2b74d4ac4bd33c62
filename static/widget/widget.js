// Frontline 网页客服挂件 (web chat widget).
//
// A bank adds it with one tag:
//   <script src="https://bot.example/widget.js" data-frontline-url="https://bot.example"
//           data-locale="zh-CN" data-title="在线客服" data-color="#c8102e" defer></script>
// and, when the service requires API keys, data-api-key="<the widget's public key>".
//
// No framework, no build step, no external resources: it loads widget.css from the same base
// and talks to the Frontline API there. Each message carries a random Idempotency-Key, the
// same on its retries, so a message the server already took is never taken twice. The
// conversation id, its token and the last reply's quick replies are kept in localStorage
// for reloads.
//
// After a handoff a person takes over in the same chat: the widget opens the
// conversation's event stream (EventSource, `?token=` and `?key=` since it cannot send
// headers) and shows the agent joining, their messages, their typing, the end of the chat
// and a rating prompt. Every event has an id; the ids already shown are remembered, so a
// message is never shown twice, whether the browser reconnects by itself (it resends
// Last-Event-ID) or the page is reloaded (`?after=<last id>`).
// Everything lives under one `.fl-root` element with `fl-` class names. Every string that
// comes from the server or the customer is put into the page with textContent /
// createElement, never as markup.
'use strict';

(() => {
  const script = document.currentScript;
  if (!script || window.__frontlineWidget) return;
  window.__frontlineWidget = true;

  const REQUEST_TIMEOUT_MS = 30000;
  const HISTORY_TIMEOUT_MS = 10000;
  const MAX_TEXT = 1000;
  const MAX_CHIPS = 8;
  const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // ---------- configuration from the script tag ----------

  const scriptOrigin = (() => {
    try {
      return new URL(script.src, document.baseURI).origin;
    } catch {
      return window.location.origin;
    }
  })();
  const API_BASE = (() => {
    const raw = (script.getAttribute('data-frontline-url') || '').trim();
    if (!raw) return scriptOrigin;
    try {
      const url = new URL(raw, document.baseURI);
      return (url.origin + url.pathname).replace(/\/+$/, '');
    } catch {
      return scriptOrigin;
    }
  })();
  // A public API key restricted to the bank's origins, when the service requires keys.
  const API_KEY = (script.getAttribute('data-api-key') || '').trim();
  const LOCALE = /^en\b/i.test((script.getAttribute('data-locale') || '').trim()) ? 'en' : 'zh-CN';

  const STRINGS = {
    'zh-CN': {
      title: '在线客服',
      open: (title) => `打开${title}`,
      close: (title) => `关闭${title}`,
      subtitle: '智能助手 · 必要时为您转接人工',
      intro: '您好,请问有什么可以帮您?请直接描述您遇到的问题。',
      privacy: '为了您的资金安全,请不要在对话中发送密码、验证码或完整的身份证号。',
      log: '对话记录',
      you: '我说:',
      bot: '客服说:',
      inputLabel: '输入您的问题',
      placeholder: '请输入您的问题',
      send: '发送',
      sending: '发送中…',
      failed: '发送失败',
      retry: '重试',
      retryLabel: '重试发送这条消息',
      rejected: '未能发送:',
      rejectedGeneric: '请求有误,请修改后再试。',
      typing: '客服正在输入…',
      quickReplies: '快捷回复',
      loading: '正在加载之前的对话…',
      historyFailed: '之前的对话暂时无法加载,您可以继续留言。',
      handoff:
        '已为您转接人工客服。坐席接入前请不要关闭本窗口,您之前说明的情况已同步给坐席,无需重复。',
      agentSaid: (name) => `${name}说:`,
      agentDefault: '人工客服',
      agentJoined: (name) => `${name} 已接入`,
      agentServing: (name) => `人工客服 ${name} 为您服务`,
      agentTyping: (name) => `${name} 正在输入…`,
      agentBackToBot: (name) => `${name} 已离开,智能助手将继续为您服务`,
      closed: '对话已结束',
      ratingTitle: '请为本次人工服务评分',
      ratingStars: '评分(1–5 星)',
      star: (n) => `${n} 星`,
      ratingComment: '补充意见(可选)',
      ratingSubmit: '提交评价',
      ratingSending: '提交中…',
      ratingThanks: (n) => `感谢您的评价(${n} 星)`,
      ratingFailed: '评价提交失败,请重试。',
      ratingPick: '请先选择 1–5 星',
    },
    en: {
      title: 'Customer service',
      open: (title) => `Open chat: ${title}`,
      close: (title) => `Close chat: ${title}`,
      subtitle: 'Assistant · a human agent if needed',
      intro: 'Hello, how can I help you? Please describe the problem in your own words.',
      privacy: 'For your safety, never send passwords, verification codes or full ID numbers here.',
      log: 'Conversation',
      you: 'You said:',
      bot: 'Assistant said:',
      inputLabel: 'Type your question',
      placeholder: 'Type your question',
      send: 'Send',
      sending: 'Sending…',
      failed: 'Not sent',
      retry: 'Retry',
      retryLabel: 'Retry sending this message',
      rejected: 'Not sent: ',
      rejectedGeneric: 'The request was not accepted. Please change it and try again.',
      typing: 'The assistant is typing…',
      quickReplies: 'Suggested replies',
      loading: 'Loading the earlier conversation…',
      historyFailed: 'The earlier conversation could not be loaded. You can keep writing.',
      handoff:
        'You are being transferred to a human agent. Please keep this window open until an agent joins; ' +
        'they already have what you told us, so you will not need to repeat it.',
      agentSaid: (name) => `${name} said:`,
      agentDefault: 'Agent',
      agentJoined: (name) => `${name} has joined`,
      agentServing: (name) => `${name} is helping you`,
      agentTyping: (name) => `${name} is typing…`,
      agentBackToBot: (name) => `${name} has left; the assistant will continue`,
      closed: 'The conversation has ended',
      ratingTitle: 'How did the agent do?',
      ratingStars: 'Rating (1–5 stars)',
      star: (n) => `${n} star${n === 1 ? '' : 's'}`,
      ratingComment: 'Comment (optional)',
      ratingSubmit: 'Send rating',
      ratingSending: 'Sending…',
      ratingThanks: (n) => `Thank you for your rating (${n} of 5)`,
      ratingFailed: 'The rating could not be sent. Please try again.',
      ratingPick: 'Please pick 1–5 stars first',
    },
  };
  const T = STRINGS[LOCALE];
  const TITLE = (script.getAttribute('data-title') || '').trim().slice(0, 60) || T.title;
  const COLOR = (script.getAttribute('data-color') || '').trim();

  // ---------- local storage (per API base) ----------

  const memoryStore = {};
  const KEY_PREFIX = `frontline.widget:${API_BASE}:`;
  const store = {
    get(name) {
      try {
        return window.localStorage.getItem(KEY_PREFIX + name);
      } catch {
        return Object.prototype.hasOwnProperty.call(memoryStore, name) ? memoryStore[name] : null;
      }
    },
    set(name, value) {
      memoryStore[name] = value;
      try {
        window.localStorage.setItem(KEY_PREFIX + name, value);
      } catch {
        /* storage disabled: this page only */
      }
    },
    remove(name) {
      delete memoryStore[name];
      try {
        window.localStorage.removeItem(KEY_PREFIX + name);
      } catch {
        /* ignore */
      }
    },
  };

  function storedConversationId() {
    const id = store.get('conversation');
    return id && ID_PATTERN.test(id) ? id : null;
  }

  function newConversationId() {
    const bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return `w-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }

  let conversationId = storedConversationId();
  // The token the server gave when it created the conversation: sent with every later call
  // (X-Conversation-Token, or ?token= for the event stream). Without it a public key reads nothing.
  let conversationToken = conversationId ? store.get('token') : null;

  /** Forgets the conversation (the server refused this browser's token): the next message starts a new one. */
  function forgetConversation() {
    for (const name of ['conversation', 'token', 'events', 'last_event', 'chips', 'rated']) store.remove(name);
    conversationId = null;
    conversationToken = null;
  }

  /** A random key for one message: sent as Idempotency-Key, the same on every retry of it. */
  function newMessageKey() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return `m-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }

  // ---------- the last reply's quick replies, for a reload ----------
  // The transcript the server keeps has no chips, so the last reply's chips are kept here
  // with its turn number: the bot's own words, nothing the customer typed.

  function rememberChips(turn, chips) {
    store.set('chips', JSON.stringify({ conversation: conversationId, turn, chips }));
  }

  /** The chips kept for `turn` of this conversation, or none. */
  function rememberedChips(turn) {
    try {
      const saved = JSON.parse(store.get('chips') || 'null');
      if (saved && saved.conversation === conversationId && saved.turn === turn && Array.isArray(saved.chips)) {
        return saved.chips.filter((c) => typeof c === 'string');
      }
    } catch {
      /* unreadable: no chips */
    }
    return [];
  }

  function ensureConversationId() {
    if (!conversationId) {
      conversationId = newConversationId();
      store.set('conversation', conversationId);
    }
    return conversationId;
  }

  // ---------- DOM helpers ----------

  const uid = Math.random().toString(36).slice(2, 10);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function icon(paths, className) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', `fl-icon ${className || ''}`.trim());
    for (const d of paths) {
      const path = document.createElementNS(SVG_NS, 'path');
      path.setAttribute('d', d);
      svg.appendChild(path);
    }
    return svg;
  }

  const ICON_CHAT = [
    'M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h.5A1.5 1.5 0 0 1 4 14.5z',
  ];
  const ICON_CLOSE = ['M6 6l12 12M18 6L6 18'];
  const ICON_SEND = ['M4 12l16-8-6 16-2.5-6.5z', 'M11.5 13.5L20 4'];

  // ---------- safe Markdown subset: paragraphs, line breaks, **bold**, lists ----------

  /** Appends `text` to `parent`, turning **bold** into <strong>; everything else stays text. */
  function appendInline(parent, text) {
    const pattern = /\*\*(?=\S)([\s\S]*?\S)\*\*/g;
    let last = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(el('strong', null, match[1]));
      last = pattern.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  const BULLET = /^\s*[-*•·]\s+(.*)$/;
  const NUMBERED = /^\s*(\d{1,3})[.)、]\s*(.*)$/;

  /** Builds the reply as elements: blank lines separate paragraphs, single newlines break lines. */
  function renderMarkdown(text) {
    const fragment = document.createDocumentFragment();
    const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    let paragraph = null;
    let list = null;
    let listKind = null;

    const endBlocks = () => {
      paragraph = null;
      list = null;
      listKind = null;
    };

    for (const line of lines) {
      if (!line.trim()) {
        endBlocks();
        continue;
      }
      const bullet = BULLET.exec(line);
      const numbered = bullet ? null : NUMBERED.exec(line);
      if (bullet || (numbered && numbered[2].trim())) {
        const kind = bullet ? 'ul' : 'ol';
        if (!list || listKind !== kind) {
          list = el(kind, 'fl-list');
          if (kind === 'ol') {
            const start = parseInt(numbered[1], 10);
            if (start !== 1) list.setAttribute('start', String(start));
          }
          listKind = kind;
          fragment.appendChild(list);
        }
        paragraph = null;
        const item = el('li');
        appendInline(item, bullet ? bullet[1] : numbered[2]);
        list.appendChild(item);
        continue;
      }
      list = null;
      listKind = null;
      if (paragraph) {
        paragraph.appendChild(el('br'));
      } else {
        paragraph = el('p');
        fragment.appendChild(paragraph);
      }
      appendInline(paragraph, line.trim());
    }
    return fragment;
  }

  // ---------- building the widget ----------

  const ids = {
    panel: `fl-panel-${uid}`,
    title: `fl-title-${uid}`,
    input: `fl-input-${uid}`,
  };

  const root = el('div', 'fl-root');
  root.setAttribute('lang', LOCALE);
  root.setAttribute('data-frontline-widget', '');
  root.style.display = 'none'; // until widget.css has loaded

  const launcher = el('button', 'fl-launcher');
  launcher.type = 'button';
  launcher.setAttribute('aria-label', T.open(TITLE));
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', ids.panel);
  launcher.appendChild(icon(ICON_CHAT, 'fl-icon-chat'));

  const panel = el('section', 'fl-panel');
  panel.id = ids.panel;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');
  panel.setAttribute('aria-labelledby', ids.title);
  panel.hidden = true;

  const header = el('div', 'fl-header');
  const heading = el('div', 'fl-heading');
  const title = el('h2', 'fl-title', TITLE);
  title.id = ids.title;
  const subtitle = el('p', 'fl-subtitle', T.subtitle);
  heading.append(title, subtitle);
  const closeButton = el('button', 'fl-close');
  closeButton.type = 'button';
  closeButton.setAttribute('aria-label', T.close(TITLE));
  closeButton.appendChild(icon(ICON_CLOSE, 'fl-icon-close'));
  header.append(heading, closeButton);

  const log = el('div', 'fl-log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  log.setAttribute('aria-label', T.log);
  log.tabIndex = 0;
  const intro = el('div', 'fl-intro');
  intro.append(el('p', null, T.intro), el('p', 'fl-privacy', T.privacy));
  const history = el('div', 'fl-history');
  const messages = el('div', 'fl-messages');
  log.append(intro, history, messages);

  const noticeRegion = el('div', 'fl-notice-region');
  noticeRegion.setAttribute('role', 'status');
  noticeRegion.setAttribute('aria-live', 'polite');

  const composer = el('div', 'fl-composer');
  const inputLabel = el('label', 'fl-sr-only', T.inputLabel);
  inputLabel.htmlFor = ids.input;
  const input = el('textarea', 'fl-input');
  input.id = ids.input;
  input.rows = 1;
  input.maxLength = MAX_TEXT;
  input.placeholder = T.placeholder;
  input.autocomplete = 'off';
  input.setAttribute('enterkeyhint', 'send');
  const sendButton = el('button', 'fl-send');
  sendButton.type = 'button';
  sendButton.appendChild(icon(ICON_SEND, 'fl-icon-send'));
  sendButton.appendChild(el('span', 'fl-send-text', T.send));
  composer.append(inputLabel, input, sendButton);

  panel.append(header, log, noticeRegion, composer);
  root.append(launcher, panel);

  // The bank's colour, with a readable text colour on top of it.
  function applyColour() {
    if (!COLOR || !(window.CSS && CSS.supports && CSS.supports('color', COLOR))) return;
    root.style.setProperty('--fl-color', COLOR);
    const probe = el('span');
    probe.style.color = COLOR;
    root.appendChild(probe);
    const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).map(Number);
    probe.remove();
    if (rgb.length >= 3) {
      const [r, g, b] = rgb.map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      // White text needs 4.5:1, i.e. luminance below ~0.18; otherwise use near-black.
      root.style.setProperty('--fl-on-color', luminance > 0.18 ? '#111111' : '#ffffff');
    }
  }

  function loadStylesheet() {
    const href = `${API_BASE}/widget.css`;
    const reveal = () => {
      root.style.display = '';
      scrollToEnd(); // anything rendered before the styles came had no size to scroll by
    };
    const existing = Array.from(document.querySelectorAll('link[rel="stylesheet"]')).find(
      (l) => l.href === new URL(href, document.baseURI).href,
    );
    if (existing) {
      if (existing.sheet) reveal();
      else {
        existing.addEventListener('load', reveal);
        existing.addEventListener('error', reveal);
        setTimeout(reveal, 5000);
      }
      return;
    }
    const link = el('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.addEventListener('load', reveal);
    link.addEventListener('error', reveal); // unstyled but usable
    setTimeout(reveal, 5000);
    (document.head || document.documentElement).appendChild(link);
  }

  // ---------- state ----------

  let busy = false; // a request (a message or the history) is in flight
  let typing = null;
  let conversationState = null; // active · handed_off · with_agent · closed, as the server last said
  let agentName = ''; // the person who has the chat, once one joined

  function updateControls() {
    sendButton.disabled = busy;
    sendButton.setAttribute('aria-disabled', String(busy));
    for (const b of panel.querySelectorAll('.fl-chip, .fl-retry')) b.disabled = busy;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 132)}px`;
  }

  // ---------- messages ----------

  function addCustomer(text, container) {
    const msg = el('div', 'fl-msg fl-msg--customer');
    msg.setAttribute('data-fl-state', 'sent');
    msg.append(el('span', 'fl-sr-only', T.you), el('div', 'fl-bubble', text));
    (container || messages).appendChild(msg);
    scrollToEnd();
    return msg;
  }

  // Each message's idempotency key, kept with its bubble for the retry button.
  const messageKeys = new WeakMap();

  function addBot(text, quickReplies, container) {
    const msg = el('div', 'fl-msg fl-msg--bot');
    const bubble = el('div', 'fl-bubble fl-md');
    bubble.appendChild(renderMarkdown(text));
    msg.append(el('span', 'fl-sr-only', T.bot), bubble);
    const chips = (quickReplies || [])
      .filter((q) => typeof q === 'string' && q.trim())
      .slice(0, MAX_CHIPS);
    if (chips.length) {
      const group = el('div', 'fl-chips');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', T.quickReplies);
      for (const label of chips) {
        const chip = el('button', 'fl-chip', label);
        chip.type = 'button';
        chip.addEventListener('click', () => {
          if (busy) return;
          send(label.trim());
        });
        group.appendChild(chip);
      }
      msg.appendChild(group);
    }
    (container || messages).appendChild(msg);
    scrollToEnd();
    return msg;
  }

  function addNote(text, className, container) {
    const note = el('p', `fl-note ${className || ''}`.trim(), text);
    (container || messages).appendChild(note);
    scrollToEnd();
    return note;
  }

  /** An agent's message: their name above a bubble of plain text (never markup). */
  function addAgent(name, text, container) {
    const msg = el('div', 'fl-msg fl-msg--agent');
    msg.append(
      el('span', 'fl-sr-only', T.agentSaid(name)),
      el('span', 'fl-agent-name', name),
      el('div', 'fl-bubble', text),
    );
    msg.querySelector('.fl-agent-name').setAttribute('aria-hidden', 'true');
    (container || messages).appendChild(msg);
    scrollToEnd();
    return msg;
  }

  /** Quick replies belong to their turn: once anything is sent they are gone. */
  function removeChips() {
    for (const group of panel.querySelectorAll('.fl-chips')) group.remove();
  }

  function setStatus(msg, state, detail) {
    msg.setAttribute('data-fl-state', state);
    let status = msg.querySelector('.fl-msg-status');
    if (state === 'sent') {
      if (status) status.remove();
      return;
    }
    if (!status) {
      status = el('div', 'fl-msg-status');
      msg.appendChild(status);
    }
    status.replaceChildren();
    if (state === 'sending') {
      status.appendChild(el('span', 'fl-status-text', T.sending));
    } else if (state === 'failed') {
      status.appendChild(el('span', 'fl-status-text', T.failed));
      const retry = el('button', 'fl-retry', T.retry);
      retry.type = 'button';
      retry.title = T.retryLabel;
      retry.addEventListener('click', () => {
        if (busy) return;
        // Sent again now, so it belongs after anything sent since.
        messages.appendChild(msg);
        deliver(msg, msg.querySelector('.fl-bubble').textContent);
      });
      status.appendChild(retry);
    } else if (state === 'rejected') {
      status.appendChild(el('span', 'fl-status-text', `${T.rejected}${detail || T.rejectedGeneric}`));
    }
    scrollToEnd();
  }

  function showTyping() {
    hideTyping();
    typing = el('div', 'fl-typing');
    const dots = el('span', 'fl-dots');
    dots.setAttribute('aria-hidden', 'true');
    dots.append(el('span', 'fl-dot'), el('span', 'fl-dot'), el('span', 'fl-dot'));
    typing.append(dots, el('span', 'fl-sr-only', T.typing));
    messages.appendChild(typing);
    scrollToEnd();
  }

  function hideTyping() {
    if (typing) typing.remove();
    typing = null;
  }

  function applyState(state, handoff) {
    if (state) conversationState = state;
    // Waiting for a person: the notice stays until one joins (or the bot takes over again).
    const handedOff = state === 'handed_off' || (!state && Boolean(handoff));
    const shown = noticeRegion.querySelector('.fl-notice');
    if (handedOff && !shown) {
      const notice = el('div', 'fl-notice');
      notice.append(icon(['M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 8v5M12 16h.01'], 'fl-icon-info'));
      notice.appendChild(el('p', 'fl-notice-text', T.handoff));
      noticeRegion.appendChild(notice);
    } else if (!handedOff && shown && state) {
      shown.remove();
    }
    root.classList.toggle('fl-handed-off', handedOff);
    root.classList.toggle('fl-with-agent', conversationState === 'with_agent');
    subtitle.textContent = conversationState === 'with_agent' && agentName ? T.agentServing(agentName) : T.subtitle;
    if (state === 'handed_off' || state === 'with_agent') openStream();
    scrollToEnd(); // the notice takes room from the message list
  }

  // ---------- talking to the API ----------

  async function request(url, options, timeoutMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const headers = { ...((options && options.headers) || {}) };
      if (API_KEY) headers.authorization = `Bearer ${API_KEY}`;
      if (conversationToken) headers['x-conversation-token'] = conversationToken;
      const response = await fetch(url, { ...options, headers, signal: controller.signal, credentials: 'omit' });
      let body = null;
      try {
        body = await response.json();
      } catch {
        /* not JSON */
      }
      return { status: response.status, ok: response.ok, body };
    } catch {
      return { status: 0, ok: false, body: null };
    } finally {
      clearTimeout(timer);
    }
  }

  function errorMessage(body) {
    const message = body && body.error && body.error.message;
    return typeof message === 'string' && message.trim() ? message.trim().slice(0, 300) : '';
  }

  async function deliver(msg, text, afresh) {
    busy = true;
    removeChips();
    setStatus(msg, 'sending');
    updateControls();
    // With a person on the other end the bot is not writing anything.
    if (conversationState !== 'with_agent') showTyping();
    const id = ensureConversationId();
    // A retry of this bubble sends the same key: if the first try reached the server and
    // only its answer was lost, the server answers again instead of taking a second turn.
    if (!messageKeys.has(msg)) messageKeys.set(msg, newMessageKey());
    let result;
    try {
      result = await request(
        `${API_BASE}/v1/conversations/${encodeURIComponent(id)}/messages`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': messageKeys.get(msg) },
          body: JSON.stringify({ text, channel: 'web', locale: LOCALE }),
        },
        REQUEST_TIMEOUT_MS,
      );
    } finally {
      hideTyping();
      busy = false;
    }
    if (result.status === 403 && !conversationToken && !afresh) {
      // The conversation exists but this browser never got its token (the answer that
      // carried it was lost): it cannot go on, so the message starts a new one.
      forgetConversation();
      messageKeys.delete(msg);
      deliver(msg, text, true);
      return;
    }
    if (result.ok && result.body) {
      setStatus(msg, 'sent');
      if (typeof result.body.conversation_token === 'string' && result.body.conversation_token) {
        conversationToken = result.body.conversation_token;
        store.set('token', conversationToken);
      }
      // `reply: null`: a person has the chat and the bot says nothing.
      const reply = result.body.reply || {};
      const chips = Array.isArray(reply.quick_replies) ? reply.quick_replies : [];
      if (typeof reply.text === 'string' && reply.text.trim() && isNewBotReply(result.body.turn, reply.text)) {
        addBot(reply.text, chips);
        rememberChips(result.body.turn, chips);
      }
      applyState(result.body.state, result.body.handoff);
    } else if (result.status === 0 || result.status >= 500 || result.status === 408 || result.status === 429) {
      setStatus(msg, 'failed');
    } else {
      setStatus(msg, 'rejected', errorMessage(result.body));
      // The message was refused as written: give it back for editing.
      if (!input.value) {
        input.value = text;
        autosize();
      }
    }
    updateControls();
    // A chip or retry button that had the focus is gone now: keep the keyboard in the input.
    if ((!document.activeElement || document.activeElement === document.body) && !panel.hidden) input.focus();
  }

  function send(text) {
    if (busy || !text) return;
    const msg = addCustomer(text);
    deliver(msg, text);
  }

  function sendFromInput() {
    const text = input.value.trim();
    if (busy || !text) return;
    input.value = '';
    autosize();
    send(text.slice(0, MAX_TEXT));
  }

  async function loadHistory() {
    if (!conversationId) return;
    busy = true;
    updateControls();
    const loading = addNote(T.loading, 'fl-note--loading');
    const result = await request(
      `${API_BASE}/v1/conversations/${encodeURIComponent(conversationId)}`,
      { method: 'GET', headers: { accept: 'application/json' } },
      HISTORY_TIMEOUT_MS,
    );
    loading.remove();
    busy = false;
    updateControls();
    if (result.ok && result.body) {
      const transcript = (Array.isArray(result.body.transcript) ? result.body.transcript : []).filter(
        (line) =>
          line && typeof line.text === 'string' && ['customer', 'bot', 'agent'].includes(line.role),
      );
      historyBotLines = transcript
        .filter((line) => line.role === 'bot')
        .map((line) => ({ text: line.text, at: parseTime(line.at) }));
      // What the stream brought before the reload: shown again, and never asked for again.
      kept = keptEvents();
      for (const event of kept) if (Number.isSafeInteger(event.id) && event.id > 0) seenEvents.add(event.id);
      lastEventId = Math.max(storedLastEvent(), ...seenEvents);
      const items = timeline(transcript, kept);
      items.forEach((item, i) => {
        const last = i === items.length - 1;
        if (item.event) {
          const { kind, data } = item.event;
          if (kind === 'bot_reply' && last) {
            addBot(String(data.text || ''), arr(data.quick_replies).filter((c) => typeof c === 'string'), history);
          } else renderEvent(kind, data, history, false);
        } else if (item.line.role === 'customer') addCustomer(item.line.text, history);
        else if (item.line.role === 'agent') addAgent(agentNameOf(item.line), item.line.text, history);
        // The last reply offers its quick replies again, as before the reload.
        else addBot(item.line.text, last ? rememberedChips(result.body.turn) : [], history);
      });
      applyState(result.body.state, result.body.handoff);
    } else if (result.status === 403) {
      // This browser's token is not the conversation's (or is gone): start afresh.
      forgetConversation();
    } else if (result.status !== 404) {
      addNote(T.historyFailed, 'fl-note--error');
    }
    scrollToEnd();
  }

  // ---------- a person in the chat: the event stream ----------

  const STREAM_KINDS = ['bot_reply', 'agent_joined', 'agent_message', 'agent_typing', 'agent_left', 'state'];
  // What is kept for a reload (the typing indicator is not).
  const KEPT_KINDS = new Set(['bot_reply', 'agent_joined', 'agent_message', 'agent_left', 'state']);
  const MAX_KEPT = 200;
  const AGENT_TYPING_MS = 4000;
  const STALE_TYPING_MS = 10000;
  const SAME_LINE_MS = 5000; // an event and a transcript line this close with the same text are one line

  let source = null;
  let reopenTimer = 0;
  let reopenDelay = 2000;
  let agentTyping = null;
  let agentTypingTimer = 0;
  let ratingForm = null;
  const seenEvents = new Set(); // the ids of every event shown: nothing is shown twice
  let lastEventId = 0;
  let kept = []; // this conversation's events, kept for a reload
  const botReplies = new Set(); // turn + text of every bot reply shown
  let historyBotLines = []; // the bot's lines of the transcript loaded at start: {text, at}

  const arr = (value) => (Array.isArray(value) ? value : []);

  function parseTime(value) {
    if (typeof value !== 'string') return NaN;
    return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  }

  /** Whether the bot reply of `turn` with `text` is new here (and remembers it as shown). */
  function isNewBotReply(turn, text, at) {
    const key = `${turn}\u0000${text}`;
    if (botReplies.has(key)) return false;
    // An event of a turn the transcript loaded at start already has (no turn numbers there).
    const t = parseTime(at);
    if (Number.isFinite(t) && historyBotLines.some((line) => line.text === text && Math.abs(line.at - t) < SAME_LINE_MS)) {
      return false;
    }
    botReplies.add(key);
    return true;
  }

  function agentNameOf(data) {
    const name = data && data.agent && typeof data.agent.name === 'string' ? data.agent.name.trim() : '';
    return name ? name.slice(0, 40) : T.agentDefault;
  }

  function storedLastEvent() {
    const n = Number(store.get('last_event'));
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  }

  function keptEvents() {
    try {
      const saved = JSON.parse(store.get('events') || 'null');
      if (saved && saved.conversation === conversationId && Array.isArray(saved.items)) {
        return saved.items.filter((i) => i && typeof i.kind === 'string' && i.data && typeof i.data === 'object');
      }
    } catch {
      /* unreadable: nothing kept */
    }
    return [];
  }

  function keep(id, kind, data) {
    kept.push({ id, kind, data });
    if (kept.length > MAX_KEPT) kept = kept.slice(-MAX_KEPT);
    store.set('events', JSON.stringify({ conversation: conversationId, items: kept }));
  }

  function showAgentTyping(name) {
    clearTimeout(agentTypingTimer);
    if (!agentTyping) agentTyping = el('p', 'fl-agent-typing');
    agentTyping.textContent = T.agentTyping(name);
    messages.appendChild(agentTyping); // at the end, after anything shown since
    scrollToEnd();
    agentTypingTimer = setTimeout(hideAgentTyping, AGENT_TYPING_MS);
  }

  function hideAgentTyping() {
    clearTimeout(agentTypingTimer);
    if (agentTyping) agentTyping.remove();
  }

  /** The rating prompt after an agent resolved the chat: 1–5 stars and an optional comment. */
  function addRating(container) {
    if (ratingForm) ratingForm.remove();
    ratingForm = null;
    const rated = Number(store.get('rated'));
    if (Number.isInteger(rated) && rated >= 1 && rated <= 5) {
      addNote(T.ratingThanks(rated), 'fl-note--rated', container);
      return;
    }
    const form = el('form', 'fl-rating');
    form.noValidate = true;
    const heading = el('p', 'fl-rating-title', T.ratingTitle);
    heading.id = `fl-rating-title-${uid}`;
    form.setAttribute('aria-labelledby', heading.id);
    const stars = el('div', 'fl-stars');
    stars.setAttribute('role', 'group');
    stars.setAttribute('aria-label', T.ratingStars);
    const status = el('p', 'fl-rating-status');
    status.setAttribute('role', 'status');
    const submit = el('button', 'fl-rating-submit', T.ratingSubmit);
    submit.type = 'submit';
    let score = 0;
    const buttons = [1, 2, 3, 4, 5].map((n) => {
      const b = el('button', 'fl-star');
      b.type = 'button';
      b.setAttribute('aria-label', T.star(n));
      b.setAttribute('aria-pressed', 'false');
      b.append(el('span', 'fl-star-icon', '★'), el('span', 'fl-star-n', String(n)));
      b.addEventListener('click', () => {
        score = n;
        buttons.forEach((other, i) => {
          other.setAttribute('aria-pressed', String(i + 1 === n));
          other.classList.toggle('fl-star--on', i < n);
        });
        status.textContent = '';
      });
      return b;
    });
    stars.append(...buttons);
    const comment = el('textarea', 'fl-rating-comment');
    comment.id = `fl-rating-comment-${uid}`;
    comment.rows = 2;
    comment.maxLength = 500;
    comment.placeholder = T.ratingComment;
    const label = el('label', 'fl-sr-only', T.ratingComment);
    label.htmlFor = comment.id;
    form.append(heading, stars, label, comment, submit, status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      if (!score) {
        status.textContent = T.ratingPick;
        return;
      }
      submit.disabled = true;
      submit.textContent = T.ratingSending;
      const text = comment.value.trim();
      const result = await request(
        `${API_BASE}/v1/conversations/${encodeURIComponent(conversationId)}/rating`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(text ? { score, comment: text.slice(0, 500) } : { score }),
        },
        REQUEST_TIMEOUT_MS,
      );
      const code = result.body && result.body.error && result.body.error.code;
      if (result.ok || code === 'already_rated') {
        store.set('rated', String(score));
        const thanks = el('p', 'fl-note fl-note--rated', T.ratingThanks(score));
        form.replaceWith(thanks);
        ratingForm = null;
        scrollToEnd();
        return;
      }
      submit.disabled = false;
      submit.textContent = T.ratingSubmit;
      status.textContent = errorMessage(result.body) || T.ratingFailed;
    });
    (container || messages).appendChild(form);
    ratingForm = form;
    scrollToEnd();
  }

  /** Shows one event. `live`: it came now (not replayed from what was kept for a reload). */
  function renderEvent(kind, data, container, live) {
    const name = agentNameOf(data);
    switch (kind) {
      case 'agent_joined':
        agentName = name;
        hideAgentTyping();
        addNote(T.agentJoined(name), 'fl-note--agent', container);
        if (live) applyState('with_agent');
        break;
      case 'agent_message':
        agentName = name;
        hideAgentTyping();
        if (typeof data.text === 'string' && data.text) addAgent(name, data.text, container);
        break;
      case 'agent_typing': {
        // A stream resumed from an older event replays typing that is long over.
        const age = Date.now() - parseTime(data.at);
        if (live && !(age > STALE_TYPING_MS)) showAgentTyping(name);
        break;
      }
      case 'agent_left':
        hideAgentTyping();
        if (data.outcome === 'back_to_bot') addNote(T.agentBackToBot(name), 'fl-note--agent', container);
        break;
      case 'state':
        if (data.state === 'closed') {
          hideAgentTyping();
          addNote(T.closed, 'fl-note--closed', container);
          if (data.ask_rating === true) addRating(container);
          if (live) closeStream();
        }
        if (live && typeof data.state === 'string') applyState(data.state);
        break;
      case 'bot_reply':
        if (typeof data.text === 'string' && data.text.trim() && isNewBotReply(data.turn, data.text, data.at)) {
          const chips = arr(data.quick_replies).filter((c) => typeof c === 'string');
          if (live) removeChips();
          addBot(data.text, live ? chips : [], container);
          if (live) rememberChips(data.turn, chips);
        }
        break;
      default:
        break;
    }
  }

  function onStreamEvent(kind, event) {
    const id = Number(event.lastEventId);
    if (Number.isSafeInteger(id) && id > 0) {
      if (seenEvents.has(id)) return;
      seenEvents.add(id);
      if (id > lastEventId) {
        lastEventId = id;
        store.set('last_event', String(id));
      }
    }
    let data = null;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!data || typeof data !== 'object') return;
    if (KEPT_KINDS.has(kind)) keep(id, kind, data);
    renderEvent(kind, data, messages, true);
  }

  /** Opens the conversation's event stream (once), from the last event shown. */
  function openStream() {
    if (source || !conversationId || typeof window.EventSource !== 'function') return;
    clearTimeout(reopenTimer);
    const params = new URLSearchParams();
    if (conversationToken) params.set('token', conversationToken);
    if (API_KEY) params.set('key', API_KEY);
    if (lastEventId) params.set('after', String(lastEventId));
    const es = new EventSource(`${API_BASE}/v1/conversations/${encodeURIComponent(conversationId)}/events?${params}`);
    source = es;
    for (const kind of STREAM_KINDS) es.addEventListener(kind, (event) => onStreamEvent(kind, event));
    es.addEventListener('open', () => {
      reopenDelay = 2000;
    });
    es.addEventListener('error', () => {
      // A dropped connection is retried by the browser itself, with Last-Event-ID. A refused
      // one (or a server gone for long) ends here: open again later, from the last event.
      if (es.readyState !== EventSource.CLOSED || source !== es) return;
      source = null;
      if (conversationState === 'handed_off' || conversationState === 'with_agent') {
        reopenTimer = setTimeout(openStream, reopenDelay);
        reopenDelay = Math.min(reopenDelay * 2, 60000);
      }
    });
  }

  function closeStream() {
    clearTimeout(reopenTimer);
    if (source) source.close();
    source = null;
  }

  /**
   * The transcript the server keeps and the events kept here, in time order: a kept bot or
   * agent message that the transcript also has is shown once.
   */
  function timeline(lines, events) {
    const items = lines.map((line, i) => ({ line, t: parseTime(line.at), order: i }));
    const same = (event, role) =>
      lines.some(
        (line) =>
          line.role === role &&
          line.text === event.data.text &&
          !(Math.abs(parseTime(line.at) - parseTime(event.data.at)) >= SAME_LINE_MS),
      );
    events.forEach((event, i) => {
      if (event.kind === 'bot_reply' && same(event, 'bot')) return;
      if (event.kind === 'agent_message' && same(event, 'agent')) return;
      items.push({ event, t: parseTime(event.data.at), order: lines.length + i });
    });
    const time = (item) => (Number.isFinite(item.t) ? item.t : Number.MAX_SAFE_INTEGER);
    return items.sort((a, b) => time(a) - time(b) || a.order - b.order);
  }

  // ---------- opening and closing ----------

  function open(focus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute('aria-expanded', 'true');
    root.classList.add('fl-open');
    store.set('open', '1');
    scrollToEnd();
    autosize();
    if (focus) input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    root.classList.remove('fl-open');
    store.set('open', '0');
    launcher.focus();
  }

  launcher.addEventListener('click', () => open(true));
  closeButton.addEventListener('click', close);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.isComposing) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener('keydown', (event) => {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate does nothing.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendFromInput();
    }
  });
  input.addEventListener('input', autosize);
  sendButton.addEventListener('click', () => {
    sendFromInput();
    input.focus();
  });

  function start() {
    document.body.appendChild(root);
    applyColour();
    loadStylesheet();
    if (store.get('open') === '1') open(false);
    loadHistory();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
})();
