//! Personal data never leaves the turn in clear: a table of card, ID and phone numbers,
//! e-mail addresses and one-time codes, written the ways customers write them, goes through
//! the real binary (debug logs on, a real webhook receiver), and none of them is found in
//! the database files, the log, a webhook body or any API answer. The last four digits of a
//! card still reach the agent.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::{log_tail, repo_root, wait_ready};
use crate::receiver::{Receiver, SECRET, free_address};

/// Appends the Luhn check digit to `body`.
fn luhn(body: &str) -> String {
    let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let check = (0..10)
        .find(|&d| frontline::privacy::luhn_valid(&[digits.as_slice(), &[d]].concat()))
        .unwrap();
    format!("{body}{check}")
}

/// Appends the check character of a mainland ID number to its first 17 digits.
fn id_number(body: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{body}{}", CHECK[(sum % 11) as usize])
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
            ' ' => '\u{3000}',
            other => other,
        })
        .collect()
}

fn grouped(digits: &str, sizes: &[usize], separator: &str) -> String {
    let mut parts = Vec::new();
    let mut at = 0;
    for &size in sizes {
        parts.push(&digits[at..(at + size).min(digits.len())]);
        at += size;
    }
    if at < digits.len() {
        parts.push(&digits[at..]);
    }
    parts.join(separator)
}

/// Only the digits of a text, full-width ones as ASCII.
fn digits_of(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            _ => None,
        })
        .collect()
}

/// One way a customer writes personal data: the messages (usually one) and the secret.
struct Variant {
    name: String,
    messages: Vec<String>,
    /// The personal data as written (split variants: the whole, joined).
    secret: String,
    /// For cards: the last four digits the agent must still see.
    card_tail: Option<String>,
}

fn one(name: &str, before: &str, secret: &str, after: &str) -> Variant {
    Variant {
        name: name.into(),
        messages: vec![format!("{before}{secret}{after}")],
        secret: secret.into(),
        card_tail: None,
    }
}

fn card(name: &str, before: &str, secret: &str, after: &str) -> Variant {
    let digits = digits_of(secret);
    Variant {
        card_tail: Some(digits[digits.len() - 4..].to_string()),
        ..one(name, before, secret, after)
    }
}

fn split(name: &str, first: &str, second: &str, secret_digits: &str) -> Variant {
    Variant {
        name: name.into(),
        messages: vec![first.into(), second.into()],
        secret: secret_digits.into(),
        card_tail: None,
    }
}

