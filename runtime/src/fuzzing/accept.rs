//! `Accept` (`transport/http/response.rs`) against a plain reading of its
//! media ranges. Each line of the input is one `Accept` header.

use super::{lines, trim_spaces};
use crate::transport::http::response::Accept;
use http::header::{HeaderValue, ACCEPT};
use http::HeaderMap;

/// The check.
pub fn check(data: &[u8]) {
    let mut headers = HeaderMap::new();
    let mut texts = Vec::new();
    for line in lines(data).filter(|l| !data.is_empty() || !l.is_empty()) {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            texts.push(value.to_str().ok().map(str::to_owned));
            headers.append(ACCEPT, value);
        }
    }
    let accept = Accept::from_headers(&headers);
    let expected = expected(&texts);
    assert_eq!((accept.json, accept.sse), expected, "Accept: {texts:?}");
}

/// Whether the headers accept JSON and event streams: no header accepts
/// both; a value that is not visible ASCII accepts nothing; otherwise each
/// media range (parameters dropped, case ignored) counts.
fn expected(texts: &[Option<String>]) -> (bool, bool) {
    if texts.is_empty() {
        return (true, true);
    }
    let (mut json, mut sse) = (false, false);
    for text in texts.iter().flatten() {
        for range in text.split(',') {
            let media =
                trim_spaces(range.split(';').next().unwrap_or_default()).to_ascii_lowercase();
            match media.as_str() {
                "*/*" => (json, sse) = (true, true),
                "application/json" | "application/*" => json = true,
                "text/event-stream" | "text/*" => sse = true,
                _ => {}
            }
        }
    }
    (json, sse)
}
