//! `appeal serve` over HTTP: the real server started on 127.0.0.1 with the shipped campaigns,
//! driven with an HTTP client.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::harness::{BIN, Test};

/// A server running on a free port until dropped.
struct Server {
    child: Child,
    base: String,
    project: Option<Test>,
}

impl Server {
    /// Serves the shipped campaigns as of `today`.
    fn start(today: &str) -> Server {
        Server::start_in(Test::shipped(), today)
    }

    fn start_in(project: Test, today: &str) -> Server {
        Server::start_with(project, today, &[])
    }

    fn start_with(project: Test, today: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .current_dir(project.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--today", today])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the server says where it listens");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server {
            child,
            base,
            project: Some(project),
        }
    }

    /// Stops the server; returns its project folder (its outbox and secret kept).
    fn stop(mut self) -> Test {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.project.take().expect("the project")
    }

    /// The project folder the server runs in.
    fn root(&self) -> std::path::PathBuf {
        self.project
            .as_ref()
            .expect("the project")
            .path()
            .to_path_buf()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that reports every status as a response, follows no redirect, keeps no cookie.
fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

struct Page {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Page {
    fn of(mut response: ureq::http::Response<ureq::Body>) -> Page {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(50 << 20)
            .read_to_vec()
            .expect("a body");
        Page {
            status,
            headers,
            body,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn get(url: &str, headers: &[(&str, &str)]) -> Page {
    let mut request = client().get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    Page::of(request.call().expect("the server answers"))
}

fn post(url: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Page {
    post_from(url, cookie, form, None)
}

/// `post`, through a proxy that says the client is `forwarded`.
fn post_from(
    url: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
    forwarded: Option<&str>,
) -> Page {
    let mut request = client().post(url);
    if let Some(address) = forwarded {
        request = request.header("X-Forwarded-For", address);
    }
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    Page::of(
        request
            .send_form(form.iter().copied())
            .expect("the server answers"),
    )
}

/// Opens an action page as a browser would: its cookie and the form's token.
fn open(server: &Server, id: &str) -> (String, String) {
    let page = get(&server.url(&format!("/action/{id}")), &[]);
    assert_eq!(page.status, 200, "{}", page.text());
    let cookie = page
        .header("set-cookie")
        .expect("a cookie for the form")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = page.text();
    let at = html.find("name=\"csrf\" value=\"").expect("a token") + 19;
    let token = html[at..at + 64].to_string();
    (cookie, token)
}

/// Eva's form for `lang`, with `token`.
fn eva<'a>(token: &'a str, lang: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("name", "Eva Muster"),
        ("address", "Hauptstraße 1"),
        ("postcode", "10115"),
        ("city", "Berlin"),
        ("country", "DE"),
        ("lang", lang),
        ("note", "Ich denke an ihn."),
    ]
}

#[test]
fn the_index_lists_open_actions_soonest_first_in_the_visitors_language() {
    let server = Server::start("2011-04-01");
    let page = get(
        &server.url("/"),
        &[("Accept-Language", "de-AT,de;q=0.9,en;q=0.5")],
    );
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("<html lang=\"de\" dir=\"ltr\">"), "{html}");
    assert!(html.contains("Eilaktionen"));
    let at = |id: &str| {
        html.find(&format!("/action/{id}?"))
            .unwrap_or_else(|| panic!("{id} is listed"))
    };
    assert!(at("juraev-2011") < at("no-extradition-to-russia"));
    assert!(at("no-extradition-to-russia") < at("ablyazov-2015"));
    // The deadline in the action's language, with the days left.
    assert!(html.contains("3. Mai 2011"), "{html}");
    assert!(html.contains("<strong>32</strong>"), "{html}");
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
    // Chosen over the browser's language; Arabic pages read right to left.
    let ar = get(&server.url("/?lang=ar"), &[("Accept-Language", "de")]).text();
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"), "{ar}");
    assert!(ar.contains("تحركات عاجلة"));
}

#[test]
fn an_action_past_its_deadline_offers_no_form_and_takes_no_letter() {
    // A token made while the action was open, by the same server (its secret is kept).
    let open_server = Server::start("2011-04-01");
    let (cookie, token) = open(&open_server, "juraev-2011");
    let server = Server::start_in(open_server.stop(), "2011-05-04");
    let index = get(&server.url("/"), &[]).text();
    assert!(!index.contains("/action/juraev-2011"), "{index}");
    assert!(index.contains("/action/ablyazov-2015"));
    let page = get(&server.url("/action/juraev-2011"), &[]);
    assert_eq!(page.status, 410);
    let html = page.text();
    assert!(!html.contains("<form"), "{html}");
    assert!(
        html.contains("deadline of this action has passed"),
        "{html}"
    );
    // Not even with that token.
    let page = post(
        &server.url("/action/juraev-2011/download"),
        Some(&cookie),
        &[eva(&token, "ru"), vec![("format", "pdf")]].concat(),
    );
    assert_eq!(page.status, 410, "{}", page.text());
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
}

#[test]
fn previews_each_letter_then_downloads_them_as_one_pdf_and_as_text() {
    let server = Server::start("2011-04-01");
    let (cookie, token) = open(&server, "juraev-2011");
    let preview = post(
        &server.url("/action/juraev-2011/preview"),
        Some(&cookie),
        &eva(&token, "ru"),
    );
    assert_eq!(preview.status, 200, "{}", preview.text());
    let html = preview.text();
    // The target and the two copies of the shipped campaign, for a supporter in Germany.
    assert_eq!(
        html.matches("<section class=\"letter\">").count(),
        3,
        "{html}"
    );
    assert!(html.contains("Генеральный прокурор Российской Федерации"));
    assert!(html.contains("Ich denke an ihn."));
    assert!(html.contains("Eva Muster"));

    let download = |format: &str| {
        post(
            &server.url("/action/juraev-2011/download"),
            Some(&cookie),
            &[eva(&token, "ru"), vec![("format", format)]].concat(),
        )
    };
    let pdf = download("pdf");
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert_eq!(
        pdf.header("content-disposition"),
        Some("attachment; filename=\"juraev-2011-letters.pdf\"")
    );
    let doc = lopdf::Document::load_mem(&pdf.body).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(
        pages.len() >= 3,
        "one letter per addressee, each from a new page"
    );
    let text = doc.extract_text(&pages).unwrap();
    assert!(
        text.contains("Eva Muster") && text.contains("Джураев"),
        "{text}"
    );

    let txt = download("txt");
    assert_eq!(txt.status, 200);
    assert_eq!(
        txt.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let letters: Vec<&str> = std::str::from_utf8(&txt.body)
        .unwrap()
        .split('\u{000C}')
        .collect();
    assert_eq!(letters.len(), 3);
    assert!(letters.iter().all(|l| l.contains("Eva Muster")));
}

#[test]
fn refuses_a_form_without_this_browsers_token() {
    let server = Server::start("2011-04-01");
    let (cookie, token) = open(&server, "juraev-2011");
    let url = server.url("/action/juraev-2011/preview");
    // No cookie (a form posted from another site), another browser's cookie, a forged token,
    // the token of another action.
    let (other_cookie, _) = open(&server, "juraev-2011");
    let (_, other_token) = open(&server, "ablyazov-2015");
    for (cookie, token) in [
        (None, token.as_str()),
        (Some(other_cookie.as_str()), token.as_str()),
        (Some(cookie.as_str()), &"0".repeat(64)),
        (Some(cookie.as_str()), other_token.as_str()),
        (Some(cookie.as_str()), ""),
    ] {
        let page = post(&url, cookie, &eva(token, "ru"));
        assert_eq!(page.status, 403, "{cookie:?} {token}");
        assert!(!page.text().contains("<pre"), "no letter is shown");
    }
}

#[test]
fn a_field_to_correct_is_shown_at_the_field_and_limits_hold() {
    let server = Server::start("2011-04-01");
    let (cookie, token) = open(&server, "juraev-2011");
    let url = server.url("/action/juraev-2011/preview");
    let with = |field: &str, value: &str| -> Vec<(String, String)> {
        let mut form: Vec<(String, String)> = eva(&token, "ru")
            .into_iter()
            .filter(|(k, _)| *k != field)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        form.push((field.to_string(), value.to_string()));
        form
    };
    let long_note = "x".repeat(1001);
    for (field, value) in [
        ("name", ""),
        ("note", long_note.as_str()),
        ("lang", "pt"),
        ("country", ""),
        ("country", "XX"),
        ("postcode", ""),
        ("email", "not an address"),
    ] {
        let form = with(field, value);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let page = post(&url, Some(&cookie), &form);
        assert_eq!(page.status, 422, "{field}={value:?}: {}", page.text());
        let html = page.text();
        assert!(
            html.contains(&format!("id=\"{field}\"")) && html.contains("role=\"alert\""),
            "{field}: {html}"
        );
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "the error links to its field {field}"
        );
        assert!(html.contains("aria-invalid=\"true\""), "{field}");
        // What she typed stays in the form.
        assert!(html.contains("value=\"Eva Muster\"") || field == "name");
    }
    // A body past the server's limit is refused before it is read.
    let huge = "y".repeat(64 * 1024);
    let page = post(
        &url,
        Some(&cookie),
        &[("csrf", token.as_str()), ("note", &huge)],
    );
    assert_eq!(page.status, 413);
}

#[test]
fn an_arabic_page_names_countries_in_arabic_and_a_german_form_says_what_to_correct_in_german() {
    let server = Server::start("2011-04-01");
    let html = get(&server.url("/action/juraev-2011?lang=ar"), &[]).text();
    let latin = |s: &str| s.chars().any(|c| c.is_ascii_alphabetic());
    // Every country of the select in Arabic, with its code.
    let select = &html[html.find("<select id=\"country\"").expect("the select")..];
    let select = &select[..select.find("</select>").expect("its end")];
    let options: Vec<&str> = select
        .split("<option value=\"")
        .skip(2)
        .map(|o| o.split_once('>').expect("an option").1)
        .map(|o| o.trim_end().trim_end_matches("</option>"))
        .collect();
    assert!(options.len() > 240, "{select}");
    for option in &options {
        let (name, code) = option.rsplit_once(" (").expect("a name and its code");
        assert!(!latin(name) && code.len() == 3, "{option}");
    }
    assert!(options.contains(&"روسيا (RU)"), "{options:?}");
    // The embassy the letters go to, named in Arabic, marked as Arabic.
    let embassy = html
        .split("<li ")
        .find(|li| li.contains("سفارة"))
        .expect("the embassy among the addressees");
    let embassy = &embassy[..embassy.find("</li>").unwrap()];
    assert!(embassy.starts_with("lang=\"ar\" dir=\"rtl\">"), "{embassy}");
    let text = embassy.split(['>', '<']).nth(1).unwrap();
    assert!(text.contains("روسيا") && !latin(text), "{embassy}");
    // The deadline line in Chinese: full-width colon, no space after it.
    let zh = get(&server.url("/action/juraev-2011?lang=zh"), &[]).text();
    assert!(zh.contains("截止日期：<span"), "{zh}");
    assert!(zh.contains("。剩余天数：<strong>"), "{zh}");
    // A government's role in the page's language, not the campaign's id of it.
    let de = get(&server.url("/action/no-extradition-to-russia?lang=de"), &[]).text();
    assert!(
        de.contains(">Justizministerin oder Justizminister Ihres Landes<"),
        "{de}"
    );
    // A full stop is not doubled after an abbreviation's: "3 мая 2011 г. Осталось дней".
    let ru = get(&server.url("/action/juraev-2011?lang=ru"), &[]).text();
    assert!(ru.contains("г.</span> Осталось дней: <strong>"), "{ru}");

    // A German page's form: what to correct, in German, with its figures.
    let (cookie, token) = open(&server, "juraev-2011");
    let url = server.url("/action/juraev-2011/preview?lang=de");
    let note = "x".repeat(1001);
    let cases = [
        ("name", "", "Jeder Brief braucht den Namen"),
        (
            "note",
            note.as_str(),
            "Das sind 1.001 Zeichen; höchstens 1.000 passen.",
        ),
        ("lang", "pt", "Englisch, Französisch"),
        (
            "postcode",
            "",
            "Eine Anschrift in diesem Land (Deutschland)",
        ),
    ];
    for (field, value, german) in cases {
        let mut form: Vec<(&str, &str)> = eva(&token, "ru")
            .into_iter()
            .filter(|(k, _)| *k != field)
            .collect();
        form.push((field, value));
        let page = post(&url, Some(&cookie), &form);
        assert_eq!(page.status, 422, "{field}");
        let html = page.text();
        let alert = &html[html.find("role=\"alert\"").expect("an alert")..];
        let alert = &alert[..alert.find("</div>").unwrap()];
        assert!(alert.contains(german), "{field}: {alert}");
        assert!(!alert.contains("lang=\"en\""), "{alert}");
    }
}

#[test]
fn nothing_typed_reaches_a_header_a_path_or_the_page_unescaped() {
    let server = Server::start("2011-04-01");
    let (cookie, token) = open(&server, "juraev-2011");
    let evil = "Eva\r\nSet-Cookie: stolen=1\r\n<script>alert(1)</script>\"'";
    for field in [
        "name", "address", "city", "postcode", "region", "email", "note", "lang", "format",
    ] {
        let mut form: Vec<(&str, &str)> = eva(&token, "ru")
            .into_iter()
            .filter(|(k, _)| *k != field)
            .collect();
        form.push((field, evil));
        if field != "format" {
            form.push(("format", "pdf"));
        }
        for path in ["preview", "download"] {
            let page = post(
                &server.url(&format!("/action/juraev-2011/{path}")),
                Some(&cookie),
                &form,
            );
            assert!(
                page.headers
                    .iter()
                    .all(|(k, v)| !k.eq_ignore_ascii_case("stolen")
                        && !v.contains("stolen")
                        && !v.contains("Eva")),
                "{field} {path}: {:?}",
                page.headers
            );
            let html = page.text();
            if page
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
            {
                assert!(!html.contains("<script>"), "{field} {path}: {html}");
            }
        }
    }
    // The action id is looked up among the campaigns, never joined to a path.
    for path in [
        "/action/..%2f..%2fetc%2fpasswd",
        "/action/../recipients",
        "/nowhere",
    ] {
        let page = get(&server.url(path), &[]);
        assert_eq!(page.status, 404, "{path}");
    }
}

/// A message as its reader sees it: quoted-printable soft line breaks joined, `=3D` decoded
/// (the confirmation's link line is longer than a line of quoted-printable).
fn decoded(eml: &[u8]) -> String {
    let text = String::from_utf8_lossy(eml);
    if !text.contains("Content-Transfer-Encoding: quoted-printable") {
        return text.into_owned();
    }
    text.replace("=\r\n", "").replace("=3D", "=")
}

/// The messages waiting in `outbox/ready` of a project.
fn ready(project: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.join("outbox/ready"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The shipped project with sending settings for `smtp` (`extra`: more lines of appeal.yaml).
fn with_mail(smtp: &crate::smtp_server::SmtpServer, extra: &str) -> Test {
    Test::shipped().file(
        "appeal.yaml",
        format!(
            "from: \"Amnesty Test Section <appeals@amnesty.example>\"\nsmtp: \"{}\"\n{extra}",
            smtp.url()
        ),
    )
}

/// The shipped project with sending settings for `smtp`, and an email address for the Prosecutor
/// General (the Moscow City Court keeps a fax number only, the embassy in Germany neither).
fn with_prosecutor_email(smtp: &crate::smtp_server::SmtpServer, extra: &str) -> Test {
    let project = with_mail(smtp, extra);
    let directory = project.path().join("recipients/russia.yaml");
    let text = std::fs::read_to_string(&directory).unwrap().replacen(
        "    fax: \"+7 495 987 58 41\"\n",
        "    fax: \"+7 495 987 58 41\"\n    email: \"prosecutor@genproc.example\"\n",
        1,
    );
    std::fs::write(&directory, text).unwrap();
    project
}

/// Fills the form of Juraev's action as Eva in `lang`, with `email`, and asks the server to send
/// her letters: the page it answers.
fn ask_to_send(server: &Server, lang: &str, email: &str) -> Page {
    let (cookie, token) = open(server, "juraev-2011");
    let mut form = eva(&token, lang);
    form.push(("email", email));
    post(
        &server.url("/action/juraev-2011/send"),
        Some(&cookie),
        &form,
    )
}

/// The path of the confirmation link in `eml`.
fn confirmation_link(eml: &[u8]) -> String {
    let mail = decoded(eml);
    let at = mail.find("/confirm/").expect("a link in the message");
    mail[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

const GATEWAY: &str = "fax_gateway: \"{number}@fax.example.net\"\n";

#[test]
fn sends_her_letters_only_once_she_confirms_from_her_mailbox_and_only_once() {
    let smtp = crate::smtp_server::SmtpServer::start();
    let server = Server::start_in(with_mail(&smtp, GATEWAY), "2011-04-01");
    let root = server.root();
    let (cookie, token) = open(&server, "juraev-2011");
    let mut form = eva(&token, "ru");
    let preview = post(
        &server.url("/action/juraev-2011/preview"),
        Some(&cookie),
        &form,
    );
    assert!(
        preview
            .text()
            .contains("formaction=\"/action/juraev-2011/send"),
        "the officials have fax numbers and the office a gateway: {}",
        preview.text()
    );
    // Without her address there is nobody to confirm.
    let page = post(
        &server.url("/action/juraev-2011/send"),
        Some(&cookie),
        &form,
    );
    assert_eq!(page.status, 422);
    assert!(page.text().contains("href=\"#email\""));
    assert!(smtp.received().is_empty());

    form.push(("email", "eva@example.org"));
    let page = post(
        &server.url("/action/juraev-2011/send"),
        Some(&cookie),
        &form,
    );
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(
        ready(&root).is_empty(),
        "nothing is queued before she confirms"
    );
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["eva@example.org"]);
    let link_path = confirmation_link(&received[0].data);
    let confirmation = decoded(&received[0].data);
    assert!(confirmation.contains("appeals@amnesty.example"));
    // It counts the letters it will send (two by fax), not the one she posts herself.
    assert!(confirmation.contains("send 2 letter(s)"), "{confirmation}");
    // Opening the link shows a button (mail scanners open links too): still nothing queued.
    let page = get(&server.url(&link_path), &[]);
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("<form method=\"post\""));
    assert!(ready(&root).is_empty());
    // The button queues her letters by the fax gateway: to the Prosecutor General and the
    // Moscow City Court, which have fax numbers (the embassy in Germany has none: she posts it).
    let page = post(&server.url(&link_path), None, &[]);
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("2 message(s)"), "{}", page.text());
    let queued = ready(&root);
    assert_eq!(queued.len(), 2, "{queued:?}");
    // A second click queues nothing more.
    let again = post(&server.url(&link_path), None, &[]);
    assert_eq!(again.status, 410);
    assert!(again.text().contains("used already"), "{}", again.text());
    assert_eq!(ready(&root), queued);
    // Her data is gone from the requests folder; only the used link's empty marker stays.
    for entry in std::fs::read_dir(root.join("outbox/pending"))
        .unwrap()
        .flatten()
    {
        assert_eq!(entry.metadata().unwrap().len(), 0, "{:?}", entry.path());
    }
    // A forged or mistyped link confirms nothing.
    let page = post(
        &server.url(&format!("/confirm/{}", "a".repeat(64))),
        None,
        &[],
    );
    assert_eq!(page.status, 404);
}

#[test]
fn a_confirmation_the_mail_server_refuses_keeps_nothing_of_hers() {
    use crate::smtp_server::{Reply, SmtpServer, Stage};
    // Her mailbox is refused at RCPT: she never gets a link, so her request must not stay.
    let smtp = SmtpServer::with_rule(|stage, _| {
        matches!(stage, Stage::Rcpt).then_some(Reply::Code(550, "5.1.1 no such mailbox"))
    });
    let server = Server::start_in(with_mail(&smtp, GATEWAY), "2011-04-01");
    let root = server.root();
    let page = ask_to_send(&server, "en", "nobody@example.org");
    assert_eq!(page.status, 502, "{}", page.text());
    assert!(
        page.text()
            .contains("could not send you the confirmation email")
    );
    assert!(smtp.accepted().is_empty());
    let pending: Vec<_> = std::fs::read_dir(root.join("outbox/pending"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(pending.is_empty(), "nothing of hers kept: {pending:?}");
    assert!(ready(&root).is_empty());
}

#[test]
fn a_confirmation_link_expires() {
    let smtp = crate::smtp_server::SmtpServer::start();
    let server = Server::start_in(with_mail(&smtp, GATEWAY), "2011-04-01");
    let root = server.root();
    let page = ask_to_send(&server, "en", "eva@example.org");
    assert_eq!(page.status, 200, "{}", page.text());
    let link = confirmation_link(&smtp.received()[0].data);
    // The request as kept, asked for 25 hours ago.
    let request = std::fs::read_dir(root.join("outbox/pending"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&request).unwrap()).unwrap();
    let created = kept["created"].as_i64().unwrap();
    let mut old = kept.clone();
    old["created"] = serde_json::json!(created - 25 * 3600);
    std::fs::write(&request, serde_json::to_vec(&old).unwrap()).unwrap();
    let page = post(&server.url(&link), None, &[]);
    assert_eq!(page.status, 410, "{}", page.text());
    assert!(page.text().contains("expired"));
    assert!(ready(&root).is_empty());
    assert!(!request.exists(), "an expired request is removed");
}

#[test]
fn a_client_address_past_its_limit_is_told_when_to_come_back() {
    let server = Server::start_with(
        Test::shipped(),
        "2011-04-01",
        &["--posts-per-hour", "3", "--trust-proxy"],
    );
    let (cookie, token) = open(&server, "juraev-2011");
    let url = server.url("/action/juraev-2011/preview");
    let form = eva(&token, "ru");
    let from = |client: &str| post_from(&url, Some(&cookie), &form, Some(client));
    for _ in 0..3 {
        assert_eq!(from("203.0.113.7").status, 200);
    }
    let refused = from("203.0.113.7");
    assert_eq!(refused.status, 429);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=1200).contains(&wait), "{wait}");
    // In the page's language, as the form asked for it.
    let german = post_from(
        &server.url("/action/juraev-2011/preview?lang=de"),
        Some(&cookie),
        &form,
        Some("203.0.113.7"),
    );
    assert_eq!(german.status, 429);
    assert!(
        german.text().contains("Zu viele Anfragen"),
        "{}",
        german.text()
    );
    // Another client behind the same proxy has its own allowance; a client cannot pick its
    // address by prepending one (the proxy's own entry is the last).
    assert_eq!(from("198.51.100.1").status, 200);
    assert_eq!(from("198.51.100.1, 203.0.113.7").status, 429);
    // Pages are not counted.
    assert_eq!(get(&server.url("/"), &[]).status, 200);
}

#[test]
fn a_stop_a_coordinator_adds_shows_on_the_next_page_without_a_restart() {
    let server = Server::start("2011-04-01");
    assert_eq!(get(&server.url("/action/juraev-2011"), &[]).status, 200);
    let file = server.root().join("campaigns/juraev-2011.yaml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(
        "updates:\n  - date: 2011-03-30\n    action: stop\n    text: {en: \"He was released.\", ru: \"Он освобождён.\", de: \"Er wurde freigelassen.\", fr: \"Il a été libéré.\", es: \"Fue liberado.\", ar: \"أُفرج عنه.\", fa: \"او آزاد شد.\", zh: \"他已获释。\"}\n",
    );
    std::fs::write(&file, text).unwrap();
    let page = get(&server.url("/action/juraev-2011"), &[]);
    assert_eq!(page.status, 410, "{}", page.text());
    assert!(page.text().contains("This action has ended"));
    assert!(
        !get(&server.url("/"), &[])
            .text()
            .contains("/action/juraev-2011")
    );
}

#[test]
fn with_send_the_server_delivers_her_confirmed_letters_once() {
    let smtp = crate::smtp_server::SmtpServer::start();
    // The Prosecutor General with an email address (faxes would wait for Moscow's office
    // hours, which a test cannot choose).
    let project = with_prosecutor_email(&smtp, "rate: off\n");
    let server = Server::start_with(project, "2011-04-01", &["--send"]);
    let root = server.root();
    assert_eq!(ask_to_send(&server, "ru", "eva@example.org").status, 200);
    let link = confirmation_link(&smtp.received()[0].data);
    assert_eq!(post(&server.url(&link), None, &[]).status, 200);
    // The confirmation woke the sender: her letter goes out, once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while smtp.received().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let received = smtp.received();
    assert_eq!(received.len(), 2, "the confirmation, then her letter");
    assert_eq!(received[1].to, ["prosecutor@genproc.example"]);
    assert!(decoded(&received[1].data).contains("Eva Muster"));
    assert!(ready(&root).is_empty(), "the outbox is delivered");
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(smtp.received().len(), 2, "nothing twice");
}

/// The texts of the elements that open with `open` in `html` (up to their `close`), tags removed.
fn texts(html: &str, open: &str, close: &str) -> Vec<String> {
    html.split(open)
        .skip(1)
        .filter_map(|part| part.split_once(close))
        .map(|(inner, _)| {
            let mut text = String::new();
            let mut in_tag = false;
            for c in inner.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

/// The addressees of the letters a preview shows, and those it tells her to post herself.
fn headings_and_to_post(page: &Page) -> (Vec<String>, Vec<String>) {
    let html = page.text();
    let headings = texts(&html, "<h2>", "</h2>");
    let to_post = match html.split_once("aria-labelledby=\"to-post\">") {
        Some((_, list)) => texts(list.split("</ul>").next().unwrap_or(""), "<li>", "</li>"),
        None => Vec::new(),
    };
    (headings, to_post)
}

#[test]
fn the_preview_tells_her_to_post_only_the_letters_the_server_cannot_send() {
    // The Prosecutor General has an email address, the Moscow City Court a fax number only,
    // the embassy in Germany neither.
    let preview = |extra: &str| {
        let smtp = crate::smtp_server::SmtpServer::start();
        let server = Server::start_in(with_prosecutor_email(&smtp, extra), "2011-04-01");
        let (cookie, token) = open(&server, "juraev-2011");
        let page = post(
            &server.url("/action/juraev-2011/preview?lang=en"),
            Some(&cookie),
            &eva(&token, "ru"),
        );
        assert_eq!(page.status, 200, "{}", page.text());
        headings_and_to_post(&page)
    };
    let (headings, without_gateway) = preview("");
    assert_eq!(headings.len(), 3, "{headings:?}");
    // Without a fax gateway: the court's letter and the embassy's are hers to post.
    assert_eq!(without_gateway.len(), 2, "{without_gateway:?}");
    assert!(without_gateway.iter().all(|to| headings.contains(to)));
    // With one, the court's goes by fax: only the embassy's is hers to post.
    let (headings, with_gateway) = preview(GATEWAY);
    assert_eq!(with_gateway.len(), 1, "{with_gateway:?}");
    assert!(without_gateway.contains(&with_gateway[0]));
    assert!(headings.contains(&with_gateway[0]));
    // The embassy of the country she writes from (Berlin).
    assert!(with_gateway[0].contains("Германии"), "{with_gateway:?}");
}
