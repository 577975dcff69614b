//! One build per output folder: an exclusive lock on `out/.build.lock` (under `--shard`, one
//! per shard, so that array tasks can share a folder). The operating system releases the
//! lock when its holder exits, however it exits, so a lock left by a killed build is simply
//! free: the next build takes it over and writes its own holder line.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Holds the output folder until dropped.
#[derive(Debug)]
pub struct BuildLock {
    file: File,
    pub path: PathBuf,
}

impl Drop for BuildLock {
    /// A build that ends normally leaves the lock file empty, so that two builds of the same
    /// input leave byte-identical folders; a killed one leaves its line, which the next
    /// build replaces.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another build is writing to {}: {holder}; wait for it to finish, or run again with --wait", .folder.display())]
    Held { folder: PathBuf, holder: String },
    #[error("cannot lock the output folder {}: {cause}", .folder.display())]
    Io {
        folder: PathBuf,
        cause: std::io::Error,
    },
}

/// The lock file of a build (of one shard of it).
pub fn lock_name(shard: Option<super::Shard>) -> String {
    match shard {
        Some(s) => format!(".build.shard-{}-of-{}.lock", s.index, s.count),
        None => ".build.lock".to_string(),
    }
}

/// Takes the lock of `out` (creating the folder), or says who holds it; with `wait`, waits
/// for the holder to finish instead.
pub fn acquire(out: &Path, name: &str, wait: bool) -> Result<BuildLock, LockError> {
    let io = |cause| LockError::Io {
        folder: out.to_path_buf(),
        cause,
    };
    std::fs::create_dir_all(out).map_err(io)?;
    let path = out.join(name);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) if wait => {
            eprintln!("waiting for {}", holder_of(&mut file));
            file.lock().map_err(io)?;
        }
        Err(TryLockError::WouldBlock) => {
            return Err(LockError::Held {
                folder: out.to_path_buf(),
                holder: holder_of(&mut file),
            })
        }
        Err(TryLockError::Error(cause)) => return Err(io(cause)),
    }
    let line = format!(
        "build by pid {} on {}, started {}\n",
        std::process::id(),
        host(),
        crate::input::census::utc_now()
    );
    file.set_len(0)
        .and_then(|_| file.rewind())
        .and_then(|_| file.write_all(line.as_bytes()))
        .map_err(io)?;
    Ok(BuildLock { file, path })
}

fn holder_of(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    match text.trim() {
        "" => "a build that has not said who it is".to_string(),
        line => line.to_string(),
    }
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unnamed host".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_and_a_released_one_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), ".build.lock", false).unwrap();
        let err = acquire(dir.path(), ".build.lock", false).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())) && text.contains("--wait"),
            "{text}"
        );
        drop(first);
        // A lock file left behind with a dead holder's line is free to take.
        std::fs::write(dir.path().join(".build.lock"), "build by pid 999999 on x\n").unwrap();
        let again = acquire(dir.path(), ".build.lock", false).unwrap();
        let line = std::fs::read_to_string(&again.path).unwrap();
        assert!(
            line.contains(&format!("pid {}", std::process::id())),
            "{line}"
        );
    }
}