fn variants() -> Vec<Variant> {
    let mut v = Vec::new();
    let cards = [
        luhn("622202123456789"),    // 16, UnionPay debit
        luhn("621700003101234567"), // 19
        luhn("437712345678"),       // 13
        luhn("625807654321098"),    // 16, credit
    ];
    for (n, number) in cards.iter().enumerate() {
        v.push(card(
            &format!("card {n} plain"),
            "我的卡号是",
            number,
            ",帮我查一下",
        ));
        v.push(card(
            &format!("card {n} spaced"),
            "卡号 ",
            &grouped(number, &[4, 4, 4, 4], " "),
            " 被吞了",
        ));
        v.push(card(
            &format!("card {n} dashed"),
            "card number ",
            &grouped(number, &[4, 4, 4, 4], "-"),
            " please check",
        ));
        v.push(card(
            &format!("card {n} full-width"),
            "卡号:",
            &full_width(number),
            "。",
        ));
        v.push(card(
            &format!("card {n} full-width spaced"),
            "卡号",
            &full_width(&grouped(number, &[4, 4, 4, 4], " ")),
            "",
        ));
    }
    v.push(card(
        "card glued to words",
        "我那张",
        &cards[0],
        "的卡被ATM吞了",
    ));
    v.push(card(
        "card with a tab of spaces",
        "卡号是 ",
        &grouped(&cards[0], &[6, 10], " "),
        "",
    ));

    let ids = [
        id_number("11010519491231002"),
        id_number("44030619880712351"),
        id_number("31011519700101003"),
    ];
    for (n, id) in ids.iter().enumerate() {
        v.push(one(&format!("id {n} plain"), "身份证号", id, ",请核实"));
        v.push(one(
            &format!("id {n} spaced"),
            "身份证 ",
            &grouped(id, &[6, 8, 4], " "),
            "",
        ));
        v.push(one(
            &format!("id {n} full-width"),
            "证件号:",
            &full_width(id),
            "",
        ));
    }
    // Check character X, as customers type it: upper and lower case.
    let x_id = (0..100)
        .map(|n| id_number(&format!("320102199003{:02}{:03}", 1 + n % 28, 100 + n)))
        .find(|id| id.ends_with('X'))
        .unwrap();
    v.push(one("id with X", "身份证号码是", &x_id, ""));
    v.push(one(
        "id with lower-case x",
        "身份证号码是",
        &x_id.to_lowercase(),
        "谢谢",
    ));
    v.push(one("id old 15 digits", "老身份证", "110105491231002", ""));

    let phones = ["13812345678", "15999887766", "18600001111"];
    for (n, phone) in phones.iter().enumerate() {
        v.push(one(
            &format!("phone {n} plain"),
            "我手机",
            phone,
            ",回电话给我",
        ));
        v.push(one(
            &format!("phone {n} +86 spaced"),
            "电话 ",
            &format!("+86 {}", grouped(phone, &[3, 4, 4], " ")),
            "",
        ));
        v.push(one(
            &format!("phone {n} +86 glued"),
            "call me on ",
            &format!("+86{phone}"),
            "",
        ));
        v.push(one(
            &format!("phone {n} dashed"),
            "手机号:",
            &grouped(phone, &[3, 4, 4], "-"),
            "",
        ));
        v.push(one(
            &format!("phone {n} full-width"),
            "手机",
            &full_width(phone),
            "",
        ));
    }
    v.push(one("phone 86-dashed", "联系电话", "86-139-1234-8765", ""));

    for (n, email) in [
        "zhang.san@example.com",
        "li_si+bank@qq.com",
        "WANG.WU@163.COM",
        "chen-liu@mail.example-bank.cn",
    ]
    .iter()
    .enumerate()
    {
        v.push(one(&format!("email {n}"), "邮箱是 ", email, " 发我对账单"));
    }

    for (n, (before, code)) in [
        ("验证码是", "385920"),
        ("刚收到的动态码:", "884130"),
        ("我的密码是", "abc12345"),
        ("交易密码 ", "731946"),
        ("my password is ", "Qw3rty99x"),
        ("the OTP is ", "552199"),
        ("PIN: ", "482193"),
        ("短信验证码 ", "０７３５１９"),
    ]
    .iter()
    .enumerate()
    {
        v.push(one(&format!("secret {n}"), before, code, ",对吗"));
    }

    let split_card = luhn("622848001234567");
    v.push(split(
        "card over two messages",
        &format!("卡号是{}", &split_card[..8]),
        &split_card[8..],
        &split_card,
    ));
    v.push(split(
        "card over two messages, spaced",
        &format!("我的卡 {}", grouped(&split_card[..8], &[4, 4], " ")),
        &grouped(&split_card[8..], &[4, 4], " "),
        &split_card,
    ));
    v.push(split(
        "phone over two messages",
        "我手机号是138",
        "0013 5678",
        "13800135678",
    ));
    v.push(split(
        "id over two messages",
        &format!("身份证{}", &ids[1][..10]),
        &ids[1][10..],
        &ids[1],
    ));
    v
}

