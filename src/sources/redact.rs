//! Secret redaction for what is written (bundles and the live run's staging folder): bearer and basic
//! credentials, `Authorization` headers, JWTs, PEM private keys and certificates, passwords in URLs, and
//! `password=` / `token:` style key-value secrets become `[REDACTED]`.
//!
//! Line-preserving (never adds or removes a line, so citations' line numbers stay valid) and cheap for the common
//! case: an ASCII case-insensitive needle scan decides whether a line can hold a secret at all; only lines that hit
//! pay for the regexes, and lines without secrets are returned borrowed.

use std::borrow::Cow;
use std::io::{self, BufRead, Write};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Captures, Regex};

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Words that must appear (any case) for a line to be examined.
const NEEDLES: &[&str] = &[
    "bearer",
    "basic ",
    "authorization",
    "-----begin",
    "-----end",
    "eyj",
    "@",
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "-key-data",
    "-certificate-data",
    "tls.key",
    "tls.crt",
];

/// Compiled once; shareable between threads.
pub struct Redactor {
    prefilter: AhoCorasick,
    rules: Vec<(Regex, Replace)>,
    pem_begin: Regex,
    pem_end: Regex,
}

#[derive(Clone, Copy)]
enum Replace {
    /// Keep capture group 1, redact the rest of the match.
    KeepPrefix,
    /// Keep groups 1 and 3, redact group 2.
    KeepAround,
    /// Keep group 1, redact up to the `@` that ends the match.
    KeepAroundAt,
    /// Redact the whole match.
    Whole,
}

/// Per-stream state: inside a multi-line PEM block.
#[derive(Debug, Default)]
pub struct StreamState {
    in_pem: bool,
}

/// Counts from [`Redactor::copy`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RedactStats {
    pub lines: u64,
    pub redacted_lines: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

impl Redactor {
    pub fn new() -> Self {
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(NEEDLES)
            .expect("static needles compile");
        let rule = |re: &str, how| (Regex::new(re).expect("static regex compiles"), how);
        let rules = vec![
            // One-line PEM blocks (JSON strings with \n escapes, or a Go %q).
            rule(
                r"(-----BEGIN [A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE)-----)(.*?)(-----END [A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE)-----)",
                Replace::KeepAround,
            ),
            // Authorization header values of any scheme: `Authorization: X y`, `"Authorization":"X y"`,
            // `map[Authorization:[X y]]`, `"authorization":["X y"]`.
            rule(
                r#"(?i)(authorization["']?\s*[:=]\s*\[?["']?)(?:(?:bearer|basic|digest|negotiate)\s+)?[^"'\s,\[\]}]+"#,
                Replace::KeepPrefix,
            ),
            rule(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*", Replace::KeepPrefix),
            rule(r"(?i)(\bbasic\s+)[A-Za-z0-9+/]{8,}=*", Replace::KeepPrefix),
            // JWTs (service-account tokens) wherever they appear.
            rule(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+", Replace::Whole),
            // user:password@ in URLs.
            rule(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\x22]+:)[^@\s/'\x22]+@", Replace::KeepAroundAt),
            // Kubeconfig / secret data fields (the CA is public and kept).
            rule(
                r#"(?i)((?:client-key-data|client-certificate-data|tls\.key|tls\.crt)["']?\s*[:=]\s*["']?)[^"'\s,}]+"#,
                Replace::KeepPrefix,
            ),
            // key=value / key: value / "key":"value" secrets. The key must end the identifier (so `secretName`,
            // `tokenExpirationSeconds`, `serviceAccountToken` keys are not secret values), may follow `_`
            // (`db_password`) but not `-` (etcd's `initial-cluster-token` is an identifier, not a credential), and
            // the value must not be empty.
            rule(
                r#"(?i)((?:^|[^A-Za-z0-9-])-{0,2}(?:password|passwd|pwd|secret|client_secret|token|auth[_-]token|api[_-]?key|access[_-]key|secret[_-]key)["']?\s*[:=]\s*["']?)([^"'\s,&}\]]+)"#,
                Replace::KeepPrefix,
            ),
        ];
        Redactor {
            prefilter,
            rules,
            pem_begin: Regex::new(r"-----BEGIN [A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE)-----").expect("static regex"),
            pem_end: Regex::new(r"-----END [A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE)-----").expect("static regex"),
        }
    }

    /// Redacts one line (without its newline).
    pub fn line<'a>(&self, line: &'a [u8], state: &mut StreamState) -> Cow<'a, [u8]> {
        if state.in_pem {
            if self.pem_end.is_match(line) {
                state.in_pem = false;
                return Cow::Borrowed(line);
            }
            return Cow::Owned(REDACTED.as_bytes().to_vec());
        }
        if !self.prefilter.is_match(line) {
            return Cow::Borrowed(line);
        }
        let mut out: Cow<'a, [u8]> = Cow::Borrowed(line);
        for (re, how) in &self.rules {
            if !re.is_match(&out) {
                continue;
            }
            let replaced = re.replace_all(&out, |c: &Captures| replacement(c, *how)).into_owned();
            if replaced != out.as_ref() {
                out = Cow::Owned(replaced);
            }
        }
        // A block that begins here and ends on a later line.
        if let Some(m) = self.pem_begin.find(&out) {
            if !self.pem_end.is_match(&out[m.end()..]) {
                state.in_pem = true;
                if m.end() == out.len() {
                    return out;
                }
                let mut kept = out[..m.end()].to_vec();
                kept.extend_from_slice(REDACTED.as_bytes());
                return Cow::Owned(kept);
            }
        }
        out
    }

