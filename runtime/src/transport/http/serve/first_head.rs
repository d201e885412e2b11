//! Waiting for a new connection's first request head while it is still in
//! the kernel's socket buffer.
//!
//! hyper gives every connection two 8 KiB buffers as it starts serving it.
//! A client that opens a connection and sends half a request head would hold
//! them until the header read timeout; thousands of such clients hold tens
//! of megabytes. So a new connection goes to hyper only once its socket holds
//! a blank line (the end of a head) or 16 KiB: until then the server looks at
//! the bytes without taking them (`MSG_PEEK`, into a buffer on the stack)
//! each time more arrive, and holds nothing of its own but the task.
//!
//! For an honest client this is one `peek` more per connection.

use socket2::SockRef;
use std::io;
use std::mem::MaybeUninit;
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Looked at first: most heads are shorter.
const FIRST_LOOK: usize = 2048;

/// Past this many bytes without a blank line the connection goes to hyper
/// anyway, which reads the head (or refuses it as too large).
const LONGEST_LOOK: usize = 16 * 1024;

/// Waits until the socket holds a request head (or [`LONGEST_LOOK`] bytes);
/// `false` when the client closed the connection first.
pub(crate) async fn first_head_arrived(stream: &TcpStream) -> io::Result<bool> {
    loop {
        stream.readable().await?;
        // A partial head is reported as `WouldBlock`, which makes tokio wait
        // for more bytes rather than call again at once.
        match stream.try_io(Interest::READABLE, || look(stream)) {
            Ok(arrived) => return Ok(arrived),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

/// `Ok(true)` when a head (or enough bytes) is there, `Ok(false)` at end of
/// file, `WouldBlock` for a partial head.
fn look(stream: &TcpStream) -> io::Result<bool> {
    let socket = SockRef::from(stream);
    let mut first = [MaybeUninit::<u8>::uninit(); FIRST_LOOK];
    let seen = peek(&socket, &mut first)?;
    if seen.is_empty() {
        return Ok(false);
    }
    if has_blank_line(seen) {
        return Ok(true);
    }
    if seen.len() < FIRST_LOOK {
        return Err(io::ErrorKind::WouldBlock.into());
    }
    let mut more = [MaybeUninit::<u8>::uninit(); LONGEST_LOOK];
    let seen = peek(&socket, &mut more)?;
    if seen.len() == LONGEST_LOOK || has_blank_line(seen) {
        return Ok(true);
    }
    Err(io::ErrorKind::WouldBlock.into())
}

/// The bytes waiting in the socket, up to `buffer`'s length, left there.
#[allow(unsafe_code)]
fn peek<'b>(socket: &SockRef<'_>, buffer: &'b mut [MaybeUninit<u8>]) -> io::Result<&'b [u8]> {
    let n = socket.peek(buffer)?;
    // SAFETY: `peek` initialized the first `n` bytes of `buffer`.
    Ok(unsafe { std::slice::from_raw_parts(buffer.as_ptr().cast::<u8>(), n) })
}

/// Whether `bytes` hold an empty line (`\n\n` or `\n\r\n`): the end of a
/// head, with or without carriage returns.
fn has_blank_line(bytes: &[u8]) -> bool {
    bytes.windows(2).enumerate().any(|(i, pair)| {
        pair[0] == b'\n'
            && (pair[1] == b'\n' || (pair[1] == b'\r' && bytes.get(i + 2) == Some(&b'\n')))
    })
}

#[cfg(test)]
mod tests {
    use super::has_blank_line;

    #[test]
    fn blank_lines_end_heads() {
        assert!(has_blank_line(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        assert!(has_blank_line(b"GET / HTTP/1.1\nHost: a\n\nbody"));
        assert!(!has_blank_line(b"POST /mcp HTTP/1.1\r\nHost: a\r\n"));
        assert!(!has_blank_line(b"POST /mcp HTTP/1.1\r\nHost: a\r\n\r"));
        assert!(!has_blank_line(b""));
    }
}
