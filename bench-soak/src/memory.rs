//! What a process holds: its resident set (`/proc/PID/status`) and, inside
//! the server, what glibc's allocator has handed out (`mallinfo2`).

use serde_json::{json, Value};

/// `VmRSS` and `VmHWM` (peak RSS) of process `pid`, in bytes.
pub fn rss(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The calling process's heap as glibc's allocator counts it, over every
/// arena: bytes in use (`uordblks` + `hblkhd`), free bytes it keeps
/// (`fordblks`), and its arenas' total size (`arena`).
pub fn heap() -> Value {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 has no preconditions; it returns a plain struct.
        let info = unsafe { libc::mallinfo2() };
        json!({
            "in_use": info.uordblks + info.hblkhd,
            "free_kept": info.fordblks,
            "arena": info.arena,
        })
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        json!({})
    }
}

/// Gives the allocator's free memory back to the system (`malloc_trim(0)`),
/// then [`heap`].
pub fn trim() -> Value {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
    heap()
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
