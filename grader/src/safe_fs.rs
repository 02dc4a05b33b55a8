//! The grader's own file operations in a check's folder, where a program under test may have
//! left anything: a symbolic link to a file of the grader's user (or of root's), a FIFO that
//! blocks whoever opens it, a 1 TiB sparse file. The grader never follows a link there, never
//! blocks on an open, only reads regular files, and reads no more than it needs.
//!
//! The check's folder itself is made by the grader with a canonical path (no link in it), so
//! refusing every symbolic link on the whole path (openat2's RESOLVE_NO_SYMLINKS, Linux 5.6)
//! refuses exactly those a program planted. On older kernels, O_NOFOLLOW guards the last
//! component.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::FromRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Opens `path` with `flags` (plus O_CLOEXEC and O_NOFOLLOW), following no symbolic link on the
/// way.
pub fn open(path: &Path, flags: i32, mode: u32) -> io::Result<File> {
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in a path"))?;
    let flags = flags | libc::O_CLOEXEC | libc::O_NOFOLLOW;
    // SAFETY: open_how is plain data; zero is "no flags" for every field.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = flags as u64;
    if flags & libc::O_CREAT != 0 {
        how.mode = mode as u64;
    }
    how.resolve = libc::RESOLVE_NO_SYMLINKS;
    // SAFETY: `c` and `how` live for the call; openat2 returns a new descriptor or -1.
    let mut fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            c.as_ptr(),
            &how,
            std::mem::size_of::<libc::open_how>(),
        )
    } as libc::c_int;
    if fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
        // SAFETY: as above, with the older call.
        fd = unsafe { libc::open(c.as_ptr(), flags, mode) };
    }
    if fd < 0 {
        let e = io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::ELOOP) => io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is (or lies behind) a symbolic link, which the grader does not follow",
            ),
            _ => e,
        });
    }
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Opens an existing regular file for reading, without blocking on a FIFO.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = open(path, libc::O_RDONLY | libc::O_NONBLOCK, 0)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    Ok(file)
}

/// At most `limit` bytes of the regular file at `path`, and its size.
pub fn read_at_most(path: &Path, limit: usize) -> io::Result<(Vec<u8>, u64)> {
    let file = open_regular(path)?;
    let size = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(limit.min(size as usize));
    file.take(limit as u64).read_to_end(&mut bytes)?;
    Ok((bytes, size))
}

/// A new, empty file at `path` for the grader to fill: whatever was there (a link, a FIFO, a
/// hard link to someone else's file) is removed first, never written through.
pub fn create(path: &Path, mode: u32) -> io::Result<File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    open(path, libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL, mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_never_followed_and_fifos_never_block() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let secret = root.join("secret");
        std::fs::write(&secret, "do not touch").unwrap();
        let link = root.join("link");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert!(open_regular(&link).is_err(), "read through a link");
        // Creating over a link replaces the link, and the target is untouched.
        std::io::Write::write_all(&mut create(&link, 0o644).unwrap(), b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "do not touch");
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
        // A folder swapped for a link is refused too.
        std::os::unix::fs::symlink(&root, root.join("sub")).unwrap();
        assert!(open_regular(&root.join("sub/secret")).is_err());
        nix::unistd::mkfifo(
            &root.join("fifo"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        assert!(open_regular(&root.join("fifo")).is_err());
        assert_eq!(
            read_at_most(&secret, 3).unwrap(),
            (b"do ".to_vec(), 12),
            "reads stop at the limit"
        );
    }
}
