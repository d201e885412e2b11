//! Reading the bearer token from a request: the `Authorization` header only.

use super::AuthError;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, Uri};

/// The longest token accepted (bytes). Real tokens are a few KiB at most.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The bearer token of a request's headers.
///
/// No `Authorization` header is [`AuthError::MissingToken`]; more than one, or
/// one that is not `Bearer <token>`, is [`AuthError::MalformedHeader`] with the
/// precise reason.
///
/// ```
/// use ferrymcp::auth::{bearer_token, AuthError};
/// use http::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(bearer_token(&headers), Err(AuthError::MissingToken));
/// headers.insert("authorization", "Bearer abc.def-ghi".parse().unwrap());
/// assert_eq!(bearer_token(&headers), Ok("abc.def-ghi"));
/// ```
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(AuthError::MissingToken);
    };
    if values.next().is_some() {
        return Err(AuthError::MalformedHeader(
            "the request has more than one Authorization header; send exactly one".into(),
        ));
    }
    parse_authorization(value)
}

/// The token of one `Authorization` header value, which must be
/// `Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1 token syntax).
///
/// ```
/// use ferrymcp::auth::{parse_authorization, AuthError};
/// use http::HeaderValue;
///
/// let ok = HeaderValue::from_static("bearer eyJ0.eyJ1.sig");
/// assert_eq!(parse_authorization(&ok), Ok("eyJ0.eyJ1.sig"));
///
/// let basic = HeaderValue::from_static("Basic dXNlcjpwYXNz");
/// let Err(AuthError::MalformedHeader(why)) = parse_authorization(&basic) else { panic!() };
/// assert_eq!(why, "the Authorization scheme is `Basic`; this server accepts only `Bearer` tokens");
/// ```
pub fn parse_authorization(value: &HeaderValue) -> Result<&str, AuthError> {
    let malformed = |why: String| Err(AuthError::MalformedHeader(why));
    let Ok(text) = value.to_str() else {
        return malformed("the Authorization header is not visible ASCII".into());
    };
    let text = text.trim_matches(|c| c == ' ' || c == '\t');
    if text.is_empty() {
        return malformed("the Authorization header is empty; send `Bearer <token>`".into());
    }
    let (scheme, rest) = match text.find([' ', '\t']) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        let shown: String = scheme.chars().take(32).collect();
        return malformed(format!(
            "the Authorization scheme is `{shown}`; this server accepts only `Bearer` tokens"
        ));
    }
    let token = rest.trim_start_matches([' ', '\t']);
    if token.is_empty() {
        return malformed(
            "the Authorization header says `Bearer` but has no token after it".into(),
        );
    }
    if token.len() > MAX_TOKEN_LEN {
        return malformed(format!(
            "the token is {} bytes long; the limit is {MAX_TOKEN_LEN}",
            token.len()
        ));
    }
    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    let body_end = token.trim_end_matches('=').len();
    if body_end == 0 {
        return malformed("the token is only `=` padding".into());
    }
    for (i, c) in token.char_indices() {
        let allowed = if i < body_end {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/')
        } else {
            c == '='
        };
        if !allowed && c == '=' {
            return malformed(format!(
                "the token has `=` at byte {i}; `=` may only pad the end of a Bearer token"
            ));
        }
        if !allowed {
            let what = if c == ' ' || c == '\t' {
                "whitespace".to_owned()
            } else {
                format!("`{c}`")
            };
            return malformed(format!(
                "the token contains {what} at byte {i}, which a Bearer token cannot contain"
            ));
        }
    }
    Ok(token)
}

