//! How many connections the process can hold open: each is a file, and the
//! process may only open so many (`ulimit -n`). A cap above that would never
//! be reached: `accept` would fail first, and clients would wait in the
//! kernel's queue instead of being answered.

/// Connections the limit on open files leaves room for, after a reserve for
/// the process's other files (a tenth of the limit, at least 32); `None`
/// when the limit is unknown or unlimited.
pub(crate) fn connection_budget() -> Option<usize> {
    let limit = open_file_limit()?;
    let reserve = (limit / 10).max(32);
    Some(limit.saturating_sub(reserve).max(1))
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn open_file_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes into the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    usize::try_from(limit.rlim_cur).ok()
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<usize> {
    None
}
