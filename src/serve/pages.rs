//! The routes and their pages: the index of open actions, an action with its form, the preview of
//! her letters, and the downloads.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::model::campaign::Addressee;
use crate::model::lang::Lang;

use super::csrf;
use super::form::{BODY_LIMIT, FieldError, LetterForm, Why};
use super::letters::{self, Made};
use super::site::{Action, Site};
use super::ui::fill;

type Shared = Arc<Site>;

/// The server's routes, with the limits and headers every response gets.
pub fn router(site: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/style.css", get(css))
        .route("/action/{id}", get(action))
        .route("/action/{id}/preview", post(preview))
        .route("/action/{id}/download", post(download))
        .route("/action/{id}/send", post(send))
        .route("/confirm/{token}", get(confirm_page).post(confirm))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(site.clone(), limit))
        .layer(axum::middleware::map_response(secure))
        .with_state(site)
}

/// What every response carries: a Content-Security-Policy that allows nothing but our own style
/// sheet and forms posting back to us (no script at all: the pages work without JavaScript),
/// and no caching of what may hold a supporter's data.
async fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// Refuses a form post past the client address's limit (429, with when to try again).
async fn limit(
    State(site): State<Shared>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.method() == axum::http::Method::POST {
        let ip = super::limits::client(peer, request.headers(), site.config.trust_proxy);
        if let Err(wait) = site.posts.take(&ip, std::time::Instant::now()) {
            // In the language the page asked for, as every other page.
            let query = Query::<LangQuery>::try_from_uri(request.uri())
                .map(|Query(query)| query)
                .unwrap_or_default();
            let context = base(&site, &query, request.headers(), "/");
            return too_many(&site, context, wait);
        }
    }
    next.run(request).await
}

/// The page of a limit reached.
fn too_many(site: &Site, context: tera::Context, wait: std::time::Duration) -> Response {
    let mut response = message(site, context, "too_many", StatusCode::TOO_MANY_REQUESTS);
    let seconds = wait.as_secs().max(1).to_string();
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct LangQuery {
    lang: Option<String>,
}

/// The page's language and the words and attributes every page needs.
fn base(site: &Site, query: &LangQuery, headers: &HeaderMap, path: &str) -> tera::Context {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = site.ui.negotiate(query.lang.as_deref(), accept);
    let mut context = tera::Context::new();
    context.insert("t", site.ui.words(&lang));
    context.insert("dir", dir_of(&lang));
    context.insert("path", path);
    let languages: Vec<serde_json::Value> = site
        .ui
        .languages()
        .into_iter()
        .map(|(tag, name)| serde_json::json!({"tag": tag, "name": name, "current": tag == lang}))
        .collect();
    context.insert("languages", &languages);
    context.insert("lang", &lang);
    context
}

fn page(site: &Site, name: &str, context: &tera::Context, status: StatusCode) -> Response {
    match site.ui.render(name, context) {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => {
            eprintln!("templates/web/{name}: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be made; the server's log says why.",
            )
                .into_response()
        }
    }
}

/// A page that says one thing (an error, an ended action) in the visitor's language.
fn message(site: &Site, context: tera::Context, key: &str, status: StatusCode) -> Response {
    message_with(site, context, key, status, &[])
}

/// `message`, with `{name}` in the words replaced by each `(name, value)`.
fn message_with(
    site: &Site,
    mut context: tera::Context,
    key: &str,
    status: StatusCode,
    values: &[(&str, &str)],
) -> Response {
    let text = site.ui.say(&lang_of(&context), key, values);
    context.insert("message", &text);
    page(site, "message.html", &context, status)
}

async fn css(State(site): State<Shared>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        site.css_text(),
    )
        .into_response()
}

async fn not_found(
    State(site): State<Shared>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let context = base(&site, &query, &headers, "/");
    message(&site, context, "not_found", StatusCode::NOT_FOUND)
}