/// Refuses a request that carries an access token in its query string
/// (`access_token=…`, RFC 6750 §2.3), which MCP forbids: such tokens leak into
/// logs, proxies and browser history. The HTTP layer calls it before anything
/// else; the error is [`AuthError::TokenInQuery`] (400).
///
/// ```
/// use ferrymcp::auth::{reject_query_token, AuthError};
///
/// let ok: http::Uri = "/mcp?session=1".parse().unwrap();
/// assert_eq!(reject_query_token(&ok), Ok(()));
/// let bad: http::Uri = "/mcp?x=1&access_token=abc".parse().unwrap();
/// assert_eq!(reject_query_token(&bad), Err(AuthError::TokenInQuery));
/// ```
pub fn reject_query_token(uri: &Uri) -> Result<(), AuthError> {
    let Some(query) = uri.query() else {
        return Ok(());
    };
    for pair in query.split('&') {
        let name = pair.split('=').next().unwrap_or("");
        if percent_decode_lossy(name).eq_ignore_ascii_case("access_token") {
            return Err(AuthError::TokenInQuery);
        }
    }
    Ok(())
}

/// Decodes `%XX` and `+` in a query-string name; bad escapes stay as they are.
fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<&str, AuthError> {
        // Leak is fine in a test: lets us return borrowed results.
        let v: &'static HeaderValue = Box::leak(Box::new(HeaderValue::from_str(s).unwrap()));
        parse_authorization(v)
    }

    fn why(r: Result<&str, AuthError>) -> String {
        match r {
            Err(AuthError::MalformedHeader(w)) => w,
            other => panic!("expected MalformedHeader, got {other:?}"),
        }
    }

    #[test]
    fn accepts_bearer_forms() {
        assert_eq!(parse("Bearer abc"), Ok("abc"));
        assert_eq!(parse("BEARER   a.b.c"), Ok("a.b.c"));
        assert_eq!(parse("Bearer a+/b=="), Ok("a+/b=="));
        assert_eq!(parse("Bearer abc "), Ok("abc"));
    }

    #[test]
    fn rejects_precisely() {
        assert_eq!(
            why(parse("Bearer")),
            "the Authorization header says `Bearer` but has no token after it"
        );
        assert_eq!(
            why(parse("Bearer a b")),
            "the token contains whitespace at byte 1, which a Bearer token cannot contain"
        );
        assert_eq!(
            why(parse("Bearer a=b")),
            "the token has `=` at byte 1; `=` may only pad the end of a Bearer token"
        );
        assert_eq!(why(parse("Bearer ===")), "the token is only `=` padding");
        assert_eq!(
            why(parse("Token x")),
            "the Authorization scheme is `Token`; this server accepts only `Bearer` tokens"
        );
        assert_eq!(
            why(parse("")),
            "the Authorization header is empty; send `Bearer <token>`"
        );
        let non_ascii = HeaderValue::from_bytes(b"Bearer \xc3\xa9").unwrap();
        assert_eq!(
            why(parse_authorization(&non_ascii)),
            "the Authorization header is not visible ASCII"
        );
        let long = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert!(why(parse(&long)).contains("limit"));
    }

    #[test]
    fn two_headers_are_malformed() {
        let mut h = HeaderMap::new();
        h.append(AUTHORIZATION, HeaderValue::from_static("Bearer a"));
        h.append(AUTHORIZATION, HeaderValue::from_static("Bearer b"));
        assert!(matches!(
            bearer_token(&h),
            Err(AuthError::MalformedHeader(_))
        ));
    }

    #[test]
    fn query_tokens_are_found_even_encoded() {
        for q in [
            "/?access_token=x",
            "/?a=1&ACCESS_TOKEN",
            "/?access%5Ftoken=x",
            "/?access%5ftoken=",
        ] {
            let uri: Uri = q.parse().unwrap();
            assert_eq!(
                reject_query_token(&uri),
                Err(AuthError::TokenInQuery),
                "{q}"
            );
        }
        for q in [
            "/",
            "/?token=1",
            "/?x=access_token",
            "/?%",
            "/?a%2",
            "/?%zz",
        ] {
            let uri: Uri = q.parse().unwrap();
            assert_eq!(reject_query_token(&uri), Ok(()), "{q}");
        }
    }
}
