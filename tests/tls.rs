//! TLS to the SMTP server, against servers on 127.0.0.1 whose certificates come from a CA made
//! for each test (rcgen): STARTTLS and implicit TLS with a login, the certificates refused
//! (unknown CA, expired, another name), a server that stops offering STARTTLS (never a silent
//! downgrade, never a password in clear text), and the same faults as over plain SMTP.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::email::{ids, project, queue};
use crate::harness::{Run, Test};
use crate::smtp_server::{Reply, SmtpServer, Stage, TlsMode, TlsSetup, strict_headers};

const USER: &str = "appeals";
const PASSWORD: &str = "correct horse battery staple";

/// A certificate authority made for one test.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        Ca {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` (host names or IP addresses), valid from 1975 to 4096
    /// unless `expired`.
    fn server_cert(
        &self,
        names: &[&str],
        expired: bool,
    ) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(DnType::CommonName, names[0]);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &*self.issuer).unwrap();
        (
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    /// A server speaking TLS as `mode` says, with a certificate of this CA for localhost and
    /// 127.0.0.1, asking the test login when `login`.
    fn server(&self, mode: TlsMode, login: bool) -> SmtpServer {
        self.server_with(mode, login, &["localhost", "127.0.0.1"], false, |_, _| None)
    }

    fn server_with(
        &self,
        mode: TlsMode,
        login: bool,
        names: &[&str],
        expired: bool,
        rule: impl Fn(Stage, &str) -> Option<Reply> + Send + Sync + 'static,
    ) -> SmtpServer {
        let (chain, key) = self.server_cert(names, expired);
        SmtpServer::tls(
            TlsSetup {
                mode,
                chain,
                key,
                account: login.then(|| (USER.to_string(), PASSWORD.to_string())),
            },
            rule,
        )
    }
}

/// A project with `ca.pem` (the CA to trust) and `other-ca.pem` (one that signed nothing here),
/// and one message queued (two with `two`).
fn queued(ca: &Ca, two: bool) -> Test {
    let t = project()
        .file("ca.pem", ca.pem())
        .file("other-ca.pem", Ca::new("Some Other CA").pem());
    let extra: &[&str] = if two {
        &["--lang", "en", "--lang", "ru"]
    } else {
        &[]
    };
    let run = queue(t, extra).status(0);
    run.test
}

/// `send` to `url` with the password in the environment; every wait bounded.
fn send(t: Test, url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["send", "--smtp", url, "--rate", "off", "--timeout", "10"];
    args.extend_from_slice(extra);
    t.env("APPEAL_SMTP_PASSWORD", PASSWORD)
        .args(args)
        .run()
        .no_panic()
}

fn with_login(scheme: &str, host: &str, server: &SmtpServer) -> String {
    format!("{scheme}://{USER}@{host}:{}", server.port)
}

#[test]
fn starttls_with_a_login_over_loopback_trusting_the_ca_of_appeal_yaml() {
    let ca = Ca::new("Section Test CA");
    let server = ca.server(TlsMode::StartTls, true);
    let t = queued(&ca, true);
    // tls_ca is read relative to the folder of the settings file, not the current one.
    let settings = format!("{}tls_ca: ca.pem\n", t.read("appeal.yaml"));
    let t = t
        .file("conf/appeal.yaml", settings)
        .file("conf/ca.pem", ca.pem());
    std::fs::remove_file(t.path().join("ca.pem")).unwrap();
    let url = with_login("smtp", "localhost", &server);
    let run = send(t, &url, &["--config", "conf/appeal.yaml"])
        .status(0)
        .stdout_has("2 sent");
    assert!(run.stdout.contains("sent ") && !run.stderr.contains(PASSWORD));
    let got = server.accepted();
    assert_eq!(got.len(), 2);
    for m in &got {
        assert!(m.tls, "sent over TLS");
        assert_eq!(m.user.as_deref(), Some(USER));
        strict_headers(&m.data);
    }
    // One connection, one login, after STARTTLS.
    let logins = server.logins();
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert!(logins[0].tls && logins[0].user == USER && logins[0].password == PASSWORD);
}

#[test]
fn implicit_tls_with_a_login_trusting_the_ca_of_the_flag() {
    let ca = Ca::new("Section Test CA");
    let server = ca.server(TlsMode::Implicit, true);
    let t = queued(&ca, false);
    // An IP address in the URL: checked against the certificate's IP address.
    let url = with_login("smtps", "127.0.0.1", &server);
    send(t, &url, &["--tls-ca", "ca.pem"])
        .status(0)
        .stdout_has("1 sent");
    let got = server.accepted();
    assert_eq!(got.len(), 1);
    assert!(got[0].tls && got[0].user.as_deref() == Some(USER));
}

