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

/// Gives the grader's user back every folder under `root` (a check's folder, which that user
/// owns), so that the folder can be removed: a program that runs as the grader's user (an
/// ordinary user's grader) can make a folder it may not list (mkdir takes a mode, and the umask
/// only takes bits away), and removing what is inside then fails. Works by descriptor, never
/// through a link a program planted; a run makes at most a few folders (its new files are
/// counted), and the depth is bounded anyway.
pub fn let_owner_in(root: &Path) {
    use std::os::fd::{AsRawFd, OwnedFd};
    fn open_at(dir: Option<&OwnedFd>, name: &Path, flags: i32) -> Option<OwnedFd> {
        let name = CString::new(name.as_os_str().as_bytes()).ok()?;
        let at = dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
        // SAFETY: openat on a NUL-terminated name that we own; the descriptor returned is new.
        let fd = unsafe {
            libc::openat(
                at,
                name.as_ptr(),
                flags | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            )
        };
        // SAFETY: a descriptor just opened, owned by nobody else.
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    }
    fn walk(dir: &OwnedFd, depth: u32) {
        let Ok(entries) = std::fs::read_dir(format!("/proc/self/fd/{}", dir.as_raw_fd())) else {
            return;
        };
        for entry in entries.flatten() {
            if depth > 32 || !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let name = Path::new(entry.file_name().as_os_str()).to_owned();
            // The folder itself (O_PATH needs no right on it), then the mode set through
            // /proc/self/fd, which names that folder and nothing a link points to.
            if let Some(folder) = open_at(Some(dir), &name, libc::O_PATH) {
                let _ = std::fs::set_permissions(
                    format!("/proc/self/fd/{}", folder.as_raw_fd()),
                    std::os::unix::fs::PermissionsExt::from_mode(0o700),
                );
            }
            if let Some(inner) = open_at(Some(dir), &name, libc::O_RDONLY) {
                walk(&inner, depth + 1);
            }
        }
    }
    if let Some(top) = open_at(None, root, libc::O_RDONLY) {
        walk(&top, 0);
    }
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