    /// Copies `reader` to `writer` line by line, redacting.
    pub fn copy<R: BufRead, W: Write>(&self, mut reader: R, mut writer: W) -> io::Result<RedactStats> {
        let mut stats = RedactStats::default();
        let mut state = StreamState::default();
        let mut buf = Vec::with_capacity(64 * 1024);
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            stats.lines += 1;
            stats.bytes_in += n as u64;
            let (body, ending): (&[u8], &[u8]) = if let Some(b) = buf.strip_suffix(b"\r\n") {
                (b, b"\r\n")
            } else if let Some(b) = buf.strip_suffix(b"\n") {
                (b, b"\n")
            } else {
                (&buf, b"")
            };
            let red = self.line(body, &mut state);
            if matches!(red, Cow::Owned(_)) {
                stats.redacted_lines += 1;
            }
            writer.write_all(&red)?;
            writer.write_all(ending)?;
            stats.bytes_out += (red.len() + ending.len()) as u64;
        }
        writer.flush()?;
        Ok(stats)
    }
}

fn replacement(c: &Captures, how: Replace) -> Vec<u8> {
    let group = |i| c.get(i).map_or(&b""[..], |m| m.as_bytes());
    let mut out = Vec::new();
    match how {
        Replace::KeepPrefix => {
            out.extend_from_slice(group(1));
            out.extend_from_slice(REDACTED.as_bytes());
        }
        Replace::KeepAround => {
            out.extend_from_slice(group(1));
            out.extend_from_slice(REDACTED.as_bytes());
            out.extend_from_slice(group(3));
        }
        Replace::KeepAroundAt => {
            out.extend_from_slice(group(1));
            out.extend_from_slice(REDACTED.as_bytes());
            out.push(b'@');
        }
        Replace::Whole => out.extend_from_slice(REDACTED.as_bytes()),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(s: &str) -> String {
        String::from_utf8(Redactor::new().line(s.as_bytes(), &mut StreamState::default()).into_owned()).unwrap()
    }

    #[test]
    fn bearer_basic_and_authorization_headers() {
        assert_eq!(red("Authorization: Bearer abc.def-123"), "Authorization: [REDACTED]");
        assert_eq!(red(r#"{"Authorization":"Bearer abc"}"#), r#"{"Authorization":"[REDACTED]"}"#);
        assert_eq!(red("map[Authorization:[Bearer abc] Accept:[*/*]]"), "map[Authorization:[[REDACTED]] Accept:[*/*]]");
        assert_eq!(red("-H 'bearer xyz123'"), "-H 'bearer [REDACTED]'");
        assert_eq!(red("curl -H \"Basic dXNlcjpwYXNzd29yZA==\""), "curl -H \"Basic [REDACTED]\"");
    }

    #[test]
    fn jwts_and_url_passwords() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";
        assert_eq!(red(&format!("token is {jwt} ok")), "token is [REDACTED] ok");
        assert_eq!(red("dial postgres://app:hunter2@db:5432/x"), "dial postgres://app:[REDACTED]@db:5432/x");
        // No credentials: untouched.
        assert_eq!(
            red("https://127.0.0.1:2379 and http://host:8080/a@b"),
            "https://127.0.0.1:2379 and http://host:8080/a@b"
        );
    }

    #[test]
    fn key_value_secrets_but_not_secret_names() {
        assert_eq!(red("--token=abc123 --v=2"), "--token=[REDACTED] --v=2");
        assert_eq!(red(r#"{"password": "p4ss", "user": "u"}"#), r#"{"password": "[REDACTED]", "user": "u"}"#);
        assert_eq!(red("db_password=s3cret&x=1"), "db_password=[REDACTED]&x=1");
        let names = r#"{"secretName":"etcd-certs","tokenExpirationSeconds":3600,"serviceAccountToken":{"path":"t"}}"#;
        assert_eq!(red(names), names);
        assert_eq!(red(r#"{"password": ""}"#), r#"{"password": ""}"#);
    }

    #[test]
    fn pem_blocks_on_one_line_and_across_lines_keep_the_line_count() {
        let one = r#"{"key":"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"}"#;
        assert_eq!(red(one), r#"{"key":"-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----\n"}"#);
        let text =
            "before\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0BAQEF\n-----END PRIVATE KEY-----\nafter\n";
        let mut out = Vec::new();
        let stats = Redactor::new().copy(text.as_bytes(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "before\n-----BEGIN PRIVATE KEY-----\n[REDACTED]\n[REDACTED]\n-----END PRIVATE KEY-----\nafter\n"
        );
        assert_eq!(stats.lines, 6);
        assert_eq!(stats.redacted_lines, 2);
        assert_eq!(stats.bytes_in, text.len() as u64);
        assert_eq!(stats.bytes_out, out.len() as u64);
    }

    #[test]
    fn a_pod_page_stays_valid_json() {
        let pod = serde_json::json!({"kind": "PodList", "items": [{"metadata": {"name": "app"}, "spec": {"containers": [
            {"name": "app", "env": [{"name": "DATABASE_URL", "value": "postgres://app:hunter2@db:5432/x"},
                                     {"name": "API_TOKEN", "value": "abc"}]}]}}]});
        let text = serde_json::to_string(&pod).unwrap();
        let out = red(&text);
        assert!(!out.contains("hunter2"), "{out}");
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(parsed["items"][0]["metadata"]["name"], "app");
    }

    #[test]
    fn real_etcd_lines_pass_through_unchanged() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow/var/log/pods");
        let etcd = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("kube-system_etcd-node1"))
            .unwrap();
        let log = std::fs::read(etcd.join("etcd/0.log")).unwrap();
        let mut out = Vec::new();
        let stats = Redactor::new().copy(&log[..], &mut out).unwrap();
        assert!(out == log, "no etcd line holds a secret:\n{}", String::from_utf8_lossy(&out));
        assert_eq!(stats.redacted_lines, 0);
        assert!(stats.lines > 100);
    }
}
