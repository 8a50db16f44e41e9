//! A real SMTP server on 127.0.0.1 for the email tests: `mailin-embedded` (not written here),
//! with a handler that records every message and answers what a test asks for, per stage and
//! recipient: a temporary or permanent refusal, throttling, or no reply at all after the body.
//!
//! `SmtpServer::tls` runs the same handler (so the same faults) behind TLS, STARTTLS or
//! implicit, with a login: mailin's SMTP state machine (which offers AUTH only after TLS, as
//! Postfix's smtpd_tls_auth_only does) driven by a small loop here over rustls.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::response::{self, Response};
use mailin_embedded::{Action, Handler, Server};

/// Where in a transaction a rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Mail,
    Rcpt,
    /// The reply after the body.
    DataEnd,
}

/// What the server does at a stage: `None` is the normal positive reply.
pub type Rule = dyn Fn(Stage, &str) -> Option<Reply> + Send + Sync;

#[derive(Clone, Debug)]
pub enum Reply {
    Code(u16, &'static str),
    /// No reply: the client waits until its timeout.
    Silence,
    /// Wait this long, then answer normally.
    Delay(Duration),
}

/// One message the server accepted (or took in before staying silent).
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
    /// The server answered 250 after the body.
    pub accepted: bool,
    /// It came over TLS.
    pub tls: bool,
    /// The user logged in on its connection.
    pub user: Option<String>,
}

/// A login the server saw (whatever its outcome).
#[derive(Clone, Debug)]
pub struct Login {
    pub user: String,
    pub password: String,
    /// It came over TLS.
    pub tls: bool,
}

#[derive(Clone)]
struct Recorder {
    rule: Arc<Rule>,
    received: Arc<Mutex<Vec<Received>>>,
    current: Option<Received>,
    /// The connection is encrypted (set by the TLS loop, per connection).
    tls: Arc<AtomicBool>,
    /// The one user and password the server accepts.
    account: Option<(String, String)>,
    logins: Arc<Mutex<Vec<Login>>>,
    /// Logged in on this connection.
    user: Option<String>,
    /// A login replayed by the loop after RSET (see `drive`): not recorded.
    replaying: Arc<AtomicBool>,
}

impl Recorder {
    fn login(&mut self, user: &str, password: &str) -> Response {
        if !self.replaying.load(Ordering::SeqCst) {
            self.logins.lock().unwrap().push(Login {
                user: user.to_string(),
                password: password.to_string(),
                tls: self.tls.load(Ordering::SeqCst),
            });
        }
        match &self.account {
            Some((u, p)) if u == user && p == password => {
                self.user = Some(user.to_string());
                response::AUTH_OK
            }
            _ => response::INVALID_CREDENTIALS,
        }
    }
}

impl Recorder {
    fn answer(&self, stage: Stage, rcpt: &str) -> Response {
        match (self.rule)(stage, rcpt) {
            None => response::OK,
            Some(Reply::Code(code, text)) => {
                let mut r = Response::custom(code, text.to_string());
                // mailin stays in its DATA state after refusing a body, reading the next
                // commands as message text; a real server would not, so close the connection
                // there instead (the client then starts afresh).
                if stage == Stage::DataEnd {
                    r.action = Action::Close;
                }
                r
            }
            Some(Reply::Silence) => {
                let mut r = response::OK;
                r.action = Action::NoReply;
                r
            }
            Some(Reply::Delay(d)) => {
                std::thread::sleep(d);
                response::OK
            }
        }
    }
}

impl Handler for Recorder {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.current = Some(Received {
            from: from.to_string(),
            to: Vec::new(),
            data: Vec::new(),
            accepted: false,
            tls: self.tls.load(Ordering::SeqCst),
            user: self.user.clone(),
        });
        self.answer(Stage::Mail, "")
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let r = self.answer(Stage::Rcpt, to);
        if r.code < 300
            && let Some(c) = &mut self.current
        {
            c.to.push(to.to_string());
        }
        r
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(c) = &mut self.current {
            c.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let rcpt = self
            .current
            .as_ref()
            .and_then(|c| c.to.first().cloned())
            .unwrap_or_default();
        let r = self.answer(Stage::DataEnd, &rcpt);
        if let Some(mut c) = self.current.take() {
            c.accepted = r.code == 250 && r.action != Action::NoReply;
            self.received.lock().unwrap().push(c);
        }
        r
    }

