//! A private `redis-server` for tests (feature `test-redis`).
//!
//! ```no_run
//! # use watchword_store::{testing::RedisServer, RedisStore};
//! let mut redis = RedisServer::start()?;          // a fresh server on a Unix socket
//! let store = RedisStore::connect(&redis.url()).expect("url");
//! redis.kill()?;                                  // simulate an outage
//! redis.restart()?;                               // same socket, empty data
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The server keeps nothing on disk (`--save "" --appendonly no`), writes its log to
//! `redis.log` in its temporary directory, and is killed when the value is dropped. The binary is
//! `$WATCHWORD_REDIS_SERVER`, or `redis-server` from `PATH` (Debian package `redis-server`).
//! Starting and stopping block the calling thread, for at most a few seconds.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The environment variable naming the `redis-server` binary to run.
pub const REDIS_SERVER_ENV: &str = "WATCHWORD_REDIS_SERVER";

/// How long a starting server may take to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// A `redis-server` child process listening on a private Unix socket or loopback port.
#[derive(Debug)]
pub struct RedisServer {
    dir: TempDir,
    listen: Listen,
    /// Arguments added to the command line (cluster mode).
    extra_args: Vec<String>,
    child: Option<Child>,
}

#[derive(Debug)]
enum Listen {
    Unix(PathBuf),
    Tcp(u16),
}

impl RedisServer {
    /// Starts a server on a Unix socket in a fresh temporary directory, and waits until it
    /// answers `PING`.
    ///
    /// # Errors
    ///
    /// When `redis-server` cannot be found or run, or does not answer within 5 seconds; the
    /// message says what to install or includes the end of the server's log.
    pub fn start() -> io::Result<Self> {
        let mut server = Self::stopped()?;
        server.restart()?;
        Ok(server)
    }

    /// Starts a server on a free port of 127.0.0.1, for tools that need TCP.
    ///
    /// # Errors
    ///
    /// As [`RedisServer::start`].
    pub fn start_tcp() -> io::Result<Self> {
        Self::start_tcp_with(Vec::new())
    }

