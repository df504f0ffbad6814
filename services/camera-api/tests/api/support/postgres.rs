//! A PostgreSQL server of a test's own, for tests that stop the database.
//! The shared server (`DATABASE_URL`) hosts every other test's database, so
//! it is never stopped; this one is a real server too (Debian's binaries, a
//! fresh cluster in a temp dir, a free port) that the test can stop and start
//! again on the same port and data. Dropping it stops it and deletes it.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use url::Url;

use super::free_port;

pub struct PgServer {
    bin: PathBuf,
    /// Holds the cluster (`data/`) and the server's log; owned by `user`.
    dir: PathBuf,
    port: u16,
    /// Whom the server runs as: PostgreSQL refuses to run as root, so a root
    /// test runs it as the `postgres` account (uid, gid).
    user: Option<(u32, u32)>,
    process: Option<Child>,
}

impl PgServer {
    /// A new cluster, started and accepting connections.
    pub async fn start() -> PgServer {
        let bin = bin_dir();
        let dir = std::env::temp_dir().join(format!("camplane-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let user = unprivileged_user();
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
        }
        let mut server = PgServer {
            bin,
            dir,
            port: 0,
            user,
            process: None,
        };
        let initdb = server
            .command("initdb")
            .args(["--pgdata=data", "--username=postgres", "--auth=trust"])
            .args([
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ])
            .output()
            .expect("running initdb");
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        // A free port can be taken by someone else before the server binds
        // it; then another one is tried.
        for _ in 0..3 {
            server.port = free_port();
            if server.launch().await {
                return server;
            }
        }
        panic!("PostgreSQL did not start:\n{}", server.log());
    }

    /// The server's `postgres` database; tests create their own beside it.
    pub fn url(&self) -> Url {
        Url::parse(&format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.port
        ))
        .unwrap()
    }

    /// Stops the server the way `pg_ctl stop` does (a "fast" shutdown:
    /// open transactions are rolled back, sessions are ended) and waits
    /// until it is gone. SIGTERM ("smart") would wait for every client to
    /// hang up, and a connection pool never does.
    pub async fn stop(&mut self) {
        let mut process = self.process.take().expect("the server is running");
        signal(&process, libc::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(30);
        while process.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "PostgreSQL did not stop");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts the stopped server again: same port, same data.
    pub async fn start_again(&mut self) {
        assert!(
            self.launch().await,
            "PostgreSQL did not start again:\n{}",
            self.log()
        );
    }

    /// Starts `postgres` on `self.port`; false if it exits before accepting
    /// connections (e.g. the port was taken).
    async fn launch(&mut self) -> bool {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .unwrap();
        let port = self.port.to_string();
        let url = self.url();
        let process = self
            .command("postgres")
            .args(["-D", "data", "-p", &port])
            .args(["-c", "listen_addresses=127.0.0.1"])
            // TCP only: no socket file to clash with the machine's server.
            .args(["-c", "unix_socket_directories="])
            // Small and quick: a throwaway cluster needs no durability
            // against power loss, and several may run at once.
            .args(["-c", "fsync=off", "-c", "shared_buffers=16MB"])
            .args(["-c", "max_connections=100"])
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("starting postgres");
        // Owned from here on, so Drop stops it whatever happens next.
        let process = self.process.insert(process);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if process.try_wait().unwrap().is_some() {
                self.process = None;
                return false;
            }
            if let Ok(connection) = PgConnection::connect(url.as_str()).await {
                let _ = connection.close().await;
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.current_dir(&self.dir).stdin(Stdio::null());
        if let Some((uid, gid)) = self.user {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            // Fast shutdown; if that hangs, immediate (SIGQUIT), which also
            // ends the server's children, unlike SIGKILL on the postmaster.
            for sig in [libc::SIGINT, libc::SIGQUIT] {
                signal(&process, sig);
                let deadline = Instant::now() + Duration::from_secs(10);
                while Instant::now() < deadline {
                    if process.try_wait().unwrap().is_some() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            let _ = process.kill();
            let _ = process.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn signal(process: &Child, sig: libc::c_int) {
    let pid = libc::pid_t::try_from(process.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid, which is not reaped yet.
    unsafe { libc::kill(pid, sig) };
}

/// Where `initdb` and `postgres` are: `PG_BINDIR`, else the newest of
/// Debian's `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BINDIR") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (Debian package \
             `postgresql`); set PG_BINDIR to the directory holding initdb and postgres"
        )
    })
}

/// `None` when the test may run the server itself; as root, the `postgres`
/// account's (uid, gid).
fn unprivileged_user() -> Option<(u32, u32)> {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        return None;
    }
    // SAFETY: the name is NUL-terminated; the record is copied out at once,
    // before another getpw* call could overwrite it.
    let account = unsafe { libc::getpwnam(c"postgres".as_ptr()).as_ref() };
    let account = account.expect(
        "PostgreSQL won't run as root, and there is no `postgres` account to run it as \
         (the Debian package creates one)",
    );
    Some((account.pw_uid, account.pw_gid))
}
