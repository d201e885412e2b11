//! `Authorization: Bearer <token>` and tokens in query strings
//! (`auth/header.rs`) against a plain reading of RFC 6750.
//!
//! Each line of the input is one `Authorization` header, read alone and
//! all together, and the query string of a request URI.

use super::{lines, percent_decode, trim_spaces};
use crate::auth::{
    bearer_token, parse_authorization, reject_query_token, AuthError, MAX_TOKEN_LEN,
};
use http::header::{HeaderValue, AUTHORIZATION};
use http::{HeaderMap, Uri};

/// The check.
pub fn check(data: &[u8]) {
    let mut headers = HeaderMap::new();
    for line in lines(data) {
        check_query(line);
        let Ok(value) = HeaderValue::from_bytes(line) else {
            continue;
        };
        let parsed = parse_authorization(&value);
        let expected = std::str::from_utf8(line).ok().and_then(expected_token);
        match (&parsed, expected) {
            (Ok(token), Some(want)) => assert_eq!(*token, want),
            (Err(AuthError::MalformedHeader(why)), None) => assert!(!why.is_empty()),
            _ => panic!("Authorization {value:?}: {parsed:?}, expected {expected:?}"),
        }
        if let Ok(token) = parsed {
            // A token read from a header is one a client can send back.
            let again = HeaderValue::from_str(&format!("Bearer {token}")).expect("visible");
            assert_eq!(parse_authorization(&again).ok(), Some(token));
        }
        headers.append(AUTHORIZATION, value);
    }
    let token = bearer_token(&headers);
    match headers.get_all(AUTHORIZATION).iter().count() {
        0 => assert_eq!(token, Err(AuthError::MissingToken)),
        1 => assert_eq!(token, parse_authorization(&headers[AUTHORIZATION])),
        _ => assert!(matches!(token, Err(AuthError::MalformedHeader(_)))),
    }
}

/// RFC 6750 §2.1: `Bearer` (any case), spaces, then
/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`, no
/// longer than the limit; spaces and tabs around the whole are allowed.
fn expected_token(text: &str) -> Option<&str> {
    let text = trim_spaces(text);
    let after = text.get(..6).filter(|s| s.eq_ignore_ascii_case("bearer"))?;
    let rest = &text[after.len()..];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let token = rest.trim_start_matches([' ', '\t']);
    let body = token.trim_end_matches('=');
    let b64token = |c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c);
    (!body.is_empty() && token.len() <= MAX_TOKEN_LEN && body.chars().all(b64token))
        .then_some(token)
}

/// `reject_query_token` refuses exactly the URIs with a query parameter
/// whose name decodes to `access_token` (any case).
fn check_query(line: &[u8]) {
    let Ok(uri) = Uri::try_from([b"/mcp?", line].concat()) else {
        return;
    };
    let carries_token = uri.query().unwrap_or_default().split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or_default();
        percent_decode(name, true).is_some_and(|n| n.eq_ignore_ascii_case("access_token"))
    });
    let expected = if carries_token {
        Err(AuthError::TokenInQuery)
    } else {
        Ok(())
    };
    assert_eq!(reject_query_token(&uri), expected, "{uri}");
}