    fn start_tcp_with(extra_args: Vec<String>) -> io::Result<Self> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let mut server = Self {
            dir: temp_dir()?,
            listen: Listen::Tcp(port),
            extra_args,
            child: None,
        };
        server.restart()?;
        Ok(server)
    }

    /// Prepares a server on a Unix socket without starting it, so a test can connect a store
    /// before Redis is up; [`RedisServer::restart`] starts it.
    ///
    /// # Errors
    ///
    /// When the temporary directory cannot be created.
    pub fn stopped() -> io::Result<Self> {
        let dir = temp_dir()?;
        let socket = dir.path().join("redis.sock");
        Ok(Self {
            dir,
            listen: Listen::Unix(socket),
            extra_args: Vec::new(),
            child: None,
        })
    }

    /// The URL to give [`RedisStore::connect`](crate::RedisStore::connect) or
    /// [`open`](crate::open): `redis+unix:///…/redis.sock` or `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        match &self.listen {
            Listen::Unix(path) => format!("redis+unix://{}", path.display()),
            Listen::Tcp(port) => format!("redis://127.0.0.1:{port}"),
        }
    }

    /// The server's Unix socket, if it listens on one.
    pub fn socket_path(&self) -> Option<&Path> {
        match &self.listen {
            Listen::Unix(path) => Some(path),
            Listen::Tcp(_) => None,
        }
    }

    /// The server's TCP port, if it listens on one.
    pub fn port(&self) -> Option<u16> {
        match &self.listen {
            Listen::Unix(_) => None,
            Listen::Tcp(port) => Some(*port),
        }
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// Whether the server process is running (as far as this handle knows).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the server with SIGKILL, as a crash would, and waits for it to exit. Its data is
    /// lost. Does nothing when it is not running.
    ///
    /// # Errors
    ///
    /// When the process cannot be signalled or waited for.
    pub fn kill(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            match child.kill() {
                Ok(()) => {}
                // Already exited: reaping it below is all that is left.
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => {}
                Err(e) => return Err(e),
            }
            child.wait()?;
        }
        Ok(())
    }

    /// Starts the server again at the same address (killing it first if it runs), with empty
    /// data, and waits until it answers `PING`.
    ///
    /// # Errors
    ///
    /// As [`RedisServer::start`].
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill()?;
        let child = self.spawn()?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn spawn(&self) -> io::Result<Child> {
        let binary = std::env::var_os(REDIS_SERVER_ENV)
            .filter(|path| !path.is_empty())
            .unwrap_or_else(|| OsString::from("redis-server"));
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let mut command = Command::new(&binary);
        command
            .arg("--save")
            .arg("")
            .arg("--appendonly")
            .arg("no")
            .arg("--daemonize")
            .arg("no")
            .arg("--loglevel")
            .arg("warning")
            .arg("--dir")
            .arg(self.dir.path());
        match &self.listen {
            Listen::Unix(path) => {
                command
                    .arg("--port")
                    .arg("0")
                    .arg("--unixsocket")
                    .arg(path)
                    .arg("--unixsocketperm")
                    .arg("700");
            }
            Listen::Tcp(port) => {
                command
                    .arg("--port")
                    .arg(port.to_string())
                    .arg("--bind")
                    .arg("127.0.0.1");
            }
        }
        command
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| {
                if e.kind() == io::ErrorKind::NotFound {
                    io::Error::new(
                        e.kind(),
                        format!(
                            "cannot run {}: not found; install the Debian package `redis-server` \
                             (apt-get install redis-server) or set {REDIS_SERVER_ENV} to its path",
                            binary.to_string_lossy()
                        ),
                    )
                } else {
                    io::Error::new(
                        e.kind(),
                        format!("cannot run {}: {e}", binary.to_string_lossy()),
                    )
                }
            })
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    return Err(io::Error::other(format!(
                        "redis-server exited with {status}; its log ends with:\n{}",
                        self.log_tail()
                    )));
                }
            }
            if self.answers_ping() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let _ = self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "redis-server did not answer PING within {READY_TIMEOUT:?}; its log ends with:\n{}",
                        self.log_tail()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Sends one command and returns its answer: a status line, an integer or a bulk string. For setting
    /// servers up in tests, not a client.
    ///
    /// # Errors
    ///
    /// When the server cannot be reached, answers with an error, or answers another shape.
    pub fn command(&self, args: &[&str]) -> io::Result<String> {
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            let _ = write!(request, "${}\r\n{arg}\r\n", arg.len());
        }
        let timeout = Some(Duration::from_millis(500));
        match &self.listen {
            Listen::Unix(path) => {
                let stream = UnixStream::connect(path)?;
                stream.set_read_timeout(timeout)?;
                exchange(stream, &request)
            }
            Listen::Tcp(port) => {
                let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, *port))?;
                stream.set_read_timeout(timeout)?;
                exchange(stream, &request)
            }
        }
    }

    fn answers_ping(&self) -> bool {
        self.command(&["PING"]).is_ok_and(|answer| answer == "PONG")
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(self.log_path()) {
            let _ = file.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Writes `request` and reads a one-line status or integer, or a bulk string.
fn exchange(mut stream: impl Read + Write, request: &str) -> io::Result<String> {
    stream.write_all(request.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let line = line.trim_end();
    let unexpected = || io::Error::other(format!("unexpected answer {line:?}"));
    match line.split_at_checked(1) {
        Some(("+" | ":", status)) => Ok(status.to_owned()),
        Some(("-", error)) => Err(io::Error::other(error.to_owned())),
        Some(("$", len)) => {
            let len: usize = len.parse().map_err(|_| unexpected())?;
            let mut body = vec![0; len + 2];
            reader.read_exact(&mut body)?;
            body.truncate(len);
            String::from_utf8(body).map_err(|_| unexpected())
        }
        _ => Err(unexpected()),
    }
}

/// A Redis Cluster of three masters on loopback ports, each holding a third of the slots.
///
/// ```no_run
/// # use watchword_store::testing::RedisCluster;
/// let cluster = RedisCluster::start()?;
/// let url = cluster.url(); // redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// The nodes keep their cluster configuration (`nodes.conf`) across [`RedisCluster::restart`]
/// but no data.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three cluster-mode servers, splits the 16384 slots between them, joins them and
    /// waits (at most 10 s) until every node reports the cluster healthy.
    ///
    /// # Errors
    ///
    /// As [`RedisServer::start`], or when the cluster does not form in time.
    pub fn start() -> io::Result<Self> {
        let nodes = (0..3)
            .map(|_| Self::node())
            .collect::<io::Result<Vec<_>>>()?;
        for (node, (first, last)) in nodes.iter().zip([(0, 5460), (5461, 10922), (10923, 16383)]) {
            node.command(&[
                "CLUSTER",
                "ADDSLOTSRANGE",
                &first.to_string(),
                &last.to_string(),
            ])?;
        }
        for node in &nodes[1..] {
            let port = node.port().unwrap_or_default().to_string();
            nodes[0].command(&["CLUSTER", "MEET", "127.0.0.1", &port])?;
        }
        let cluster = Self { nodes };
        cluster.wait_healthy()?;
        Ok(cluster)
    }

    /// Starts the three masters of [`RedisCluster::start`] and a replica of each, and waits
    /// until every replica is in sync: a cluster that survives the loss of a master, whose
    /// replica the others promote (a node is deemed down after 2 s).
    ///
    /// # Errors
    ///
    /// As [`RedisCluster::start`], or when a replica does not sync in time.
    pub fn start_replicated() -> io::Result<Self> {
        let mut cluster = Self::start()?;
        let masters = cluster
            .nodes
            .iter()
            .map(|node| node.command(&["CLUSTER", "MYID"]))
            .collect::<io::Result<Vec<_>>>()?;
        for master in masters {
            let replica = Self::node()?;
            let port = replica.port().unwrap_or_default().to_string();
            cluster.nodes[0].command(&["CLUSTER", "MEET", "127.0.0.1", &port])?;
            // A replica can follow only a master it has heard of.
            wait_until("the new node learns of its master", || {
                replica
                    .command(&["CLUSTER", "NODES"])
                    .is_ok_and(|nodes| nodes.contains(&master))
            })?;
            replica.command(&["CLUSTER", "REPLICATE", &master])?;
            cluster.nodes.push(replica);
        }
        cluster.wait_healthy()?;
        for replica in &cluster.nodes[3..] {
            wait_until("a replica syncs with its master", || {
                replica
                    .command(&["INFO", "replication"])
                    .is_ok_and(|info| info.contains("master_link_status:up"))
            })?;
        }
        Ok(cluster)
    }

    /// A cluster-mode server on a loopback port of its own.
    fn node() -> io::Result<RedisServer> {
        RedisServer::start_tcp_with(
            [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
            ]
            .map(str::to_owned)
            .to_vec(),
        )
    }

    /// `redis+cluster://127.0.0.1:<port>,…` listing every node.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .filter_map(RedisServer::port)
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// The nodes, to kill or query one.
    pub fn nodes(&mut self) -> &mut [RedisServer] {
        &mut self.nodes
    }

    /// Kills every node.
    ///
    /// # Errors
    ///
    /// As [`RedisServer::kill`].
    pub fn kill(&mut self) -> io::Result<()> {
        self.nodes.iter_mut().try_for_each(RedisServer::kill)
    }

    /// Starts every node again on its port, with its cluster configuration and no data, and
    /// waits until the cluster is healthy.
    ///
    /// # Errors
    ///
    /// As [`RedisCluster::start`].
    pub fn restart(&mut self) -> io::Result<()> {
        self.nodes.iter_mut().try_for_each(RedisServer::restart)?;
        self.wait_healthy()
    }

    fn wait_healthy(&self) -> io::Result<()> {
        let known = format!("cluster_known_nodes:{}", self.nodes.len());
        let healthy = |node: &RedisServer| {
            node.command(&["CLUSTER", "INFO"])
                .is_ok_and(|info| info.contains("cluster_state:ok") && info.contains(&known))
        };
        wait_until("the Redis Cluster becomes healthy", || {
            self.nodes.iter().all(healthy)
        })
    }
}

/// Waits (at most 10 s) until `done`; `what` names it in the error.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("waited 10 s for {what}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

fn temp_dir() -> io::Result<TempDir> {
    // Short names: a Unix socket path must fit in 108 bytes.
    tempfile::Builder::new().prefix("ww-redis-").tempdir()
}