/// The ways a secret could be found: as written, with ASCII digits, as bare digits.
fn forms(secret: &str) -> Vec<String> {
    let ascii: String = secret
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap(),
            '\u{3000}' => ' ',
            other => other,
        })
        .collect();
    let mut forms = vec![secret.to_string(), ascii.clone(), ascii.to_lowercase()];
    let digits = digits_of(secret);
    if digits.len() >= 7 {
        forms.push(digits);
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Every string in a JSON document, and the digits of each (a number spelled with
/// separators is still that number).
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            out.push(s.clone());
            out.push(digits_of(s));
        }
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

fn leaks(haystack: &str, variant: &Variant) -> Option<String> {
    forms(&variant.secret)
        .into_iter()
        .find(|form| haystack.contains(form.as_str()))
}

/// The log without the digits after a decimal point: timestamps (`…T11:39:12.482193Z`) and
/// durations (`1.482193ms`) carry six-digit fractions that match a six-digit PIN by chance
/// (this test once failed that way). A leaked code never follows a decimal point.
fn without_fractions(log: &str) -> String {
    let mut out = String::with_capacity(log.len());
    let mut after_point = false;
    for c in log.chars() {
        if after_point && c.is_ascii_digit() {
            continue;
        }
        after_point = c == '.';
        out.push(c);
    }
    out
}

/// The database's files in the data dir (the database and its WAL), as text. The saved
/// models (`models/`) are left out: they are trained on the content's examples only, never
/// on what customers write, and their thousands of numbers contain any 6-digit code by
/// chance.
fn database_bytes(data_dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(path).unwrap()));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_variant_of_personal_data_is_stored_logged_sent_or_shown() {
    let variants = variants();
    assert_eq!(variants.len(), 66, "the table README describes");

    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("frontline.toml");
    std::fs::write(
        &config,
        format!(
            "[delivery]\nfirst_retry_ms = 50\npoll_ms = 50\n\n[[webhooks]]\nname = \"desk\"\nurl = \"{}\"\nsecret_env = \"DESK_WEBHOOK_SECRET\"\n",
            receiver.url()
        ),
    )
    .unwrap();
    let data_dir = dir.path().join("data");
    let log = dir.path().join("frontline.log");
    let address = free_address().to_string();
    let mut bot = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["serve", "--addr", &address, "--content"])
        .arg(repo_root())
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--config")
        .arg(&config)
        .env("DESK_WEBHOOK_SECRET", SECRET)
        // Everything, dependencies included, at debug level: no log line may carry PII.
        .env("FRONTLINE_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("the binary starts");
    let base = format!("http://{address}");
    let client = reqwest::Client::new();
    wait_ready(&client, &base).await;

    let mut answers: Vec<(usize, Value)> = Vec::new();
    let mut handoffs = std::collections::BTreeSet::new();
    for (n, variant) in variants.iter().enumerate() {
        let conversation = format!("pii-{n}");
        for (i, text) in variant
            .messages
            .iter()
            .map(String::as_str)
            .chain(["转人工"])
            .enumerate()
        {
            // Keyed, so that each answer is kept as the message's receipt too: the
            // database files searched below hold those as well.
            let response = client
                .post(format!("{base}/v1/conversations/{conversation}/messages"))
                .header("Idempotency-Key", format!("m-{n}-{i}"))
                .json(&json!({"text": text, "locale": "zh-CN"}))
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{}: {text}", variant.name);
            let turn: Value = response.json().await.unwrap();
            if let Some(id) = turn["handoff"]["id"].as_str() {
                handoffs.insert(id.to_string());
            }
            answers.push((n, turn));
        }
        let view: Value = client
            .get(format!("{base}/v1/conversations/{conversation}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answers.push((n, view));
    }
    assert_eq!(
        handoffs.len(),
        variants.len(),
        "one handoff per conversation"
    );
    if let Err(missing) = receiver
        .try_wait_for(&handoffs, std::time::Duration::from_secs(60))
        .await
    {
        let _ = bot.kill();
        panic!("{missing}\n{}", log_tail(&log));
    }
    let listed: Value = client
        .get(format!("{base}/v1/handoffs?status=all&per_page=100"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    bot.kill().unwrap();
    bot.wait().unwrap();

    let database = database_bytes(&data_dir);
    let logged = without_fractions(&std::fs::read_to_string(&log).unwrap());
    assert!(logged.contains("DEBUG"), "debug logging was on");
    let bodies: Vec<(String, Value)> = receiver
        .received()
        .into_iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            (
                body["conversation_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                body,
            )
        })
        .collect();

    let mut problems = Vec::new();
    for (n, variant) in variants.iter().enumerate() {
        let mut check = |place: &str, haystack: &str| {
            if let Some(form) = leaks(haystack, variant) {
                problems.push(format!("{}: `{form}` found in {place}", variant.name));
            }
        };
        check("the database files", &database);
        check("the log", &logged);
        let conversation = format!("pii-{n}");
        let mut listed_strings = Vec::new();
        if let Some(entry) = listed["handoffs"].as_array().and_then(|all| {
            all.iter()
                .find(|h| h["conversation_id"] == conversation.as_str())
        }) {
            strings(entry, &mut listed_strings);
        }
        check("GET /v1/handoffs", &listed_strings.join("\n"));
        let mut api = Vec::new();
        for (_, answer) in answers.iter().filter(|(i, _)| *i == n) {
            strings(answer, &mut api);
        }
        check("the conversation API", &api.join("\n"));
        let body = bodies
            .iter()
            .find(|(c, _)| *c == conversation)
            .map(|(_, b)| b.clone())
            .unwrap_or(Value::Null);
        let mut sent = Vec::new();
        strings(&body, &mut sent);
        check("the webhook body", &sent.join("\n"));
        // Split variants: the customer's lines, read one after the other, do not spell it.
        let transcript_digits: String = body["summary"]["transcript"]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .filter(|l| l["role"] == "customer")
                    .map(|l| digits_of(l["text"].as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        check("the transcript read end to end", &transcript_digits);
        if let Some(tail) = &variant.card_tail
            && !sent.iter().any(|s| s.contains(tail.as_str()))
        {
            problems.push(format!(
                "{}: the agent lost the card's last four {tail}",
                variant.name
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} leaks:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