/// What a page shows of an action: its texts in `lang` (the campaign's language closest to the
/// page's), what the page says of it (an embassy, a government's role, the days left) in the
/// page's language.
fn summary(site: &Site, action: &Action, page_lang: &str) -> serde_json::Value {
    let lang = action.lang_for(page_lang);
    let campaign = &action.campaign();
    let text = |l: &crate::model::text::Localized| l.get(&lang).unwrap_or_default().to_string();
    let persons = crate::render::letter::join_names(
        &lang,
        campaign.persons.iter().filter_map(|p| p.name.get(&lang)),
    );
    let ui = &site.ui;
    // A directory entry's title is in the action's language; an addressee the supporter's
    // country decides is described in the page's.
    let addressee = |who: &Addressee| {
        let (text, in_lang) = match who {
            Addressee::Recipient(id) => {
                let title = action.directory().get(id).and_then(|r| r.title.get(&lang));
                (
                    title.map_or_else(|| id.clone(), str::to_string),
                    lang.as_str(),
                )
            }
            Addressee::EmbassyOf(country) => {
                let country = ui.country_name(page_lang, *country);
                let text = ui.say(page_lang, "embassy_of", &[("country", country)]);
                (text, page_lang)
            }
            Addressee::GovernmentRole(role) => {
                let role = ui.role(page_lang, role);
                (
                    ui.say(page_lang, "government_role", &[("role", &role)]),
                    page_lang,
                )
            }
        };
        serde_json::json!({"text": text, "lang": in_lang, "dir": dir_of(in_lang)})
    };
    // Negative for a passed action: shown on no page, kept as it is.
    let days_left = usize::try_from(action.days_left).map_or_else(
        |_| action.days_left.to_string(),
        |n| ui.figure(page_lang, n),
    );
    let date = site.dates.long(&lang, None, campaign.deadline);
    // The full stop after the date, not doubled after an abbreviation's ("3 мая 2011 г.").
    let stop = ui.say(page_lang, "stop", &[]);
    let stop = match date.ends_with('.') {
        true => stop.strip_prefix('.').unwrap_or(&stop).to_string(),
        false => stop,
    };
    serde_json::json!({
        "id": campaign.id,
        "lang": lang.as_str(),
        "dir": dir_of(lang.as_str()),
        "title": text(&campaign.title),
        "persons": persons,
        "risk": text(&campaign.risk),
        "asks": campaign.asks.iter().map(|a| text(&a.sheet)).collect::<Vec<_>>(),
        "deadline": date,
        "stop": stop,
        "days_left": days_left,
        "targets": campaign.targets.iter().map(|t| addressee(&t.who)).collect::<Vec<_>>(),
        "copies": campaign.copies.iter().map(|t| addressee(&t.who)).collect::<Vec<_>>(),
        "languages": campaign.languages.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        "open": action.open(),
        "stopped": campaign.ended().is_some(),
    })
}

async fn index(
    State(site): State<Shared>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let mut context = base(&site, &query, &headers, "/");
    let lang = lang_of(&context);
    let open: Vec<serde_json::Value> = site
        .actions()
        .iter()
        .filter(|a| a.open())
        .map(|a| summary(&site, a, &lang))
        .collect();
    context.insert("actions", &open);
    page(&site, "index.html", &context, StatusCode::OK)
}

/// The browser's nonce from its cookie, when it has a valid one.
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == csrf::COOKIE && csrf::is_nonce(value))
        .map(|(_, value)| value.to_string())
}

