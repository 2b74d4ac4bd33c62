// What the agent console (/agent) and the analytics page (/analytics) share, so that the
// two staff pages ask for a key, talk to the API and build their elements the same way:
// the API key form and where the key is kept, fetch with the key and a timeout, elements
// built without markup, and the toast. Each page loads it before its own script (both
// `defer`, so in that order); it defines the one global `FrontlineConsole` and does
// nothing by itself. The chat widget does not use it: it runs inside the bank's pages and
// stays a single file.
//
// Every string that comes from the server is put into the page with textContent,
// createElement or setAttribute on a fixed attribute name, never as markup.
'use strict';

window.FrontlineConsole = (() => {
  const TIMED_OUT = '服务器响应超时';
  const UNREACHABLE = '网络错误,无法连接服务器';
  const NOT_JSON = '服务器返回的不是 JSON';
  // A refused key (401), whichever page refused it; each page words its own 403 (scope).
  const KEY_REFUSED = '密钥无效或缺失';
  const CONNECT = '连接';

  const $ = (id) => document.getElementById(id);

  /** Any value as text: '' for nothing, JSON for an object (never "[object Object]"). */
  function str(value) {
    if (typeof value === 'string') return value;
    if (value === undefined || value === null) return '';
    if (typeof value === 'object') {
      try {
        return JSON.stringify(value);
      } catch (_) {
        return String(value);
      }
    }
    return String(value);
  }

  /** `text` sets textContent, other keys are attributes; null, undefined and false are skipped. */
  function setAttrs(el, attrs) {
    if (!attrs) return;
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') el.textContent = str(value);
      else el.setAttribute(key, value === true ? '' : str(value));
    }
  }

  /** Creates an element (see setAttrs); children are nodes or text. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(str(child)));
    }
    return el;
  }

  /** A function that shows `text` in `el` for `ms`, replacing what it showed before. */
  function toast(el, ms) {
    let timer = 0;
    return (text) => {
      clearTimeout(timer);
      el.textContent = text;
      timer = setTimeout(() => {
        el.textContent = '';
      }, ms);
    };
  }

  // ---------- talking to the server ----------

  function networkError(message, aborted) {
    const error = new Error(message);
    error.network = true;
    error.aborted = aborted;
    return error;
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (_) {
      throw new Error(NOT_JSON);
    }
  }

  /** The API's error body (`{"error": {"message"}}`) when there is one, as an Error. */
  async function httpError(response) {
    let message = '';
    let detail = {};
    try {
      const body = await response.json();
      if (body && body.error && typeof body.error === 'object') detail = body.error;
      if (typeof detail.message === 'string') message = detail.message;
    } catch (_) {
      /* not JSON */
    }
    const error = new Error(`HTTP ${response.status}${message ? `:${message}` : ''}`);
    error.status = response.status;
    error.serverMessage = message;
    // The error's code (`claimed`, `not_owner` …) and its other fields (who has a chat).
    error.code = typeof detail.code === 'string' ? detail.code : '';
    error.detail = detail;
    error.auth = response.status === 401 || response.status === 403;
    return error;
  }

  /**
   * fetch() as the staff pages need it: never cached, the API key (`key`) as a Bearer
   * token, given up after `timeoutMs` including reading the body. `read` turns a 2xx
   * response into the result (its JSON unless given). Other options go to fetch().
   * Throws an Error with `network` (no answer, or none in time), `aborted` (the caller's
   * `controller` cancelled it), or `status`, `serverMessage`, `code`, `detail` (the
   * body's `error` object) and `auth` (401/403).
   */
  async function request(url, options) {
    const {
      key = '',
      timeoutMs,
      controller = new AbortController(),
      accept = 'application/json',
      read = readJson,
      headers = {},
      ...init
    } = options;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      let response;
      try {
        response = await fetch(url, {
          cache: 'no-store',
          credentials: 'same-origin',
          ...init,
          headers: {
            Accept: accept,
            ...(key ? { Authorization: `Bearer ${key}` } : {}),
            ...headers,
          },
          signal: controller.signal,
        });
      } catch (_) {
        throw networkError(timedOut ? TIMED_OUT : UNREACHABLE, controller.signal.aborted && !timedOut);
      }
      if (!response.ok) throw await httpError(response);
      return await read(response);
    } catch (e) {
      // The time ran out while the body was being read.
      if (timedOut && !e.status) throw networkError(TIMED_OUT, false);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------- API key (only when the service requires keys) ----------

  /**
   * The API key form, for a service that requires keys. It is built into `panel` (an
   * empty, hidden section of the page) from the page's wording: `title`, `label`, `hint`,
   * `empty` (nothing typed), `noScope` (the 403 answer), `inputId`, `submitClass`. The key
   * lives in this tab only (sessionStorage under `storageKey`; the page keeps working when
   * storage is blocked). `onKey` runs once a well-formed key is typed and kept: the page
   * tries it, then calls `hide()` (it worked), `ask(…)` (refused) or `resetSubmit()`
   * (it could not be tried).
   */
  function apiKeyForm({ panel, storageKey, inputId, submitClass, title, label, hint, empty, noScope, onKey }) {
    const hintId = `${inputId}-hint`;
    const errorId = `${inputId}-error`;
    const input = h('input', {
      id: inputId,
      name: inputId,
      type: 'password',
      autocomplete: 'off',
      autocapitalize: 'off',
      spellcheck: 'false',
      'aria-describedby': `${hintId} ${errorId}`,
    });
    const submit = h('button', { class: submitClass, id: 'key-submit', type: 'submit', text: CONNECT });
    const error = h('p', { class: 'key-error error-note', id: errorId, role: 'alert' });
    const form = h(
      'form',
      { class: 'key-form', id: 'key-form', novalidate: true },
      h('label', { class: 'key-label', for: inputId, text: label }),
      h('div', { class: 'key-row' }, input, submit),
      h('p', { class: 'key-hint', id: hintId, text: hint }),
      error,
    );
    panel.setAttribute('aria-labelledby', 'key-title');
    panel.replaceChildren(h('h2', { class: 'key-title', id: 'key-title', text: title }), form);

    let key = '';
    try {
      key = window.sessionStorage.getItem(storageKey) || '';
    } catch (_) {
      key = ''; // storage blocked: the key lives in this page only
    }

    function store(value) {
      key = value;
      try {
        if (value) window.sessionStorage.setItem(storageKey, value);
        else window.sessionStorage.removeItem(storageKey);
      } catch (_) {
        /* ignore */
      }
    }

    function showError(text) {
      error.textContent = text;
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }

    function resetSubmit() {
      submit.disabled = false;
      submit.textContent = CONNECT;
      form.removeAttribute('aria-busy');
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      const value = input.value.trim();
      if (!value || /[^\x21-\x7e]/.test(value)) {
        // Empty, or characters no key has (and no HTTP header may carry).
        showError(value ? `${KEY_REFUSED}(密钥不能含空格或中文字符)` : empty);
        input.focus();
        return;
      }
      store(value);
      showError(''); // cleared, so that a second refusal is announced again
      submit.disabled = true;
      submit.textContent = '连接中…';
      form.setAttribute('aria-busy', 'true');
      onKey();
    });

    return {
      /** The key to send, '' when there is none. */
      get key() {
        return key;
      },
      get shown() {
        return !panel.hidden;
      },
      /** What to tell about a refusal with this HTTP status. */
      refusal(status) {
        return status === 403 && noScope ? noScope : KEY_REFUSED;
      },
      /** Forgets the key (a refused key is not kept) and asks for one, saying `message`. */
      ask(message) {
        store('');
        resetSubmit();
        showError(message);
        panel.hidden = false;
        input.focus();
        input.select();
      },
      /** The key worked: the form goes away. Returns whether it had the focus. */
      hide() {
        const hadFocus = panel.contains(document.activeElement);
        panel.hidden = true;
        input.value = '';
        resetSubmit();
        showError('');
        return hadFocus;
      },
      resetSubmit,
      focus() {
        input.focus();
      },
    };
  }


  const asList = (value) => (Array.isArray(value) ? value : []);
  const asObject = (value) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});

  function score(n) {
    return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(2) : '—';
  }

  /**
   * "Why" the bot said what it said, collapsed: opened, it reads the conversation's audit
   * records (GET /v1/conversations/{id}/audit, a key with the `audit` scope) through
   * `load(path)` (the page's own request with its key) and lists each turn's message, its
   * intent with the candidates and scores, each sentence with the template, notice or
   * knowledge-base entry it came from, and the handoff rule. The agent console shows it
   * under a handed-off conversation, the analytics page under a surge's conversations.
   */
  function whyView(conversation, load) {
    const body = h('div', { class: 'why-body', text: '正在加载审计记录…' });
    const why = h('details', { class: 'why', 'data-conversation': conversation },
      h('summary', { text: '为什么这样回复(审计记录)' }), body);
    let loaded = false;
    why.addEventListener('toggle', async () => {
      if (!why.open || loaded) return;
      loaded = true;
      try {
        const audit = await load(`/v1/conversations/${encodeURIComponent(conversation)}/audit`);
        body.replaceChildren(...asList(asObject(audit).entries).map(whyTurn));
      } catch (e) {
        loaded = false;
        body.textContent = e && (e.status === 401 || e.status === 403)
          ? '查看审计记录需要具有 audit 权限的密钥。'
          : `无法加载审计记录${e && e.status ? `(HTTP ${e.status})` : ''}。`;
      }
    });
    return why;
  }

  function whyTurn(entry) {
    const e = asObject(entry);
    const u = asObject(e.understanding);
    const chosen = asObject(u.intent);
    const candidates = asList(u.candidates).slice(0, 3)
      .map((c) => `${str(asObject(c).intent)} ${score(asObject(c).score)}`);
    const handoff = e.handoff ? asObject(e.handoff) : null;
    return h(
      'section',
      { class: 'why-turn', 'data-turn': str(e.turn) },
      h('h5', { text: `第 ${str(e.turn)} 轮 · ${str(asObject(e.dialogue).before)} → ${str(asObject(e.dialogue).after)}` }),
      e.message ? h('p', { class: 'why-message', text: `客户:${str(e.message)}` }) : null,
      h('p', {
        class: 'why-intent',
        text: `识别:${chosen.intent ? `${str(chosen.intent)}(${score(chosen.score)})` : '未识别'} · 候选:${candidates.join(',')} · 阈值 ${score(u.threshold)}`,
      }),
      h(
        'ol',
        { class: 'why-sentences' },
        asList(e.reply).map((sentence) =>
          h(
            'li',
            null,
            h('span', { class: 'why-text', text: str(asObject(sentence).text) }),
            h('code', { class: 'why-source', text: asList(asObject(sentence).sources).map(str).join(' + ') }),
          ),
        ),
      ),
      handoff
        ? h('p', { class: 'why-handoff', text: `转人工:${str(handoff.reason)}(${str(handoff.priority)})· 规则:${str(handoff.rule)}` })
        : null,
    );
  }

  return Object.freeze({ $, str, setAttrs, h, toast, request, apiKeyForm, whyView });
})();