    fn auth_plain(
        &mut self,
        _authorization_id: &str,
        authentication_id: &str,
        password: &str,
    ) -> Response {
        self.login(authentication_id, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        self.login(username, password)
    }
}

/// A running server; it lives until the test process ends.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    logins: Arc<Mutex<Vec<Login>>>,
}

/// How a TLS-speaking test server talks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// STARTTLS offered on every connection.
    StartTls,
    /// STARTTLS offered on the first `n` connections only: then the server (or something on the
    /// way) stops offering it, and offers AUTH in clear text instead.
    StartTlsDroppedAfter(usize),
    /// TLS from the first byte (smtps://, port 465).
    Implicit,
    /// No STARTTLS at all, and AUTH offered in clear text.
    PlainWithAuth,
}

/// A TLS server's setup: its certificate chain and key, and the one account it accepts (no
/// login asked when `None`).
pub struct TlsSetup {
    pub mode: TlsMode,
    pub chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub key: rustls::pki_types::PrivateKeyDer<'static>,
    pub account: Option<(String, String)>,
}

impl SmtpServer {
    /// A server that accepts everything.
    pub fn start() -> SmtpServer {
        SmtpServer::with_rule(|_, _| None)
    }

    pub fn with_rule(rule: impl Fn(Stage, &str) -> Option<Reply> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Recorder {
            rule: Arc::new(rule),
            received: received.clone(),
            current: None,
            tls: Arc::new(AtomicBool::new(false)),
            account: None,
            logins: Arc::new(Mutex::new(Vec::new())),
            user: None,
            replaying: Arc::new(AtomicBool::new(false)),
        };
        let logins = handler.logins.clone();
        let mut server = Server::new(handler);
        server
            .with_name("test.example")
            .with_num_threads(4)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer {
            port,
            received,
            logins,
        }
    }

    /// A server speaking TLS as `setup` says, answering by `rule` as `with_rule`'s does.
    pub fn tls(
        setup: TlsSetup,
        rule: impl Fn(Stage, &str) -> Option<Reply> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(setup.chain, setup.key)
            .expect("a usable server certificate");
        let config = Arc::new(config);
        let template = Recorder {
            rule: Arc::new(rule),
            received: Arc::new(Mutex::new(Vec::new())),
            current: None,
            tls: Arc::new(AtomicBool::new(false)),
            account: setup.account,
            logins: Arc::new(Mutex::new(Vec::new())),
            user: None,
            replaying: Arc::new(AtomicBool::new(false)),
        };
        let server = SmtpServer {
            port,
            received: template.received.clone(),
            logins: template.logins.clone(),
        };
        let mode = setup.mode;
        let connections = AtomicUsize::new(0);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = connections.fetch_add(1, Ordering::SeqCst);
                let mut handler = template.clone();
                handler.tls = Arc::new(AtomicBool::new(false));
                handler.replaying = Arc::new(AtomicBool::new(false));
                let config = config.clone();
                std::thread::spawn(move || {
                    let _ = tls_connection(stream, handler, mode, n, config);
                });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every login the server saw.
    pub fn logins(&self) -> Vec<Login> {
        self.logins.lock().unwrap().clone()
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The messages accepted with 250.
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.accepted).collect()
    }
}

/// One connection of a TLS server: mailin's session over the TCP stream, upgraded on STARTTLS
/// (or from the start). Bounded: a silent client is dropped after 30 s.
fn tls_connection(
    stream: TcpStream,
    handler: Recorder,
    mode: TlsMode,
    n: usize,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let remote = stream.peer_addr()?.ip();
    let starttls = match mode {
        TlsMode::StartTls => true,
        TlsMode::StartTlsDroppedAfter(k) => n < k,
        TlsMode::Implicit | TlsMode::PlainWithAuth => false,
    };
    let mut builder = mailin::SessionBuilder::new("test.example");
    if starttls {
        builder.enable_start_tls();
    }
    if handler.account.is_some() {
        builder
            .enable_auth(mailin::AuthMechanism::Plain)
            .enable_auth(mailin::AuthMechanism::Login);
        if !starttls && mode != TlsMode::Implicit {
            builder.insecure_enable_plaintext_auth();
        }
    }
    let tls = handler.tls.clone();
    let replaying = handler.replaying.clone();
    let mut session = builder.build(remote, handler);
    let upgrade = |stream: TcpStream| -> std::io::Result<_> {
        let conn = rustls::ServerConnection::new(config.clone()).map_err(std::io::Error::other)?;
        Ok(BufReader::new(rustls::StreamOwned::new(conn, stream)))
    };
    if mode == TlsMode::Implicit {
        let mut s = upgrade(stream)?;
        tls.store(true, Ordering::SeqCst);
        session.tls_active();
        send_reply(&mut s, &session.greeting())?;
        drive(&mut session, &mut s, &replaying)?;
        return Ok(());
    }
    let mut s = BufReader::new(stream);
    send_reply(&mut s, &session.greeting())?;
    if drive(&mut session, &mut s, &replaying)? {
        let mut s = upgrade(s.into_inner())?;
        tls.store(true, Ordering::SeqCst);
        session.tls_active();
        drive(&mut session, &mut s, &replaying)?;
    }
    Ok(())
}