/// The cookie that gives a browser its nonce.
fn nonce_cookie(site: &Site, nonce: &str) -> HeaderValue {
    let secure = site
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let cookie = format!(
        "{}={nonce}; Path=/; HttpOnly; SameSite=Strict{}",
        csrf::COOKIE,
        if secure { "; Secure" } else { "" }
    );
    // Made of ASCII only.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The action page: what the sheet says, and the form (with what she typed and what to correct,
/// when she comes back to it).
fn action_page(
    site: &Site,
    mut context: tera::Context,
    action: &Action,
    form: &LetterForm,
    error: Option<&FieldError>,
    nonce: &str,
) -> Response {
    let lang = lang_of(&context);
    let summary = summary(site, action, &lang);
    if !action.open() {
        context.insert("action", &summary);
        let key = if action.campaign().ended().is_some() {
            "action_stopped"
        } else {
            "action_passed"
        };
        return message(site, context, key, StatusCode::GONE);
    }
    let mut form = form.clone();
    if form.lang.is_empty() {
        form.lang = action.lang_for(&lang).to_string();
    }
    form.csrf = site.secret.token(nonce, &action.campaign().id);
    let error =
        error.map(|e| serde_json::json!({"field": e.field, "message": e.why.say(&site.ui, &lang)}));
    context.insert("action", &summary);
    context.insert("form", &form);
    context.insert("error", &error);
    context.insert("countries", site.ui.country_options(&lang));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(site, "action.html", &context, status)
}

async fn action(
    State(site): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let context = base(&site, &query, &headers, &format!("/action/{id}"));
    let Some(action) = site.action(&id) else {
        return message(&site, context, "not_found", StatusCode::NOT_FOUND);
    };
    let (nonce, new) = match nonce_of(&headers) {
        Some(n) => (n, false),
        None => (csrf::nonce(), true),
    };
    let mut response = action_page(
        &site,
        context,
        &action,
        &LetterForm::default(),
        None,
        &nonce,
    );
    if new {
        response
            .headers_mut()
            .insert(header::SET_COOKIE, nonce_cookie(&site, &nonce));
    }
    response
}

/// A posted form that may go on: the action is open, the token is this browser's, the fields
/// make a supporter. Otherwise the response to give.
struct Accepted {
    action: Action,
    made: Vec<Made>,
    country: Option<String>,
}

async fn accept(
    site: &Shared,
    id: &str,
    headers: &HeaderMap,
    context: tera::Context,
    form: &LetterForm,
    parts: bool,
) -> Result<Accepted, Response> {
    let Some(action) = site.action(id) else {
        return Err(message(site, context, "not_found", StatusCode::NOT_FOUND));
    };
    let Some(nonce) = nonce_of(headers) else {
        return Err(message(site, context, "csrf", StatusCode::FORBIDDEN));
    };
    if !site
        .secret
        .verify(&nonce, &action.campaign().id, &form.csrf)
    {
        return Err(message(site, context, "csrf", StatusCode::FORBIDDEN));
    }
    if !action.open() {
        return Err(action_page(site, context, &action, form, None, &nonce));
    }
    let (supporter, lang) = match form.check(action.campaign()) {
        Ok(ok) => ok,
        Err(e) => return Err(action_page(site, context, &action, form, Some(&e), &nonce)),
    };
    let country = supporter.country.map(|c| c.code().to_string());
    let worker = Arc::clone(site);
    let read = action.clone();
    let _turn = site.cores.acquire().await;
    let made =
        tokio::task::spawn_blocking(move || letters::make(&worker, &read, supporter, lang, parts))
            .await;
    match made {
        Ok(Ok(made)) => Ok(Accepted {
            action,
            made,
            country,
        }),
        Ok(Err(letters::Failed(why))) => Err(not_made(site, context, Some(&why))),
        Err(_) => Err(not_made(site, context, None)),
    }
}

/// The page of letters that could not be made: what the run said (422), or, with nothing to
/// say, a worker that failed (500, its panic in the log).
fn not_made(site: &Site, mut context: tera::Context, why: Option<&[String]>) -> Response {
    let status = match why {
        Some(why) => {
            context.insert("details", why);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        None => StatusCode::INTERNAL_SERVER_ERROR,
    };
    message(site, context, "letters_failed", status)
}

async fn preview(
    State(site): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<LetterForm>,
) -> Response {
    let mut context = base(&site, &query, &headers, &format!("/action/{id}"));
    let accepted = match accept(&site, &id, &headers, context.clone(), &form, false).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let lang = lang_of(&context);
    let letters: Vec<serde_json::Value> = accepted
        .made
        .iter()
        .map(|m| {
            serde_json::json!({
                "to": m.to,
                "copy": m.letter.copy,
                "lang": m.letter.lang.as_str(),
                "dir": dir_of(m.letter.lang.as_str()),
                "text": m.letter.text,
            })
        })
        .collect();
    context.insert("action", &summary(&site, &accepted.action, &lang));
    // The letters the server cannot send, when it offers to send the others: hers to post.
    let offered = can_email(&site, &accepted.made);
    let to_post: Vec<&serde_json::Value> = match offered {
        true => (letters.iter().zip(&accepted.made))
            .filter(|(_, m)| !sends(&site, m))
            .map(|(l, _)| l)
            .collect(),
        false => Vec::new(),
    };
    context.insert("to_post", &to_post);
    context.insert("letters", &letters);
    context.insert("form", &form);
    context.insert("can_email", &offered);
    page(&site, "preview.html", &context, StatusCode::OK)
}

async fn download(
    State(site): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<LetterForm>,
) -> Response {
    let context = base(&site, &query, &headers, &format!("/action/{id}"));
    let pdf = match form.format.as_str() {
        "pdf" => true,
        "txt" => false,
        _ => return message(&site, context, "bad_format", StatusCode::BAD_REQUEST),
    };
    let accepted = match accept(&site, &id, &headers, context.clone(), &form, pdf).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    // Named after the action (a checked slug), never after anything she typed.
    let name = &accepted.action.campaign().id;
    if !pdf {
        let text = accepted
            .made
            .iter()
            .map(|m| m.letter.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\u{000C}\n");
        return attachment(
            "text/plain; charset=utf-8",
            &format!("{name}-letters.txt"),
            text.into_bytes(),
        );
    }
    let worker = Arc::clone(&site);
    let made = accepted.made;
    let country = accepted.country;
    let bytes =
        tokio::task::spawn_blocking(move || letters::pdf(&made, &worker.fonts, country.as_deref()))
            .await;
    match bytes {
        Ok(Ok(bytes)) => attachment("application/pdf", &format!("{name}-letters.pdf"), bytes),
        Ok(Err(letters::Failed(why))) => not_made(&site, context, Some(&why)),
        Err(_) => not_made(&site, context, None),
    }
}

/// Whether the server can send some of these letters by email: it has an SMTP server, and an
/// addressee has an email address (or a fax number and the office a fax gateway).
fn can_email(site: &Site, made: &[Made]) -> bool {
    sendable(site, made) > 0
}

/// How many of these letters the server can send. The others are hers to post.
fn sendable(site: &Site, made: &[Made]) -> usize {
    made.iter().filter(|m| sends(site, m)).count()
}

/// Whether the server can send this letter: it has an SMTP server, and the addressee an email
/// address, or a fax number and the office a fax gateway.
fn sends(site: &Site, made: &Made) -> bool {
    site.mail
        .as_ref()
        .is_some_and(|mail| made.email || (made.fax && mail.settings.fax_gateway.is_some()))
}

/// The page's language, as `base` chose it.
fn lang_of(context: &tera::Context) -> String {
    context
        .get("lang")
        .and_then(|v| v.as_str())
        .unwrap_or("en")
        .to_string()
}

/// "Send them by email for me": a confirmation link goes to her address first; nothing is
/// queued until she opens it.
async fn send(
    State(site): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<LetterForm>,
) -> Response {
    let context = base(&site, &query, &headers, &format!("/action/{id}"));
    let lang = lang_of(&context);
    let accepted = match accept(&site, &id, &headers, context.clone(), &form, false).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    if !can_email(&site, &accepted.made) {
        return message(
            &site,
            context,
            "no_email_addressees",
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if form.email.trim().is_empty() {
        let nonce = nonce_of(&headers).unwrap_or_default();
        let error = FieldError {
            field: "email".to_string(),
            why: Why::EmailNeeded,
        };
        return action_page(
            &site,
            context,
            &accepted.action,
            &form,
            Some(&error),
            &nonce,
        );
    }
    let mailbox = form.email.trim().to_lowercase();
    if let Err(wait) = site.mailboxes.take(&mailbox, std::time::Instant::now()) {
        return too_many(&site, context, wait);
    }
    let mut kept = form.clone();
    kept.csrf.clear();
    kept.format.clear();
    let pending = super::confirm::Pending {
        action: accepted.action.campaign().id.clone(),
        page_lang: lang.clone(),
        form: kept,
        created: super::confirm::now(),
    };
    let words = site.ui.words(&lang);
    let title = summary(&site, &accepted.action, &lang)["title"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let worker = Arc::clone(&site);
    let to = form.email.trim().to_string();
    // The letters the confirmation sends, not those she posts herself; in the page's digits.
    let count = site.ui.figure(&lang, sendable(&site, &accepted.made));
    let hours = site.ui.figure(&lang, super::confirm::VALID_HOURS as usize);
    let subject = fill(&words["confirm_subject"], &[("title", &title)]);
    let body_template = words["confirm_body"].clone();
    let sent = tokio::task::spawn_blocking(move || {
        let Some(mail) = &worker.mail else {
            return Err("no SMTP server".to_string());
        };
        let token = worker.requests.add(&pending).map_err(|e| e.to_string())?;
        let link = worker.link(&format!("/confirm/{token}?lang={}", pending.page_lang));
        let body = fill(
            &body_template,
            &[
                ("title", &title),
                ("count", &count),
                ("link", &link),
                ("hours", &hours),
            ],
        );
        // She never got the link: her request is not kept.
        mail.ask(&to, &subject, &body)
            .inspect_err(|_| worker.requests.remove(&token))
    })
    .await;
    match sent {
        Ok(Ok(())) => message(&site, context, "check_inbox", StatusCode::OK),
        Ok(Err(why)) => {
            eprintln!("a confirmation message could not be sent: {why}");
            message(&site, context, "send_failed", StatusCode::BAD_GATEWAY)
        }
        Err(_) => message(
            &site,
            context,
            "send_failed",
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
    }
}

/// The page a confirmation link opens: a button, not the queueing itself (mail scanners open
/// links before she does).
async fn confirm_page(
    State(site): State<Shared>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let mut context = base(&site, &query, &headers, &format!("/confirm/{token}"));
    if !super::confirm::is_token(&token) {
        return message(&site, context, "link_unknown", StatusCode::NOT_FOUND);
    }
    context.insert("token", &token);
    page(&site, "confirm.html", &context, StatusCode::OK)
}

/// She confirms: her letters are queued in the outbox, once.
async fn confirm(
    State(site): State<Shared>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let context = base(&site, &query, &headers, &format!("/confirm/{token}"));
    let page_lang = lang_of(&context);
    let worker = Arc::clone(&site);
    let done = tokio::task::spawn_blocking(move || {
        use super::confirm::Claim;
        let pending = match worker.requests.claim(&token, super::confirm::now()) {
            Claim::Claimed(p) => p,
            Claim::Used => return Err(("link_used", StatusCode::GONE, Details::none())),
            Claim::Expired => return Err(("link_expired", StatusCode::GONE, Details::none())),
            Claim::Unknown => return Err(("link_unknown", StatusCode::NOT_FOUND, Details::none())),
        };
        let release = |key, status, why| {
            worker.requests.release(&token);
            Err((key, status, Details::run(why)))
        };
        let Some(action) = worker.action(&pending.action).filter(Action::open) else {
            worker.requests.done(&token);
            return Err(("action_passed", StatusCode::GONE, Details::none()));
        };
        let Some(mail) = &worker.mail else {
            return release("send_failed", StatusCode::SERVICE_UNAVAILABLE, Vec::new());
        };
        let (supporter, lang) = match pending.form.check(action.campaign()) {
            Ok(ok) => ok,
            Err(e) => {
                worker.requests.done(&token);
                let ui = &worker.ui;
                let label = ui.say(&page_lang, &format!("field_{}", e.field), &[]);
                let colon = ui.say(&page_lang, "colon", &[]);
                let why = e.why.say(ui, &page_lang);
                return Err((
                    "letters_failed",
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Details {
                        lines: vec![format!("{label}{colon}{why}")],
                        page: true,
                    },
                ));
            }
        };
        match mail.queue(
            &worker.config.outbox,
            &action,
            supporter,
            lang,
            worker.today(),
            &worker.fonts,
        ) {
            Ok(n) => {
                worker.requests.done(&token);
                worker.wake.now();
                Ok(n)
            }
            Err(why) => release("letters_failed", StatusCode::SERVICE_UNAVAILABLE, why),
        }
    })
    .await;
    match done {
        Ok(Ok(n)) => {
            let count = site.ui.figure(&lang_of(&context), n);
            message_with(
                &site,
                context,
                "queued",
                StatusCode::OK,
                &[("count", &count)],
            )
        }
        Ok(Err((key, status, details))) => {
            let mut context = context;
            if !details.lines.is_empty() {
                context.insert("details", &details.lines);
                if details.page {
                    context.insert("details_lang", &lang_of(&context));
                }
            }
            message(&site, context, key, status)
        }
        Err(_) => not_made(&site, context, None),
    }
}

/// The direction of text in `lang`.
fn dir_of(lang: &str) -> &'static str {
    if Lang::parse(lang).is_some_and(|l| l.is_rtl()) {
        "rtl"
    } else {
        "ltr"
    }
}

/// The lines under a page's message: what a run said (English, as `appeal` says it), or what
/// to correct (in the page's language).
struct Details {
    lines: Vec<String>,
    page: bool,
}

impl Details {
    fn none() -> Details {
        Details::run(Vec::new())
    }

    fn run(lines: Vec<String>) -> Details {
        Details { lines, page: false }
    }
}

fn attachment(kind: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
