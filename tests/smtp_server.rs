//! A real SMTP server on 127.0.0.1 for the email tests: `mailin-embedded` (not written here),
//! with a handler that records every message and answers what a test asks for, per stage and
//! recipient: a temporary or permanent refusal, throttling, or no reply at all after the body.

use std::net::{IpAddr, TcpListener};
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
}

#[derive(Clone)]
struct Recorder {
    rule: Arc<Rule>,
    received: Arc<Mutex<Vec<Received>>>,
    current: Option<Received>,
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
}

/// A running server; it lives until the test process ends.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
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
        };
        let mut server = Server::new(handler);
        server
            .with_name("test.example")
            .with_num_threads(4)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The messages accepted with 250.
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.accepted).collect()
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