#[test]
fn an_unknown_ca_is_refused_with_how_to_trust_one() {
    let ca = Ca::new("Section Test CA");
    let starttls = ca.server(TlsMode::StartTls, true);
    let implicit = ca.server(TlsMode::Implicit, true);
    let t = queued(&ca, false);
    // The system's list here is a CA that signed nothing of this test: the same outcome as any
    // system's list, whatever this machine has.
    let mut t = t;
    for (server, url) in [
        (&starttls, with_login("smtp", "localhost", &starttls)),
        (&implicit, with_login("smtps", "localhost", &implicit)),
    ] {
        let run = send(t.env("SSL_CERT_FILE", "other-ca.pem"), &url, &[])
            .status(1)
            .stderr_has("presented a certificate that appeal does not accept")
            .stderr_has("(UnknownIssuer)")
            .stderr_has("`tls_ca: FILE` in appeal.yaml or `appeal send --tls-ca FILE`")
            .stderr_has("SSL_CERT_FILE")
            .stderr_lacks("APPEAL_SMTP_PASSWORD")
            .stderr_has("(1 message(s) not tried; they wait in the outbox)");
        assert!(server.logins().is_empty(), "no password sent");
        assert!(server.received().is_empty());
        assert_eq!(ids(&run.test, "ready").len(), 1);
        t = run.test;
    }
    // What the hint says works: SSL_CERT_FILE (Linux), then the flag.
    let url = with_login("smtp", "localhost", &starttls);
    let t = if cfg!(target_os = "linux") {
        let run = send(t.env("SSL_CERT_FILE", "ca.pem"), &url, &[])
            .status(0)
            .stdout_has("1 sent");
        let run = queue(run.test, &["--lang", "ru"]).status(0);
        run.test
    } else {
        t
    };
    send(t, &url, &["--tls-ca", "ca.pem"])
        .status(0)
        .stdout_has("1 sent");
}

#[test]
fn an_expired_certificate_is_refused() {
    let ca = Ca::new("Section Test CA");
    let server = ca.server_with(
        TlsMode::StartTls,
        true,
        &["localhost", "127.0.0.1"],
        true,
        |_, _| None,
    );
    let t = queued(&ca, false);
    let run = send(
        t,
        &with_login("smtp", "localhost", &server),
        &["--tls-ca", "ca.pem"],
    )
    .status(1)
    .stderr_has("certificate expired")
    .stderr_has("the server's administrator must renew it");
    assert!(server.logins().is_empty() && server.received().is_empty());
    assert_eq!(ids(&run.test, "ready").len(), 1);
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let ca = Ca::new("Section Test CA");
    for mode in [TlsMode::StartTls, TlsMode::Implicit] {
        let server = ca.server_with(mode, true, &["mail.example.org"], false, |_, _| None);
        let scheme = if mode == TlsMode::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        let t = queued(&ca, false);
        send(
            t,
            &with_login(scheme, "localhost", &server),
            &["--tls-ca", "ca.pem"],
        )
        .status(1)
        .stderr_has("certificate not valid for name \"localhost\"")
        .stderr_has("mail.example.org")
        .stderr_has("write the server's name as its certificate gives it");
        assert!(server.logins().is_empty() && server.received().is_empty());
    }
}

#[test]
fn no_password_goes_to_a_loopback_server_without_starttls() {
    let ca = Ca::new("Section Test CA");
    let server = ca.server(TlsMode::PlainWithAuth, true);
    let t = queued(&ca, false);
    let run = send(t, &with_login("smtp", "localhost", &server), &[])
        .status(1)
        .stderr_has("does not offer STARTTLS, and appeal does not send the password of `appeals` in clear text, not even to this machine")
        .stderr_has("drop `appeals@` from the URL")
        .stderr_lacks("check the user name");
    assert!(server.logins().is_empty(), "the password never went out");
    assert!(server.received().is_empty());
    assert_eq!(ids(&run.test, "ready").len(), 1);
}

