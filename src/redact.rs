//! Secret redaction for what is written (bundles and the live run's staging folder): bearer and basic credentials,
//! `Authorization` headers, JWTs, PEM private keys and certificates, passwords in URLs, kubeconfig / TLS secret data
//! and `password=` / `"token":"…"` style key-value secrets become `[REDACTED]`.
//!
//! Line-preserving: never adds or removes a line (citations' line numbers stay valid), and a redacted JSON line stays
//! valid JSON (only string contents are replaced; `null`, numbers, objects and arrays are left alone). Cheap for the
//! common case: an ASCII case-insensitive needle scan decides whether a line can hold a secret at all; only lines
//! that hit pay for the regexes, and lines without secrets come back borrowed, without allocating.
//!
//! What is deliberately *not* redacted, because it is evidence rather than a credential:
//! - names of secrets and token settings: `secretName`, `secretRef`, `tokenExpirationSeconds`, `serviceAccountToken`
//!   keys (the key must end right before the separator);
//! - hyphenated `…-token` / `…-secret` identifiers such as etcd's `initial-cluster-token` and `auth-token` (its value
//!   is a mechanism, `simple` or `jwt,pub-key=<path>,…`, never key material; a cluster-token mismatch is a triage
//!   finding). `x-auth-token`, `--token` and `client-secret` are still redacted;
//! - `certificate-authority-data` (a CA certificate is public);
//! - URLs without user info (`https://127.0.0.1:2379`).

use std::borrow::Cow;
use std::io::{self, BufRead, BufWriter, Write};
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Words (lowercase) of which at least one appears, in any case, in every line that can hold a secret the rules below find.
/// Keep in step with the rules: a rule whose trigger is missing here never runs.
const NEEDLES: &[&str] = &[
    "bearer",
    "basic",
    "authorization",
    "-----begin",
    "eyj",
    "://",
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "accesskey",
    "access_key",
    "access-key",
    "key-data",
    "certificate-data",
    "tls.key",
    "tls.crt",
    // AWS access key ids (long-term, temporary, ...).
    "akia",
    "asia",
    "abia",
    "acca",
    "cookie",
    // Signed-URL parameters.
    "sig=",
    "signature",
    "x-amz-",
    "x-goog-",
    "mysql",
    // GitHub and Slack tokens.
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xoxa-",
    "xoxb-",
    "xoxp-",
    "xoxr-",
    "xoxs-",
    "xoxo-",
    "xapp-",
];

/// Key names whose value is a secret. Leftmost-first: longer names before their prefixes. The key must be followed
/// (after an optional closing quote) by `:` or `=`, so `secretName` or `tokenExpirationSeconds` never match.
const KEYS: &str = r"pgpassword|x-auth-token|x-api-key|client[_-]?secret|secret[_-]?(?:access[_-]?)?key|access[_-]?key|api[_-]?key|client-key-data|client-certificate-data|tls\.key|tls\.crt|proxy-authorization|authorization|password|passwd|pwd|secret|token";

/// HTTP authentication schemes kept visible in front of a redacted credential for bare header values.
const SCHEMES: &[&str] = &["bearer", "basic", "digest", "negotiate", "ntlm", "token", "dpop", "aws4-hmac-sha256"];

/// Words that follow "bearer" in prose ("invalid bearer token") rather than a credential.
const BEARER_PROSE: &[&str] =
    &["token", "tokens", "auth", "authentication", "authenticator", "authorization", "scheme", "header", "credentials"];

/// Longest run of body lines a multi-line PEM block may have before the redactor decides the BEGIN marker was not
/// the start of a key after all (a 16384-bit RSA key is about 200 lines of 64 characters).
const MAX_PEM_LINES: u32 = 512;

/// Compiled once; `Send + Sync`, so one redactor serves every stream and thread.
pub struct Redactor {
    prefilter: AhoCorasick,
    pem_begin: Regex,
    pem_end: Regex,
    bearer: Regex,
    basic: Regex,
    jwt: Regex,
    url_password: Regex,
    key_value: Regex,
    aws_key_id: Regex,
    cookie: Regex,
    signed_url: Regex,
    mysql: Regex,
    service_token: Regex,
}

/// Per-stream state carried from line to line: whether the stream is inside a multi-line PEM block.
#[derive(Debug, Default, Clone)]
pub struct StreamState {
    in_pem: bool,
    pem_lines: u32,
}

/// Counts from [`Redactor::copy`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RedactStats {
    /// Lines read (a final line without a newline counts).
    pub lines: u64,
    /// Lines in which something was replaced.
    pub redacted_lines: u64,
    /// Bytes read, line endings included.
    pub bytes_in: u64,
    /// Bytes written, line endings included.
    pub bytes_out: u64,
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

