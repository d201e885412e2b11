//! The SSE frames of a response stream (`transport/http/sse.rs`), read back
//! by a reader written from the WHATWG event-stream rules.
//!
//! The input is a JSON value (anything else counts as a string of its
//! text). Its frame, and the frames of a response carrying it, must read
//! as exactly one `message` event whose data is the message's JSON; a priming
//! frame as one event of empty data that sets the id.

use crate::protocol::jsonrpc::{write_error, write_success, ErrorObject, RequestId};
use crate::transport::http::sse::{event, event_bytes, priming};
use serde_json::Value;

/// The check.
pub fn check(data: &[u8]) {
    let value = serde_json::from_slice::<Value>(data)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(data).into_owned()));
    let read = read_stream(&event(&value));
    assert_eq!(read.events.len(), 1, "{value:?}");
    let (kind, json) = &read.events[0];
    assert_eq!(kind, "message");
    assert_eq!(
        json,
        &serde_json::to_string(&value).expect("a Value serializes")
    );

    let id = match &value {
        Value::String(s) => RequestId::String(s.clone()),
        _ => RequestId::Number(data.len() as i64),
    };
    let error = ErrorObject::internal(String::from_utf8_lossy(data)).with_data(value.clone());
    for written in [write_success(&id, &value), write_error(Some(&id), &error)] {
        let read = read_stream(&event_bytes(&written.json));
        let json = String::from_utf8(written.json).expect("JSON is UTF-8");
        assert_eq!(read.events, [("message".to_owned(), json)]);
    }

    let mut number = [0; 8];
    for (slot, byte) in number.iter_mut().zip(data) {
        *slot = *byte;
    }
    // Priming ids are `<stream>-0`, as a session writes them (any stream key reads back).
    let event_id = format!("{}-0", u64::from_le_bytes(number));
    let read = read_stream(&priming(&event_id, None));
    assert_eq!(read.events, [("message".to_owned(), String::new())]);
    assert_eq!(read.last_event_id, event_id);
}

/// What an event stream holds.
struct Read {
    /// Each dispatched event: its type and its data.
    events: Vec<(String, String)>,
    /// The last event id set.
    last_event_id: String,
}

/// Reads a complete stream (html.spec.whatwg.org, "Interpreting an event
/// stream"); an event not ended by a blank line is not dispatched.
fn read_stream(bytes: &[u8]) -> Read {
    let text = std::str::from_utf8(bytes).expect("an event stream is UTF-8");
    let mut read = Read {
        events: Vec::new(),
        last_event_id: String::new(),
    };
    let (mut kind, mut data) = (String::new(), String::new());
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<&str> = normalized.split('\n').collect();
    // What follows the last line end is an unfinished line.
    lines.pop();
    for line in lines {
        if line.is_empty() {
            if !data.is_empty() {
                data.pop();
                let kind = if kind.is_empty() { "message" } else { &kind };
                read.events
                    .push((kind.to_owned(), std::mem::take(&mut data)));
            }
            kind.clear();
            data.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => kind = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => read.last_event_id = value.to_owned(),
            _ => {}
        }
    }
    read
}
