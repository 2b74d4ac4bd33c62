#!/usr/bin/env python3
"""Check Frontline FAQ YAML files (knowledge-base/<locale>/faq/*.yaml)."""
import datetime, glob, os, re, sys, unicodedata
import yaml

ROOT = sys.argv[1] if len(sys.argv) > 1 else '/work/main'
TOPICS = ['cards', 'accounts', 'mobile_banking', 'transfers', 'deposits', 'loans',
          'credit_cards', 'forex', 'fees', 'branches', 'security']
MIN_TOTAL = {'zh-CN': 150, 'en': 60}
MIN_PER_TOPIC = {'zh-CN': 8, 'en': 1}
DATE_LO, DATE_HI = datetime.date(2026, 9, 1), datetime.date(2026, 11, 30)
FACT_RE = re.compile(r'\{\{\s*([^{}]*?)\s*\}\}')
ID_RE = re.compile(r'^[a-z][a-z0-9]*(_[a-z0-9]+)*$')
KEY_RE = ID_RE
BANNED = {'zh-CN': ['保证', '一定', '100%', '百分之百', '绝对', '稳赚', '零风险', '肯定能'],
          'en': ['guarantee', 'definitely', '100%', 'always will', 'risk-free', 'certainly will']}
HAN = re.compile(r'[\u4e00-\u9fff]')
# traditional-only characters that commonly slip in
TRAD = set('們這個來說為與麼氣帳戶銀號碼時間開關錢轉賬費額證辦補換卡處電話國際臺會員歷務掛銷續體')
TRAD -= set('卡')

errors, warnings = [], []
def err(m): errors.append(m)
def warn(m): warnings.append(m)

def norm(q):
    q = unicodedata.normalize('NFKC', q).lower()
    return ''.join(ch for ch in q if ch.isalnum())

def bigrams(s):
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}

def jacc(a, b):
    A, B = bigrams(a), bigrams(b)
    return len(A & B) / len(A | B) if A | B else 0.0

def zh_len(text):
    return sum(1 for ch in text if HAN.match(ch) or (ch.isascii() and ch.isalnum()))

def en_words(text):
    return len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'.,%/-]*", text))

def subst(text, facts):
    return FACT_RE.sub(lambda m: str(facts.get(m.group(1), m.group(0))), text)

def intent_examples(locale):
    out = []
    for f in sorted(glob.glob(os.path.join(ROOT, 'intents', locale, '*.yaml'))):
        if os.path.basename(f) == '_lexicon.yaml':
            continue
        try:
            d = yaml.safe_load(open(f, encoding='utf-8')) or {}
        except Exception as e:
            warn(f'cannot read {f}: {e}')
            continue
        for ex in d.get('examples') or []:
            out.append((os.path.basename(f)[:-5], str(ex)))
    return out

def check_text_style(where, text, locale):
    low = text.lower()
    for w in BANNED[locale]:
        if w.lower() in low:
            err(f'{where}: banned word {w!r}')
    if re.search(r'(\*\*|`|^\s*[-*#]\s|\[[^\]]*\]\()', text, re.M):
        err(f'{where}: looks like markdown')
    if locale == 'zh-CN':
        if re.search(r'[\u4e00-\u9fff][,?!;()]|[,?!;(][\u4e00-\u9fff]', text):
            err(f'{where}: half-width punctuation next to Chinese: {text[:40]}...')
        if re.search(r'[\u4e00-\u9fff]\.(?!\d)|(?<!\d)\.[\u4e00-\u9fff]', text):
            err(f'{where}: half-width full stop next to Chinese')
        bad = sorted({c for c in text if c in TRAD})
        if bad:
            err(f'{where}: traditional characters {bad}')
    else:
        if HAN.search(text):
            err(f'{where}: Chinese characters in English text')
        for uk, us in [('colour', 'color'), ('cheque', 'check'), ('centre', 'center'), ('organis', 'organiz'),
                       ('authoris', 'authoriz'), ('recognis', 'recogniz'), ('cancell', 'cancel'),
                       ('licence', 'license'), ('favour', 'favor'), ('enquir', 'inquir'), ('programme', 'program'),
                       ('instalment', 'installment'), ('realis', 'realiz'), ('behaviour', 'behavior')]:
            if uk in low:
                err(f'{where}: British spelling {uk!r} (use {us!r})')