fn send_reply<S: Read + Write>(s: &mut BufReader<S>, r: &Response) -> std::io::Result<()> {
    let w = s.get_mut();
    r.write_to(w)?;
    w.flush()
}

/// Reads commands until the client leaves (`false`) or STARTTLS is accepted (`true`).
///
/// mailin (0.6.5) forgets a login on RSET and then refuses MAIL with 503, where RFC 4954 and
/// real servers keep it: the login that succeeded (one `AUTH PLAIN` line) is replayed after
/// each RSET, unrecorded.
fn drive<S: Read + Write>(
    session: &mut mailin::Session<Recorder>,
    s: &mut BufReader<S>,
    replaying: &AtomicBool,
) -> std::io::Result<bool> {
    let mut line = Vec::new();
    let mut login: Option<Vec<u8>> = None;
    loop {
        line.clear();
        if s.read_until(b'\n', &mut line)? == 0 {
            return Ok(false);
        }
        let r = session.process(&line);
        let command = String::from_utf8_lossy(&line).to_ascii_uppercase();
        if command.starts_with("AUTH PLAIN ") && r.code == 235 {
            login = Some(line.clone());
        }
        if command.trim_end() == "RSET"
            && r.code == 250
            && let Some(auth) = &login
        {
            replaying.store(true, Ordering::SeqCst);
            session.process(auth);
            replaying.store(false, Ordering::SeqCst);
        }
        match r.action {
            Action::Reply => send_reply(s, &r)?,
            Action::Close => {
                send_reply(s, &r)?;
                return Ok(false);
            }
            Action::UpgradeTls => {
                send_reply(s, &r)?;
                return Ok(true);
            }
            Action::NoReply => {}
        }
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Checks a message as a strict RFC 5322 reader would, and returns its header fields (name in
/// lower case, unfolded value): CRLF line ends only, no line over 998 octets, 7-bit ASCII,
/// well-formed header fields, exactly one Date, From and Message-ID, a blank line before the
/// body.
pub fn strict_headers(data: &[u8]) -> Vec<(String, String)> {
    assert!(data.is_ascii(), "a message in 7-bit ASCII");
    let text = std::str::from_utf8(data).unwrap();
    let body_at = text.find("\r\n\r\n").expect("a blank line ends the header");
    for (i, line) in text.split("\r\n").enumerate() {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare CR or LF on line {i}"
        );
        assert!(line.len() <= 998, "line {i} is longer than 998 octets");
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text[..body_at].split("\r\n") {
        if line.starts_with([' ', '\t']) {
            let last = fields
                .last_mut()
                .expect("a continuation line follows a field");
            last.1.push_str(line);
            continue;
        }
        let (name, value) = line.split_once(':').expect("a header field has a colon");
        assert!(
            !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':'),
            "bad field name {name:?}"
        );
        fields.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    for once in ["date", "from", "message-id"] {
        assert_eq!(
            fields.iter().filter(|(n, _)| n == once).count(),
            1,
            "exactly one {once}: {fields:?}"
        );
    }
    let id = &fields.iter().find(|(n, _)| n == "message-id").unwrap().1;
    assert!(
        id.starts_with('<') && id.ends_with('>') && id.contains('@'),
        "Message-ID {id:?}"
    );
    fields
}

/// The value of header `name` (lower case).
pub fn header<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}
