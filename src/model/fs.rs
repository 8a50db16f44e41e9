//! Opening files as `appeal` writes them: never through a symbolic link planted where a file of
//! ours goes (a letter's temporary name, the outbox's lock and logs, the failed-rows file), so
//! nothing outside the output folder or the outbox is ever written.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Opens `path` with `options`, refusing a symbolic link at the last component (O_NOFOLLOW on
/// Unix: the check and the open are one step, so no link can be swapped in between). A file it
/// creates is readable by its owner only (0600): letters and messages carry supporters' names
/// and addresses, kept as a mail queue keeps them.
pub fn open_no_follow(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW).mode(0o600);
    }
    #[cfg(not(unix))]
    if path.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a symbolic link stands there",
        ));
    }
    options.open(path).map_err(|e| {
        // ELOOP is how O_NOFOLLOW says "a link is there": say it in words. (With create_new,
        // a link is EEXIST, kept as it is so the caller can remove the link and try again.)
        if e.kind() != io::ErrorKind::AlreadyExists
            && path.symlink_metadata().is_ok_and(|m| m.is_symlink())
        {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a symbolic link stands there; appeal never writes through one (remove it)",
            )
        } else {
            e
        }
    })
}

/// Creates `dir` and the folders above it that are missing, each readable by its owner only
/// (0700), as Maildir and Postfix keep a queue.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Whether any folder of `path` below `root` (not `root` itself or what is above it, which the
/// user chose) is a symbolic link: writing there would put files outside `root`.
pub fn link_below(root: &Path, path: &Path) -> Option<std::path::PathBuf> {
    let rest = path.strip_prefix(root).ok()?;
    let mut at = root.to_path_buf();
    for part in rest.components() {
        at.push(part);
        if at.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
            return Some(at);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn never_opens_through_a_link_and_finds_linked_folders() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "precious").unwrap();
        let link = dir.path().join("out/lock");
        std::fs::create_dir_all(dir.path().join("out")).unwrap();
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let err = open_no_follow(OpenOptions::new().write(true).create(true), &link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");

        let root = dir.path().join("out");
        std::os::unix::fs::symlink(dir.path(), root.join("campaign")).unwrap();
        assert_eq!(
            link_below(&root, &root.join("campaign/eva/letter.txt")),
            Some(root.join("campaign"))
        );
        assert_eq!(link_below(&root, &root.join("other/eva/letter.txt")), None);
    }
}