def check_locale(locale):
    base = os.path.join(ROOT, 'knowledge-base', locale, 'faq')
    if not os.path.isdir(base):
        err(f'{locale}: missing {base}')
        return
    facts_path = os.path.join(base, 'facts.yaml')
    facts = {}
    if not os.path.exists(facts_path):
        err(f'{locale}: missing facts.yaml')
    else:
        fd = yaml.safe_load(open(facts_path, encoding='utf-8'))
        if not isinstance(fd, dict) or set(fd) != {'facts'} or not isinstance(fd['facts'], dict):
            err(f'{facts_path}: must be a mapping with the single key "facts"')
        else:
            facts = fd['facts']
            for k, v in facts.items():
                if not KEY_RE.match(str(k)):
                    err(f'{facts_path}: bad fact key {k!r}')
                if not isinstance(v, (str, int, float)) or str(v).strip() == '':
                    err(f'{facts_path}: fact {k} must be a non-empty scalar')
    used = set()
    ids = {}
    qseen = {}
    per_topic = {}
    all_q = []
    files = sorted(glob.glob(os.path.join(base, '*.yaml')))
    names = {os.path.basename(f)[:-5] for f in files} - {'facts'}
    for t in TOPICS:
        if t not in names:
            err(f'{locale}: missing topic file {t}.yaml')
    for n in names - set(TOPICS):
        err(f'{locale}: unexpected file {n}.yaml')
    for f in files:
        name = os.path.basename(f)[:-5]
        if name == 'facts':
            continue
        rel = os.path.relpath(f, ROOT)
        try:
            d = yaml.safe_load(open(f, encoding='utf-8'))
        except Exception as e:
            err(f'{rel}: YAML error {e}')
            continue
        if not isinstance(d, dict):
            err(f'{rel}: not a mapping')
            continue
        if set(d) != {'topic', 'source', 'entries'}:
            err(f'{rel}: top-level keys must be topic, source, entries (got {sorted(d)})')
        for k in ('topic', 'source'):
            if not isinstance(d.get(k), str) or not d.get(k).strip():
                err(f'{rel}: {k} must be a non-empty string')
        if locale == 'zh-CN' and isinstance(d.get('source'), str) and not HAN.search(d['source']):
            warn(f'{rel}: zh source has no Chinese')
        entries = d.get('entries')
        if not isinstance(entries, list) or not entries:
            err(f'{rel}: entries must be a non-empty list')
            continue
        per_topic[name] = len(entries)
        for i, e in enumerate(entries):
            where = f'{rel}#{i}'
            if not isinstance(e, dict):
                err(f'{where}: entry must be a mapping')
                continue
            eid = e.get('id')
            where = f'{rel}:{eid}'
            req = {'id', 'questions', 'answer', 'short_answer', 'reviewed'}
            missing = req - set(e)
            extra = set(e) - req - {'source'}
            if missing:
                err(f'{where}: missing {sorted(missing)}')
            if extra:
                err(f'{where}: unknown keys {sorted(extra)}')
            if not isinstance(eid, str) or not ID_RE.match(eid):
                err(f'{where}: id must be lowercase snake_case')
            elif eid in ids:
                err(f'{where}: duplicate id (also in {ids[eid]})')
            else:
                ids[eid] = rel
            if 'source' in e and (not isinstance(e['source'], str) or not e['source'].strip()):
                err(f'{where}: source must be a non-empty string')
            qs = e.get('questions')
            if not isinstance(qs, list) or not all(isinstance(q, str) and q.strip() for q in qs):
                err(f'{where}: questions must be a list of non-empty strings')
                qs = []
            if len(qs) < 4:
                err(f'{where}: needs at least 4 questions (has {len(qs)})')
            if qs:
                first = qs[0]
                lim = 24 if locale == 'zh-CN' else 70
                if len(first) > lim:
                    warn(f'{where}: canonical question is long ({len(first)} chars)')
            for q in qs:
                n = norm(q)
                if n in qseen and qseen[n] != eid:
                    err(f'{where}: question {q!r} duplicates one in {qseen[n]}')
                elif n in qseen:
                    err(f'{where}: question {q!r} repeated within entry')
                qseen[n] = eid
                all_q.append((eid, q, n))
                check_text_style(f'{where} question', q, locale)
                if FACT_RE.search(q):
                    err(f'{where}: fact variable in question')
            for fld in ('answer', 'short_answer'):
                v = e.get(fld)
                if not isinstance(v, str) or not v.strip():
                    err(f'{where}: {fld} must be a non-empty string')
                    continue
                if '\n' in v.strip():
                    err(f'{where}: {fld} contains a line break')
                for m in FACT_RE.finditer(v):
                    k = m.group(1)
                    used.add(k)
                    if k not in facts:
                        err(f'{where}: {fld} uses undefined fact {k!r}')
                if '{' in FACT_RE.sub('', v) or '}' in FACT_RE.sub('', v):
                    err(f'{where}: {fld} has stray braces')
                check_text_style(f'{where} {fld}', v, locale)
            sa = e.get('short_answer')
            if isinstance(sa, str):
                s = subst(sa, facts)
                if locale == 'zh-CN':
                    n = zh_len(s)
                    if n > 50:
                        err(f'{where}: short_answer has {n} chars after substitution (max 50): {s}')
                    if not s.rstrip().endswith(('。', '!', '?')):
                        err(f'{where}: short_answer should be a complete sentence ending with 。')
                else:
                    n = en_words(s)
                    if n > 25:
                        err(f'{where}: short_answer has {n} words after substitution (max 25): {s}')
                    if not s.rstrip().endswith(('.', '!', '?')):
                        err(f'{where}: short_answer should be a complete sentence')
            ans = e.get('answer')
            if isinstance(ans, str):
                if locale == 'zh-CN':
                    sents = [x for x in re.split(r'[。!?]', ans) if x.strip()]
                else:
                    sents = [x for x in re.split(r'(?<=[.!?])\s+', subst(ans, facts)) if x.strip()]
                if len(sents) > 5:
                    err(f'{where}: answer has {len(sents)} sentences (aim 1-4)')
                elif len(sents) > 4:
                    warn(f'{where}: answer has {len(sents)} sentences (aim 1-4)')
            rv = e.get('reviewed')
            if isinstance(rv, str):
                try:
                    rv = datetime.date.fromisoformat(rv)
                except ValueError:
                    err(f'{where}: reviewed must be YYYY-MM-DD')
                    rv = None
            if isinstance(rv, datetime.datetime) or not isinstance(rv, datetime.date):
                if rv is not None:
                    err(f'{where}: reviewed must be a date YYYY-MM-DD')
            elif not (DATE_LO <= rv <= DATE_HI):
                err(f'{where}: reviewed {rv} outside {DATE_LO}..{DATE_HI}')
    unused = set(facts) - used
    if unused:
        err(f'{locale}: facts defined but never used: {sorted(unused)}')
    total = sum(per_topic.values())
    print(f'{locale}: {total} entries; ' + ', '.join(f'{t}={per_topic.get(t, 0)}' for t in TOPICS))
    if total < MIN_TOTAL[locale]:
        err(f'{locale}: {total} entries, need at least {MIN_TOTAL[locale]}')
    for t in TOPICS:
        if per_topic.get(t, 0) < MIN_PER_TOPIC[locale]:
            err(f'{locale}: topic {t} has {per_topic.get(t, 0)} entries, need {MIN_PER_TOPIC[locale]}')
    # near-duplicates against intent examples
    ex = intent_examples(locale)
    exn = [(i, x, norm(x)) for i, x in ex]
    exact = {n: (i, x) for i, x, n in exn}
    thr = float(os.environ.get("THR", 0)) or (0.6 if locale == 'zh-CN' else 0.55)
    for eid, q, n in all_q:
        if n in exact:
            err(f'{locale}:{eid}: question {q!r} equals intent example in {exact[n][0]}')
            continue
        best = max(((jacc(n, m), i, x) for i, x, m in exn), default=(0, '', ''))
        if best[0] >= thr:
            warn(f'{locale}:{eid}: {q!r} ~ {best[1]}: {best[2]!r} ({best[0]:.2f})')
    # near-duplicates across FAQ entries
    for a in range(len(all_q)):
        for b in range(a + 1, len(all_q)):
            if all_q[a][0] != all_q[b][0]:
                s = jacc(all_q[a][2], all_q[b][2])
                if s >= 0.7:
                    warn(f'{locale}: similar questions in {all_q[a][0]} / {all_q[b][0]}: '
                         f'{all_q[a][1]!r} ~ {all_q[b][1]!r} ({s:.2f})')

for loc in ('zh-CN', 'en'):
    check_locale(loc)
for w in warnings:
    print('WARN ', w)
for e in errors:
    print('ERROR', e)
print(f'{len(errors)} errors, {len(warnings)} warnings')
sys.exit(1 if errors else 0)