#[test]
fn a_server_that_stops_offering_starttls_mid_run_is_refused_not_downgraded() {
    let ca = Ca::new("Section Test CA");
    for login in [true, false] {
        // The first body is refused for now and the connection closed: the second message needs
        // a new connection, on which STARTTLS is no longer offered.
        let server = ca.server_with(
            TlsMode::StartTlsDroppedAfter(1),
            login,
            &["localhost"],
            false,
            |stage, _| (stage == Stage::DataEnd).then_some(Reply::Code(451, "4.3.0 Try later")),
        );
        let t = queued(&ca, true);
        let url = if login {
            with_login("smtp", "localhost", &server)
        } else {
            format!("smtp://localhost:{}", server.port)
        };
        let run = send(t, &url, &["--tls-ca", "ca.pem"])
            .status(1)
            .stdout_has("1 deferred")
            .stderr_has("(1 message(s) not tried; they wait in the outbox)");
        let run = if login {
            run.stderr_has("does not offer STARTTLS, and appeal does not send the password")
        } else {
            run.stderr_has("offered STARTTLS earlier in this run and no longer does")
        };
        assert_eq!(ids(&run.test, "ready").len(), 1);
        // Everything the server got came over TLS; one login, over TLS.
        let got = server.received();
        assert_eq!(got.len(), 1);
        assert!(got[0].tls);
        let logins = server.logins();
        assert_eq!(logins.len(), usize::from(login), "{logins:?}");
        assert!(logins.iter().all(|l| l.tls));
    }
}

#[test]
fn starttls_offered_on_loopback_is_used_without_a_login_too() {
    let ca = Ca::new("Section Test CA");
    let server = ca.server(TlsMode::StartTls, false);
    let t = queued(&ca, false);
    send(
        t,
        &format!("smtp://localhost:{}", server.port),
        &["--tls-ca", "ca.pem"],
    )
    .status(0)
    .stdout_has("1 sent");
    let got = server.accepted();
    assert_eq!(got.len(), 1);
    assert!(got[0].tls, "upgraded, though plain SMTP is allowed here");
    assert_eq!(got[0].user, None);
}

#[test]
fn faults_over_tls_are_filed_as_over_plain_smtp() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The first RCPT is refused for now; the first body for good (and the connection closed);
    // after that the server stays silent after a body.
    let rcpts = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(AtomicUsize::new(0));
    let (r, b) = (rcpts.clone(), bodies.clone());
    let ca = Ca::new("Section Test CA");
    let server = ca.server_with(
        TlsMode::StartTls,
        true,
        &["localhost"],
        false,
        move |stage, _| match stage {
            Stage::Rcpt if r.fetch_add(1, Ordering::SeqCst) == 0 => {
                Some(Reply::Code(451, "4.3.0 Mailbox temporarily unavailable"))
            }
            Stage::DataEnd if b.fetch_add(1, Ordering::SeqCst) == 0 => {
                Some(Reply::Code(554, "5.7.1 Message refused"))
            }
            Stage::DataEnd => Some(Reply::Silence),
            _ => None,
        },
    );
    let t = queued(&ca, true);
    let url = with_login("smtp", "localhost", &server);
    let run = send(t, &url, &["--tls-ca", "ca.pem"])
        .status(1)
        .stdout_has("(at RCPT: transient error (451)")
        .stdout_has("(at body): permanent error (554): 5.7.1 Message refused")
        .stdout_has("1 deferred, 1 failed");
    let failed = ids(&run.test, "failed");
    assert_eq!(failed.len(), 1);
    let run = run
        .test
        .args(["outbox", "resolve", &failed[0], "--resend"])
        .run()
        .status(0);
    // A fresh connection (the server closed the last one): TLS and the login again.
    let run = send(
        run.test,
        &url,
        &["--tls-ca", "ca.pem", "--data-timeout", "1"],
    )
    .status(1)
    .stdout_has(&format!("uncertain {}", failed[0]))
    .stdout_has("1 uncertain");
    assert_eq!(ids(&run.test, "uncertain"), failed);
    let logins = server.logins();
    assert_eq!(logins.len(), 2, "{logins:?}");
    assert!(logins.iter().all(|l| l.tls));
    assert!(server.received().iter().all(|m| m.tls));
}

#[test]
fn a_tls_ca_that_is_no_certificate_is_refused_with_its_place() {
    let t = queued(&Ca::new("Section Test CA"), false)
        .file("bad.pem", "not a certificate\n")
        .args([
            "send",
            "--smtp",
            "smtp://localhost:1",
            "--tls-ca",
            "bad.pem",
        ]);
    let run = t
        .run()
        .no_panic()
        .status(1)
        .stderr_has("--tls-ca: bad.pem holds no certificate in PEM");
    let settings = format!("{}tls_ca: missing.pem\n", run.test.read("appeal.yaml"));
    run.test
        .file("conf/appeal.yaml", settings)
        .args([
            "send",
            "--config",
            "conf/appeal.yaml",
            "--smtp",
            "smtp://localhost:1",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has(
            "conf/appeal.yaml:3:9: tls_ca: cannot read the CA certificates conf/missing.pem",
        )
        .stderr_has("relative to appeal.yaml's folder");
}