impl Redactor {
    /// Compiles the needle scan and the rules.
    pub fn new() -> Self {
        let re = |pattern: &str| Regex::new(pattern).expect("static regex compiles");
        Redactor {
            // Case-sensitive over lowercase needles, searched in ASCII-lowercased chunks (see `may_hold_secret`):
            // aho-corasick's own `ascii_case_insensitive` turns off its SIMD (Teddy) prefilter, which costs 3x here.
            prefilter: AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(NEEDLES)
                .expect("static needles compile"),
            // `(?-u)`: work on raw bytes (logs need not be UTF-8) with ASCII classes, which is also faster.
            pem_begin: re(r"(?-u)-----BEGIN [A-Z0-9 ]*(?:PRIVATE KEY(?: BLOCK)?|CERTIFICATE)-----"),
            pem_end: re(r"(?-u)-----END [A-Z0-9 ]*(?:PRIVATE KEY(?: BLOCK)?|CERTIFICATE)-----"),
            bearer: re(r"(?i-u)\bbearer[ \t]+([a-z0-9\-._~+/]+=*)"),
            basic: re(r"(?i-u)\bbasic[ \t]+([a-z0-9+/]{4,}={0,2})"),
            jwt: re(r"(?-u)eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
            // scheme://[user]:password@ — RFC 3986 user info cannot hold `/ ? # [ ] @` unencoded.
            url_password: re(r#"(?i-u)\b[a-z][a-z0-9+.\-]*://[^/?#\[\]@:\s'"\\]*:([^/?#\[\]@\s'"\\]+)@"#),
            aws_key_id: re(r"(?-u)\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
            // `Cookie: a=b; c=d`, `Set-Cookie: ...`, `"cookie":"..."`, Go's `map[Cookie:[...]]`.
            cookie: re(r#"(?i-u)\b(?:set-)?cookie(?:\\?["'])?[ \t]*[:=][ \t]*"#),
            // Query parameters of signed URLs (S3 / GCS presigned, Azure SAS): `X-Amz-Signature=`, `sig=`, ...
            signed_url: re(
                r#"(?i-u)(?:^|[?&;\s,"'])(?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|signature|sig)=([^&\s"'#\\,;]+)"#,
            ),
            // `mysql -pSECRET`, `mysqldump -u root -p'SECRET'` (`-p` alone prompts; `-P` is the port).
            mysql: re(
                r#"(?-u)(?i:\bmysql(?:dump|admin|sh|import|check|slap|binlog)?\b)[^\n]*?[ \t]-p(?:'([^']*)'|"([^"]*)"|([^\s'"\\;&|]+))"#,
            ),
            // GitHub (classic and fine-grained) and Slack tokens.
            service_token: re(
                r"(?-u)\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,})",
            ),
            key_value: re(&format!(
                r#"(?i-u)(?:^|[^a-z0-9])(-{{0,2}})({KEYS})(\\?["'])?(?:[ \t]*([:=])[ \t]*|[ \t]+)"#
            )),
        }
    }

    /// Redacts one line (without its newline). `state` carries PEM-block state across lines of one stream.
    ///
    /// Returns the line borrowed when nothing was replaced.
    pub fn line<'a>(&self, line: &'a [u8], state: &mut StreamState) -> Cow<'a, [u8]> {
        let mut spans: Vec<Range<usize>> = Vec::new();
        let mut from = 0;
        if state.in_pem {
            if let Some(end) = self.pem_end.find(line) {
                // The END line; in a CRI partial-line continuation the tail of the key sits right before it.
                let tail = last_token(&line[..end.start()]);
                if !tail.is_empty() {
                    spans.push(tail);
                }
                *state = StreamState::default();
                from = end.end();
            } else if state.pem_lines < MAX_PEM_LINES && is_pem_body(line) {
                state.pem_lines += 1;
                let body = last_token(line);
                if body.is_empty() || is_pem_header(line) || is_prefix_only(line) {
                    return Cow::Borrowed(line);
                }
                return Cow::Owned(splice(line, vec![body]));
            } else {
                // Not key material after all: leave the block and treat the line like any other.
                *state = StreamState::default();
            }
        }
        let rest = &line[from..];
        if self.may_hold_secret(rest) {
            let before = spans.len();
            self.collect(rest, state, &mut spans);
            for s in &mut spans[before..] {
                *s = s.start + from..s.end + from;
            }
        }
        if spans.is_empty() { Cow::Borrowed(line) } else { Cow::Owned(splice(line, spans)) }
    }

    /// Copies `reader` to `writer` line by line, redacting; returns counts. Line endings (`\n`, `\r\n`, none on the
    /// last line) are kept as they were; bytes need not be UTF-8; lines may be megabytes long.
    pub fn copy<R: BufRead, W: Write>(&self, mut reader: R, writer: W) -> io::Result<RedactStats> {
        let mut writer = BufWriter::with_capacity(64 * 1024, writer);
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
            let out = self.line(body, &mut state);
            if let Cow::Owned(_) = out {
                stats.redacted_lines += 1;
            }
            writer.write_all(&out)?;
            writer.write_all(ending)?;
            stats.bytes_out += (out.len() + ending.len()) as u64;
        }
        writer.flush()?;
        Ok(stats)
    }

    /// The needle scan, ASCII case-insensitive: `bytes` is lowercased into a stack buffer a chunk at a time (1 KiB:
    /// most log lines fit, and zeroing a bigger buffer for each line costs more than it saves), and consecutive chunks
    /// overlap by the longest needle less one byte so that no needle is split between two of them.
    fn may_hold_secret(&self, bytes: &[u8]) -> bool {
        const CHUNK: usize = 1024;
        let overlap = NEEDLES.iter().map(|n| n.len()).max().unwrap_or(1) - 1;
        let mut folded = [0u8; CHUNK];
        let mut start = 0;
        loop {
            let end = (start + CHUNK).min(bytes.len());
            let chunk = &mut folded[..end - start];
            chunk.copy_from_slice(&bytes[start..end]);
            chunk.make_ascii_lowercase();
            if self.prefilter.is_match(&chunk[..]) {
                return true;
            }
            if end == bytes.len() {
                return false;
            }
            start = end - overlap;
        }
    }

    /// Adds the byte ranges of every secret in `line` (a line the needle scan hit) to `spans`.
    fn collect(&self, line: &[u8], state: &mut StreamState, spans: &mut Vec<Range<usize>>) {
        self.pem(line, state, spans);
        for m in self.jwt.find_iter(line) {
            spans.push(m.range());
        }
        for c in self.bearer.captures_iter(line) {
            let token = c.get(1).expect("group 1 always takes part");
            let word = token.as_bytes();
            let prose = BEARER_PROSE.iter().any(|p| word.eq_ignore_ascii_case(p.as_bytes()));
            // `Bearer realm="kubernetes"`: an auth-param of a challenge, not a credential.
            let auth_param = word.ends_with(b"=") && line.get(token.end()) == Some(&b'"');
            if !prose && !auth_param {
                spans.push(token.range());
            }
        }
        for c in self.basic.captures_iter(line) {
            let token = c.get(1).expect("group 1 always takes part");
            // Basic credentials are base64("user:password"); "basic configuration" is prose.
            if base64_has_colon(token.as_bytes()) {
                spans.push(token.range());
            }
        }
        for c in self.url_password.captures_iter(line) {
            spans.push(c.get(1).expect("group 1 always takes part").range());
        }
        for m in self.aws_key_id.find_iter(line) {
            spans.push(m.range());
        }
        for m in self.service_token.find_iter(line) {
            spans.push(m.range());
        }
        for c in self.signed_url.captures_iter(line) {
            let value = c.get(1).expect("group 1 always takes part");
            if !line[value.start()..].starts_with(REDACTED.as_bytes()) {
                spans.push(value.range());
            }
        }
        for c in self.mysql.captures_iter(line) {
            if let Some(m) = c.get(1).or(c.get(2)).or(c.get(3)).filter(|m| !m.is_empty())
                && !line[m.start()..].starts_with(REDACTED.as_bytes())
            {
                spans.push(m.range());
            }
        }
        for m in self.cookie.find_iter(line) {
            if let Some(span) = cookie_value(line, m.end()) {
                spans.push(span);
            }
        }
        for c in self.key_value.captures_iter(line) {
            let dashes = c.get(1).map_or(0, |m| m.len());
            let key = c.get(2).expect("group 2 always takes part");
            let name = key.as_bytes();
            let hyphenated = dashes == 0 && key.start() > 0 && line[key.start() - 1] == b'-';
            if hyphenated && (name.eq_ignore_ascii_case(b"token") || name.eq_ignore_ascii_case(b"secret")) {
                continue;
            }
            // `--token abcdef.0123456789abcdef` (kubeadm): a space separates a value only after a flag's dashes.
            if c.get(4).is_none() && dashes != 2 {
                continue;
            }
            let json = c.get(3).is_some_and(|q| q.as_bytes().ends_with(b"\""));
            let auth = name.len() >= 13 && name[name.len() - 13..].eq_ignore_ascii_case(b"authorization");
            let end = c.get(0).expect("group 0 always takes part").end();
            if let Some(span) = value_span(line, end, json, auth) {
                spans.push(span);
            }
        }
    }

    /// PEM blocks: the body of a block that ends on the same line (a JSON-escaped string), or the start of a block
    /// that continues on later lines (then `state` enters the block).
    fn pem(&self, line: &[u8], state: &mut StreamState, spans: &mut Vec<Range<usize>>) {
        let mut at = 0;
        while let Some(begin) = self.pem_begin.find_at(line, at) {
            if let Some(end) = self.pem_end.find_at(line, begin.end()) {
                if end.start() > begin.end() {
                    spans.push(begin.end()..end.start());
                }
                at = end.end();
                continue;
            }
            let rest = &line[begin.end()..];
            if rest.iter().all(u8::is_ascii_whitespace) {
                // A raw multi-line block: the marker ends the line.
                *state = StreamState { in_pem: true, pem_lines: 0 };
            } else if rest.starts_with(br"\n") || rest.starts_with(br"\r\n") {
                // An escaped block whose END is not on this line: a CRI partial line (continued on the next one)
                // or a truncated message. Redact the key material; only a run reaching the line's end continues.
                // Armor headers (`Version: GnuPG v2`, `Proc-Type: 4,ENCRYPTED`) may come first: they are part of the run.
                let run = rest.iter().take_while(|&&b| is_base64ish(b) || b" :,.-_()".contains(&b)).count();
                spans.push(begin.end()..begin.end() + run);
                if run == rest.len() {
                    *state = StreamState { in_pem: true, pem_lines: 0 };
                }
            }
            // Otherwise the marker is only mentioned ("expected -----BEGIN CERTIFICATE----- block"): nothing to hide.
            break;
        }
    }
}

/// The byte range of the value that follows a key and its separator at `at`, if it is a non-empty secret value.
///
/// `json`: the key was a quoted JSON key, so only a string value is redacted (numbers, `true`/`false`/`null`,
/// objects and arrays of non-strings are structure, and replacing them would break the document). `auth`: the value
/// is an `Authorization` header, whose bare form (`Bearer x`) spans the scheme and the credential.
fn value_span(line: &[u8], at: usize, json: bool, auth: bool) -> Option<Range<usize>> {
    let mut p = at;
    if line[p..].starts_with(REDACTED.as_bytes()) {
        return None;
    }
    if line.get(p) == Some(&b'[') {
        // Go's `map[Authorization:[Bearer x]]`, JSON's `"authorization":["Bearer x"]`.
        p += 1;
        while line.get(p).is_some_and(|b| *b == b' ' || *b == b'\t') {
            p += 1;
        }
    }
    let span = match *line.get(p)? {
        b'\\' if line.get(p + 1) == Some(&b'"') => p + 2..escaped_string_end(line, p + 2),
        b'"' => p + 1..json_string_end(line, p + 1),
        b'\'' => p + 1..memchr::memchr(b'\'', &line[p + 1..]).map_or(line.len(), |i| p + 1 + i),
        b'{' | b'(' | b'<' | b'[' => return None,
        _ if json => return None,
        _ => {
            let mut end = bare_end(line, p);
            if auth && SCHEMES.iter().any(|s| line[p..end].eq_ignore_ascii_case(s.as_bytes())) {
                let mut q = end;
                while line.get(q).is_some_and(|b| *b == b' ' || *b == b'\t') {
                    q += 1;
                }
                end = end.max(bare_end(line, q));
            }
            let word = &line[p..end];
            let placeholder =
                ["null", "nil", "none", "true", "false"].iter().any(|w| word.eq_ignore_ascii_case(w.as_bytes()));
            if placeholder {
                return None;
            }
            p..end
        }
    };
    let value = &line[span.clone()];
    let done = value == REDACTED.as_bytes() || value == &REDACTED.as_bytes()[1..REDACTED.len() - 1];
    (!span.is_empty() && !done).then_some(span)
}

/// The value of a cookie header starting at `at`: all of it (every `name=value` pair), up to a closing quote,
/// bracket or escape, or the line's end.
fn cookie_value(line: &[u8], at: usize) -> Option<Range<usize>> {
    let mut p = at;
    if line[p..].starts_with(REDACTED.as_bytes()) {
        return None;
    }
    if line.get(p) == Some(&b'[') {
        p += 1;
    }
    if line[p..].starts_with(br#"\""#) {
        p += 2;
    } else if matches!(line.get(p), Some(b'"' | b'\'')) {
        p += 1;
    }
    if line[p..].starts_with(REDACTED.as_bytes()) {
        return None;
    }
    let end =
        line[p..].iter().position(|b| matches!(b, b'"' | b'\'' | b'\\' | b']' | b'\r')).map_or(line.len(), |i| p + i);
    let value = &line[p..end];
    (!value.iter().all(u8::is_ascii_whitespace)).then_some(p..end)
}

/// End of a bare (unquoted) value: whitespace, quotes, separators and closing brackets end it, and so does a
/// backslash (an escape inside an enclosing JSON string, as in `"password=x\n"`).
fn bare_end(line: &[u8], from: usize) -> usize {
    line[from..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || b"\"',;&}])\\".contains(b))
        .map_or(line.len(), |i| from + i)
}

/// End (index of the closing quote, or the line's end) of a JSON string body starting at `from`.
fn json_string_end(line: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    line.len()
}

/// End of a string inside a JSON string (`{\"password\":\"x\"}` in a log field): the `\"` that closes the inner
/// string, or a bare `"` that closes the outer one.
fn escaped_string_end(line: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < line.len() {
        match line[i] {
            b'\\' => {
                let run = line[i..].iter().take_while(|&&b| b == b'\\').count();
                if line.get(i + run) == Some(&b'"') {
                    // An odd run escapes the quote at the outer level; the (run - 1) / 2 backslashes before it are
                    // the inner string's, and an odd number of those escapes the quote in the inner string too.
                    if run % 2 == 0 || (run - 1) / 2 % 2 == 0 {
                        return i;
                    }
                    i += run + 1;
                } else {
                    i += run;
                }
            }
            b'"' => return i,
            _ => i += 1,
        }
    }
    line.len()
}

/// Replaces each (merged) range with [`REDACTED`].
fn splice(line: &[u8], mut spans: Vec<Range<usize>>) -> Vec<u8> {
    spans.sort_by_key(|s| s.start);
    let mut out = Vec::with_capacity(line.len() + REDACTED.len() * spans.len());
    let mut copied = 0;
    let mut i = 0;
    while i < spans.len() {
        let start = spans[i].start;
        let mut end = spans[i].end;
        i += 1;
        while i < spans.len() && spans[i].start <= end {
            end = end.max(spans[i].end);
            i += 1;
        }
        let start = start.max(copied);
        out.extend_from_slice(&line[copied..start]);
        out.extend_from_slice(REDACTED.as_bytes());
        copied = end.max(copied);
    }
    out.extend_from_slice(&line[copied..]);
    out
}

/// The last whitespace-separated token of `line` (empty range at the end when the line ends in whitespace).
fn last_token(line: &[u8]) -> Range<usize> {
    let end = line.len();
    let start = line.iter().rposition(u8::is_ascii_whitespace).map_or(0, |i| i + 1);
    start..end
}

/// A line inside a multi-line PEM block: blank, an RFC 1421 header, or base64 after at most a log prefix
/// (`kubectl logs --timestamps` adds one field, the CRI format three).
fn is_pem_body(line: &[u8]) -> bool {
    if is_pem_header(line) || is_prefix_only(line) {
        return true;
    }
    let fields: Vec<&[u8]> = line.split(u8::is_ascii_whitespace).filter(|f| !f.is_empty()).collect();
    let timestamp = |f: &[u8]| f.first().is_some_and(u8::is_ascii_digit);
    let prefix_ok = match fields.as_slice() {
        [] | [_] => true,
        [ts, _] => timestamp(ts),
        [ts, stream, tag, _] => {
            timestamp(ts) && matches!(*stream, b"stdout" | b"stderr") && matches!(*tag, b"P" | b"F")
        }
        _ => false,
    };
    prefix_ok && fields.last().is_none_or(|t| t.iter().all(|&b| is_base64ish(b)))
}

/// A blank line of a block behind its log prefix only (`kubectl logs --timestamps`, CRI framing): OpenPGP armor
/// puts one between its headers and the body.
fn is_prefix_only(line: &[u8]) -> bool {
    let fields: Vec<&[u8]> = line.split(u8::is_ascii_whitespace).filter(|f| !f.is_empty()).collect();
    let timestamp = |f: &[u8]| {
        f.first().is_some_and(u8::is_ascii_digit) && f.iter().any(|b| matches!(b, b':' | b'.')) && f.contains(&b'-')
    };
    match fields.as_slice() {
        [ts] => timestamp(ts),
        [ts, stream, tag] => timestamp(ts) && matches!(*stream, b"stdout" | b"stderr") && matches!(*tag, b"P" | b"F"),
        _ => false,
    }
}

fn is_pem_header(line: &[u8]) -> bool {
    // RFC 1421 (encrypted PEM) and OpenPGP armor (RFC 4880) headers.
    [&b"Proc-Type:"[..], b"DEK-Info:", b"Version:", b"Comment:", b"Charset:", b"Hash:", b"MessageID:"]
        .iter()
        .any(|h| memchr::memmem::find(line, h).is_some())
}

/// Base64 characters, plus the backslash of JSON-escaped newlines.
fn is_base64ish(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\\')
}

/// Whether `b64` decodes (standard alphabet) to bytes containing `:`, as `user:password` does.
fn base64_has_colon(b64: &[u8]) -> bool {
    let digits = b64.iter().take_while(|&&b| b != b'=');
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in digits {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return false,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if (acc >> bits) & 0xff == u32::from(b':') {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(s: &str) -> String {
        let out = Redactor::new().line(s.as_bytes(), &mut StreamState::default()).into_owned();
        String::from_utf8(out).expect("redaction keeps UTF-8")
    }

    fn copy(text: &[u8]) -> (Vec<u8>, RedactStats) {
        let mut out = Vec::new();
        let stats = Redactor::new().copy(text, &mut out).expect("writing to a Vec cannot fail");
        (out, stats)
    }

    #[test]
    fn redactor_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Redactor>();
    }

    #[test]
    fn bearer_and_basic_credentials() {
        assert_eq!(red("curl -H 'bearer xyz123'"), "curl -H 'bearer [REDACTED]'");
        assert_eq!(red("using Bearer abc.def-123_~+/== now"), "using Bearer [REDACTED] now");
        let basic = "curl -H \"Basic dXNlcjpwYXNzd29yZA==\""; // user:password
        assert_eq!(red(basic), "curl -H \"Basic [REDACTED]\"");
        // Prose and challenges are not credentials.
        for keep in [
            r#"err="[invalid bearer token, service account token has been invalidated]""#,
            "using basic configuration for the server",
            r#"WWW-Authenticate: Bearer realm="kubernetes", error="invalid_token""#,
        ] {
            assert_eq!(red(keep), keep);
        }
    }

    #[test]
    fn authorization_headers_in_every_shape_keep_the_key() {
        assert_eq!(red("Authorization: Bearer abc.def-123"), "Authorization: [REDACTED]");
        assert_eq!(red("authorization=Basic dXNlcjpwYXNz&x=1"), "authorization=[REDACTED]&x=1");
        assert_eq!(red(r#"{"Authorization":"Bearer abc"}"#), r#"{"Authorization":"[REDACTED]"}"#);
        assert_eq!(red(r#"{"authorization": ["Bearer abc"]}"#), r#"{"authorization": ["[REDACTED]"]}"#);
        assert_eq!(red("map[Accept:[*/*] Authorization:[Bearer abc]]"), "map[Accept:[*/*] Authorization:[[REDACTED]]]");
        assert_eq!(red(r#"-H "Authorization: Token abc""#), r#"-H "Authorization: [REDACTED]""#);
        assert_eq!(red("Proxy-Authorization: Basic dXNlcjpwYXNz"), "Proxy-Authorization: [REDACTED]");
        // Not headers: flags, API groups, prose.
        for keep in [
            "--authorization-mode=Node,RBAC",
            r#"{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}"#,
        ] {
            assert_eq!(red(keep), keep);
        }
    }

    #[test]
    fn jwts_anywhere() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";
        assert_eq!(red(&format!("token is {jwt} ok")), "token is [REDACTED] ok");
        assert_eq!(red(&format!(r#"{{"status":{{"jwt":"{jwt}"}}}}"#)), r#"{"status":{"jwt":"[REDACTED]"}}"#);
        assert_eq!(red("eyJhbGciOi.notajwt"), "eyJhbGciOi.notajwt");
    }

    #[test]
    fn url_passwords_but_not_urls_without_user_info() {
        assert_eq!(red("dial postgres://app:hunter2@db:5432/x"), "dial postgres://app:[REDACTED]@db:5432/x");
        assert_eq!(red("redis://:s3cr3t@cache:6379"), "redis://:[REDACTED]@cache:6379");
        for keep in [
            "https://127.0.0.1:2379",
            "http://host:8080/path",
            "http://host:8080/a@b",
            "http://host:8080?mail=a@b",
            "ssh://git@github.com/x",
        ] {
            assert_eq!(red(keep), keep);
        }
    }

    #[test]
    fn key_value_secrets_in_every_shape() {
        assert_eq!(red("--token=abc123 --v=2"), "--token=[REDACTED] --v=2");
        assert_eq!(red("kubeadm join --token abcdef.0123456789abcdef x"), "kubeadm join --token [REDACTED] x");
        assert_eq!(red("--password=pw --client-secret=cs"), "--password=[REDACTED] --client-secret=[REDACTED]");
        assert_eq!(red("password: p4ss"), "password: [REDACTED]");
        assert_eq!(red("db_password=s3cret&x=1"), "db_password=[REDACTED]&x=1");
        assert_eq!(red("spring.datasource.password=pw"), "spring.datasource.password=[REDACTED]");
        assert_eq!(red("PWD=/root API_KEY=k1 apikey=k2"), "PWD=[REDACTED] API_KEY=[REDACTED] apikey=[REDACTED]");
        assert_eq!(
            red("AWS_SECRET_ACCESS_KEY=x AWS_ACCESS_KEY_ID=AKIA"),
            "AWS_SECRET_ACCESS_KEY=[REDACTED] AWS_ACCESS_KEY_ID=AKIA"
        );
        assert_eq!(red("?access_token=abc&x=1"), "?access_token=[REDACTED]&x=1");
        assert_eq!(red(r#"{"password": "p a s s", "user": "u"}"#), r#"{"password": "[REDACTED]", "user": "u"}"#);
        assert_eq!(red(r#"{"client_secret":"a\"b\\","x":1}"#), r#"{"client_secret":"[REDACTED]","x":1}"#);
        assert_eq!(red("secret: 'shh'"), "secret: '[REDACTED]'");
        assert_eq!(red("map[password:hunter2 user:u]"), "map[password:[REDACTED] user:u]");
        assert_eq!(red("X-Auth-Token: abc"), "X-Auth-Token: [REDACTED]");
    }

    #[test]
    fn names_empty_values_and_structure_are_not_secrets() {
        for keep in [
            r#"{"volumes":[{"name":"certs","secret":{"secretName":"etcd-certs","defaultMode":420}}]}"#,
            r#"{"envFrom":[{"secretRef":{"name":"db"}}],"tokenExpirationSeconds":3600}"#,
            r#"{"projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}"#,
            r#"{"token":null,"password":"","secret":true,"apiKey":12}"#,
            "password: \"\" token=",
            "secret:",
            r#"{"initial-cluster-token":"etcd-cluster-1","auth-token":"simple"}"#,
            "--initial-cluster-token=etcd-cluster-1 --auth-token=jwt,pub-key=/k.pub",
            r#"{"certificate-authority-data":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"}"#,
            "Secret:nil Token:<nil> /etc/passwd",
            "key:\"/registry/secrets/kube-system/bootstrap-token-abcdef\" range_end:\"/registry/secrets0\"",
        ] {
            assert_eq!(red(keep), keep);
        }
    }

    #[test]
    fn kubeconfig_and_tls_secret_data() {
        let kubeconfig = "    client-key-data: LS0tLS1CRUdJTiBSU0E=";
        assert_eq!(red(kubeconfig), "    client-key-data: [REDACTED]");
        assert_eq!(red("    client-certificate-data: LS0tLS1C"), "    client-certificate-data: [REDACTED]");
        let secret = r#"{"data":{"ca.crt":"Q0E=","tls.crt":"Q0VSVA==","tls.key":"S0VZ"},"type":"kubernetes.io/tls"}"#;
        let want =
            r#"{"data":{"ca.crt":"Q0E=","tls.crt":"[REDACTED]","tls.key":"[REDACTED]"},"type":"kubernetes.io/tls"}"#;
        assert_eq!(red(secret), want);
    }

    #[test]
    fn json_inside_json_log_fields() {
        let line = r#"{"log":"{\"password\":\"p a\\\"ss\",\"user\":\"u\"}","stream":"stdout"}"#;
        let out = red(line);
        assert_eq!(out, r#"{"log":"{\"password\":\"[REDACTED]\",\"user\":\"u\"}","stream":"stdout"}"#);
        let outer: serde_json::Value = serde_json::from_str(&out).expect("outer JSON stays valid");
        let inner: serde_json::Value = serde_json::from_str(outer["log"].as_str().unwrap()).expect("inner too");
        assert_eq!(inner["password"], REDACTED);
        assert_eq!(
            red(r#"{"msg":"connecting with password=abc\n"}"#),
            r#"{"msg":"connecting with password=[REDACTED]\n"}"#
        );
    }

    #[test]
    fn one_line_pem_blocks() {
        let one = r#"{"key":"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n","ca":"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----"}"#;
        let want = r#"{"key":"-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----\n","ca":"-----BEGIN CERTIFICATE-----[REDACTED]-----END CERTIFICATE-----"}"#;
        assert_eq!(red(one), want);
        let public = "-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----";
        assert_eq!(red(public), public, "public keys are not secrets");
        let mention = r#"{"msg":"expected -----BEGIN CERTIFICATE----- block"}"#;
        assert_eq!(red(mention), mention);
    }

    #[test]
    fn multi_line_pem_keeps_the_line_count_and_the_markers() {
        let text =
            "before\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0BAQEF\n-----END PRIVATE KEY-----\nafter\n";
        let (out, stats) = copy(text.as_bytes());
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "before\n-----BEGIN PRIVATE KEY-----\n[REDACTED]\n[REDACTED]\n-----END PRIVATE KEY-----\nafter\n"
        );
        assert_eq!(
            stats,
            RedactStats { lines: 6, redacted_lines: 2, bytes_in: text.len() as u64, bytes_out: out.len() as u64 }
        );
    }

    #[test]
    fn multi_line_pem_in_a_pod_log_keeps_the_log_prefix() {
        let log = "2024-05-01T10:00:00.000000001Z stderr F starting\n\
                   2024-05-01T10:00:00.000000002Z stderr F -----BEGIN EC PRIVATE KEY-----\n\
                   2024-05-01T10:00:00.000000003Z stderr F MHcCAQEEIO4yZ+/0\n\
                   2024-05-01T10:00:00.000000004Z stderr F -----END EC PRIVATE KEY-----\n\
                   2024-05-01T10:00:00.000000005Z stderr F password=x\n";
        let (out, stats) = copy(log.as_bytes());
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.lines().count(), log.lines().count());
        assert!(out.contains("000000003Z stderr F [REDACTED]\n"), "{out}");
        assert!(out.contains("-----END EC PRIVATE KEY-----\n"));
        assert!(out.ends_with("stderr F password=[REDACTED]\n"), "the block ended; rules apply again");
        assert_eq!(stats.redacted_lines, 2);
    }

    #[test]
    fn an_unclosed_begin_does_not_swallow_the_rest_of_the_log() {
        let text =
            "-----BEGIN CERTIFICATE-----\nMIIC\n2024-05-01T10:00:00Z level=info msg=\"served\" path=/healthz\nok\n";
        let (out, _) = copy(text.as_bytes());
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "-----BEGIN CERTIFICATE-----\n[REDACTED]\n2024-05-01T10:00:00Z level=info msg=\"served\" path=/healthz\nok\n"
        );
    }

    #[test]
    fn a_cri_partial_line_splitting_an_escaped_key() {
        let text = "T1 stdout P {\"key\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQ\nT2 stdout F kqhkiG9w\\n-----END PRIVATE KEY-----\\n\"}\n";
        let (out, stats) = copy(text.as_bytes());
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "T1 stdout P {\"key\":\"-----BEGIN PRIVATE KEY-----[REDACTED]\nT2 stdout F [REDACTED]-----END PRIVATE KEY-----\\n\"}\n"
        );
        assert_eq!(stats.redacted_lines, 2);
    }

    #[test]
    fn a_pod_page_stays_valid_json() {
        let pod = serde_json::json!({"kind": "PodList", "items": [{"metadata": {"name": "app"}, "spec": {
            "containers": [{"name": "app", "env": [
                {"name": "DATABASE_URL", "value": "postgres://app:hunter2@db:5432/x"},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "app-token", "key": "token"}}}]}],
            "volumes": [{"name": "certs", "secret": {"secretName": "etcd-certs", "defaultMode": 420}},
                        {"name": "kube-api-access", "projected": {"sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]}}]});
        let text = serde_json::to_string(&pod).unwrap();
        let out = red(&text);
        assert!(!out.contains("hunter2"), "{out}");
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(
            parsed["items"][0]["spec"]["containers"][0]["env"][0]["value"],
            "postgres://app:[REDACTED]@db:5432/x"
        );
        let mut expected = pod.clone();
        expected["items"][0]["spec"]["containers"][0]["env"][0]["value"] = "postgres://app:[REDACTED]@db:5432/x".into();
        assert_eq!(parsed, expected, "nothing else changed");
    }

    #[test]
    fn real_etcd_lines_pass_through_byte_identical() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared-slow/var/log/pods");
        let pod = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("kube-system_etcd-node1_"))
            .expect("the etcd-node1 fixture");
        let log = std::fs::read(pod.join("etcd/0.log")).unwrap();
        let (out, stats) = copy(&log);
        assert!(out == log, "no etcd line holds a secret:\n{}", String::from_utf8_lossy(&out));
        assert_eq!(stats.redacted_lines, 0);
        assert_eq!(stats.lines, log.iter().filter(|&&b| b == b'\n').count() as u64);
        assert_eq!((stats.bytes_in, stats.bytes_out), (log.len() as u64, log.len() as u64));
    }

    #[test]
    fn copy_keeps_endings_non_utf8_and_long_lines() {
        let mut text = b"a password=x\r\nraw \xff\xfe token=y\n".to_vec();
        let long = format!(r#"{{"items":[{}]}}"#, vec![r#"{"token":"t","n":"0123456789"}"#; 100_000].join(","));
        text.extend_from_slice(long.as_bytes());
        text.extend_from_slice(b"\nlast line without newline password=z");
        let (out, stats) = copy(&text);
        let mut lines = out.split(|&b| b == b'\n');
        assert_eq!(lines.next().unwrap(), b"a password=[REDACTED]\r");
        assert_eq!(lines.next().unwrap(), b"raw \xff\xfe token=[REDACTED]");
        let page: serde_json::Value = serde_json::from_slice(lines.next().unwrap()).expect("the long page stays JSON");
        assert_eq!(page["items"][99_999]["token"], REDACTED);
        assert_eq!(lines.next().unwrap(), b"last line without newline password=[REDACTED]");
        assert!(lines.next().is_none(), "no newline added at the end");
        assert_eq!(stats.lines, 4);
        assert_eq!(stats.redacted_lines, 4);
        assert_eq!((stats.bytes_in, stats.bytes_out), (text.len() as u64, out.len() as u64));
    }

    #[test]
    fn the_needle_scan_ignores_case_and_chunk_edges() {
        let r = Redactor::new();
        assert!(r.may_hold_secret(b"X PassWord"));
        assert!(!r.may_hold_secret(b"nothing to see"));
        // Every position across the first chunk boundaries, with the longest needle.
        for at in 0..2200 {
            let mut line = vec![b'.'; at];
            line.extend_from_slice(b"Certificate-Data");
            line.extend_from_slice(&[b'.'; 100]);
            assert!(r.may_hold_secret(&line), "needle at {at}");
            assert!(!r.may_hold_secret(&line[..at + 15]), "a cut needle at {at} is no needle");
        }
        let long = format!("{} Authorization: Bearer abc", ".".repeat(10_000));
        assert!(red(&long).ends_with(" Authorization: [REDACTED]"));
    }

    #[test]
    fn redaction_is_idempotent_and_borrows_when_clean() {
        let r = Redactor::new();
        for s in ["Authorization: Bearer abc", r#"{"password":"x"}"#, "map[Authorization:[Bearer x]]", "--token=abc"] {
            let once = r.line(s.as_bytes(), &mut StreamState::default()).into_owned();
            let twice = r.line(&once, &mut StreamState::default());
            assert!(matches!(twice, Cow::Borrowed(_)), "{}", String::from_utf8_lossy(&once));
        }
        let clean = br#"{"level":"info","msg":"slow fdatasync","took":"1.2s","expected-duration":"1s"}"#;
        assert!(matches!(r.line(clean, &mut StreamState::default()), Cow::Borrowed(_)));
    }

    #[test]
    fn the_shapes_of_issue_11() {
        let cases: &[(&str, &str)] = &[
            ("PGPASSWORD=hunter2 psql -h db", "hunter2"),
            ("export PGPASSWORD='hunter2'", "hunter2"),
            ("using AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE"),
            ("sts gave ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
            ("Cookie: session=abc123; csrftoken=def456", "abc123"),
            ("Cookie: session=abc123; csrftoken=def456", "def456"),
            (r#"{"msg":"req","headers":{"Set-Cookie":"sid=s3cr3t; Path=/; HttpOnly"}}"#, "s3cr3t"),
            ("map[Cookie:[sid=s3cr3t] Accept:[*/*]]", "s3cr3t"),
            ("GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Signature=abcdef0123", "abcdef0123"),
            ("GET https://b.s3.amazonaws.com/k?X-Amz-Security-Token=FQoGZXIvYXdz&x=1", "FQoGZXIvYXdz"),
            ("https://storage.googleapis.com/b/o?X-Goog-Signature=0a1b2c3d4e", "0a1b2c3d4e"),
            ("https://acct.blob.core.windows.net/c/b?sv=2020&sig=Zm9vYmFy%3D", "Zm9vYmFy%3D"),
            ("https://x.cloudfront.net/a?Expires=1&Signature=QmFyQmF6&Key-Pair-Id=K", "QmFyQmF6"),
            ("running mysql -u root -phunter2 appdb", "hunter2"),
            ("mysqldump -uroot -p'hunter 2' --all-databases", "hunter 2"),
            ("clone with ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            (
                "token github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            ),
            ("slack xoxb-123456789012-abcdefghijkl posted", "xoxb-123456789012-abcdefghijkl"),
            ("slack xoxp-123456789012-abcdefghijkl posted", "xoxp-123456789012-abcdefghijkl"),
            ("dial postgres://app:hunter2@db:5432/app failed", "hunter2"),
        ];
        for (line, secret) in cases {
            let out = red(line);
            assert!(!out.contains(secret), "{line:?} -> {out:?}");
            assert!(out.contains(REDACTED), "{line:?} -> {out:?}");
            assert_eq!(red(&out), out, "idempotent: {line:?}");
        }
        // Not secrets: the port flag, a prompting -p, prose about signatures and cookies, time zones.
        for line in [
            "mysql -u root -P 3306 -h db",
            "mysql -u root -p appdb",
            "x509: certificate signature invalid",
            "cookie jar is empty",
            "TZ=Asia/Tokyo",
        ] {
            assert_eq!(red(line), line);
        }
    }

    #[test]
    fn pgp_and_ssh_private_key_blocks() {
        let pgp = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF0AAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----\nafter\n";
        let (out, stats) = copy(pgp.as_bytes());
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("lQOYBF0") && !out.contains("=AbCd"), "{out}");
        assert_eq!(stats.lines, 7);
        assert!(out.ends_with("-----END PGP PRIVATE KEY BLOCK-----\nafter\n"), "{out}");
        // Cut before its END (a clipped first line, a truncated message): the headers do not stop the redaction.
        let cut = red(r#"msg="-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF0AAAA" next"#);
        assert!(!cut.contains("lQOYBF0"), "{cut}");
        assert!(cut.ends_with("\" next"), "{cut}");
        // As `kubectl logs --timestamps` gives it: the blank line after the headers keeps its timestamp.
        let ts = "2026-11-25T02:22:30.000000000Z";
        let stamped = format!(
            "{ts} I1125 x.go:1] -----BEGIN PGP PRIVATE KEY BLOCK-----\n{ts} Version: GnuPG v2\n{ts} \n{ts} lQOYBF0AAAA\n{ts} -----END PGP PRIVATE KEY BLOCK-----\n"
        );
        let (out, _) = copy(stamped.as_bytes());
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains("lQOYBF0") && out.contains(&format!("{ts} \n")), "{out}");
        let ssh = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\n-----END OPENSSH PRIVATE KEY-----\n";
        let (out, _) = copy(ssh.as_bytes());
        assert!(!String::from_utf8(out).unwrap().contains("b3BlbnNzaC1"));
    }
}
