//! The Redis store: standalone Redis over TCP or a Unix socket, and Redis Cluster.

use std::fmt;
use std::future::Future;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, ErrorKind, IntoConnectionInfo, RedisError, RedisFuture, Script, Value};

use crate::error::redact_url;
use crate::key::check_id;
use crate::{check_ttl, CasOutcome, Error, Key, Result, Store, Table, Versioned, Window};

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one command may wait for its answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// The shortest and longest wait before a Cluster request is retried, in milliseconds.
#[cfg(feature = "cluster")]
const CLUSTER_RETRY_WAIT: (u64, u64) = (50, 400);
/// The least time between two forced reconnections.
const RESET_INTERVAL: Duration = Duration::from_secs(1);

/// Compare-and-swap on a versioned record, a hash `{v = version, d = data}`.
///
/// KEYS[1]: the record. ARGV[1]: the expected version, or "" for "must be absent". ARGV[2]:
/// "set" or "del". ARGV[3]: the new data. ARGV[4]: the time-to-live in milliseconds.
/// Returns {0} or {0, version, data} on a conflict, {1, new version} on success.
///
/// A new version is max(old + 1, server clock in microseconds), so a record deleted and created
/// again starts above every version it had, and a stale reader cannot swap it (no ABA).
const CAS_LUA: &str = r"
local cur = redis.call('HMGET', KEYS[1], 'v', 'd')
local v, d = cur[1], cur[2]
if ARGV[1] == '' then
  if v then return {0, v, d} end
elseif v ~= ARGV[1] then
  if v then return {0, v, d} end
  return {0}
end
if ARGV[2] == 'del' then
  redis.call('DEL', KEYS[1])
  return {1, '0'}
end
local t = redis.call('TIME')
local nv = tonumber(t[1]) * 1000000 + tonumber(t[2])
if v then
  local after = tonumber(v) + 1
  if after > nv then nv = after end
end
local s = string.format('%d', nv)
redis.call('HSET', KEYS[1], 'v', s, 'd', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, s}
";

/// A fixed-window counter. KEYS[1]: the counter. ARGV[1]: the window in milliseconds.
/// Returns {count, milliseconds left}. A counter found without expiry (written by someone else)
/// gets the window too, so no counter lives forever.
const INCR_LUA: &str = r"
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
";

static CAS_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(CAS_LUA));
static INCR_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(INCR_LUA));

/// A [`Store`] on Redis 6.2 or newer (for `GETDEL`), shared by any number of server replicas.
///
/// URLs:
///
/// - `redis://[user:password@]host[:port][/db]` over TCP;
/// - `redis+unix:///path/to/redis.sock[?db=N&user=U&pass=P]` (or `unix:///…`) over a Unix socket;
/// - `rediss://…` (TLS) is refused with [`Error::InvalidUrl`] unless the redis crate is built with
///   TLS support;
/// - `redis+cluster://[user:password@]host:port[,host:port…]` (with the `cluster` feature): a
///   Redis Cluster reached through any of the listed nodes; the credentials apply to every node.
///   Each Lua script touches one key, and [`Key`] puts the hash tag on the id, so records spread
///   over all slots.
///
/// One multiplexed connection is shared by all calls. Connecting is lazy: [`RedisStore::connect`]
/// only checks the URL, so a server starts while Redis is down. While Redis is unreachable every
/// operation fails promptly (connection attempts time out after 1 s, answers after 2 s) with
/// [`Error::Unavailable`]; when it is back, the next calls reconnect by themselves.
pub struct RedisStore {
    /// The URL with the password masked, for `Debug` and logs.
    target: String,
    backend: Backend,
}

enum Backend {
    Single(Single),
    #[cfg(feature = "cluster")]
    Cluster(Box<Cluster>),
}

/// A lazily created connection and the generation that tells replaced ones apart.
struct Slot<C> {
    current: Option<(u64, C)>,
    created: u64,
    last_drop: Option<std::time::Instant>,
}

impl<C> Default for Slot<C> {
    fn default() -> Self {
        Self {
            current: None,
            created: 0,
            last_drop: None,
        }
    }
}

impl<C> Slot<C> {
    fn install(&mut self, conn: C) -> u64 {
        self.created += 1;
        self.current = Some((self.created, conn));
        self.created
    }

    /// Drops connection `generation` if it is still the current one, at most once per
    /// [`RESET_INTERVAL`]: an error that repeats on every command (out of memory, say) must not
    /// turn into a new connection per command.
    fn drop_if(&mut self, generation: u64) -> bool {
        let current = self.current.as_ref().is_some_and(|(g, _)| *g == generation);
        let due = self
            .last_drop
            .is_none_or(|at| at.elapsed() >= RESET_INTERVAL);
        if current && due {
            self.current = None;
            self.last_drop = Some(std::time::Instant::now());
        }
        current && due
    }
}

struct Single {
    client: redis::Client,
    slot: Mutex<Slot<ConnectionManager>>,
}

#[cfg(feature = "cluster")]
struct Cluster {
    client: redis::cluster::ClusterClient,
    /// A Tokio mutex: creating a cluster connection awaits the nodes, and one attempt at a time
    /// is what we want.
    slot: tokio::sync::Mutex<Slot<redis::cluster_async::ClusterConnection>>,
}

/// A connection of either backend, cheap to clone.
enum Conn {
    Single(ConnectionManager),
    #[cfg(feature = "cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(conn) => conn.req_packed_command(cmd),
            #[cfg(feature = "cluster")]
            Conn::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            #[cfg(feature = "cluster")]
            Conn::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(conn) => conn.get_db(),
            #[cfg(feature = "cluster")]
            Conn::Cluster(conn) => conn.get_db(),
        }
    }
}

fn manager_config() -> ConnectionManagerConfig {
    // Few, short retries: a caller waiting on a dead Redis should get its 503 quickly; the next
    // call starts a new attempt anyway.
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT))
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(20))
        .set_max_delay(Duration::from_millis(200))
}

impl RedisStore {
    /// Prepares a store for `url` (see the type's documentation for the accepted URLs) without
    /// connecting: the first operation connects.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the URL is malformed, its scheme is unknown, or it needs a
    /// feature this build lacks (TLS, `cluster`).
    pub fn connect(url: &str) -> Result<Self> {
        let target = redact_url(url);
        let invalid = |reason: String| Error::InvalidUrl {
            url: target.clone(),
            reason,
        };
        let Some((scheme, _)) = url.split_once("://") else {
            return Err(invalid("expected <scheme>://…".to_owned()));
        };
        let backend = match scheme {
            "redis" | "rediss" | "redis+unix" | "unix" => {
                let client = single_client(url).map_err(|e| {
                    if scheme == "rediss" {
                        invalid(format!(
                            "{e}; rediss:// needs the redis crate's TLS support, which this build lacks"
                        ))
                    } else {
                        invalid(e.to_string())
                    }
                })?;
                Backend::Single(Single {
                    client,
                    slot: Mutex::default(),
                })
            }
            "redis+cluster" | "rediss+cluster" => cluster_backend(url, scheme).map_err(invalid)?,
            _ => {
                return Err(invalid(format!(
                    "unsupported scheme {scheme:?}: use memory://, redis://, redis+unix://, \
                     unix:// or redis+cluster://"
                )))
            }
        };
        Ok(Self { target, backend })
    }

    /// The current connection and its generation, created if there is none.
    // Only the cluster backend awaits here.
    #[cfg_attr(not(feature = "cluster"), allow(clippy::unused_async))]
    async fn conn(&self) -> Result<(u64, Conn)> {
        match &self.backend {
            Backend::Single(single) => {
                let mut slot = single.slot.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some((generation, manager)) = &slot.current {
                    return Ok((*generation, Conn::Single(manager.clone())));
                }
                // Lazy: this returns at once; the connection is made by the first command.
                let manager = ConnectionManager::new_lazy_with_config(
                    single.client.clone(),
                    manager_config(),
                )
                .map_err(|e| Error::Unavailable(e.to_string()))?;
                let generation = slot.install(manager.clone());
                Ok((generation, Conn::Single(manager)))
            }
            #[cfg(feature = "cluster")]
            Backend::Cluster(cluster) => {
                let mut slot = cluster.slot.lock().await;
                if let Some((generation, conn)) = &slot.current {
                    return Ok((*generation, Conn::Cluster(conn.clone())));
                }
                let conn = cluster.client.get_async_connection().await.map_err(|e| {
                    tracing::debug!(target = %self.target, error = %e, "redis cluster unavailable");
                    Error::Unavailable(e.to_string())
                })?;
                let generation = slot.install(conn.clone());
                Ok((generation, Conn::Cluster(conn)))
            }
        }
    }

    /// Drops connection `generation` so the next call makes a new one.
    // Only the cluster backend awaits here.
    #[cfg_attr(not(feature = "cluster"), allow(clippy::unused_async))]
    async fn reset(&self, generation: u64) {
        let dropped = match &self.backend {
            Backend::Single(single) => single
                .slot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .drop_if(generation),
            #[cfg(feature = "cluster")]
            Backend::Cluster(cluster) => cluster.slot.lock().await.drop_if(generation),
        };
        if dropped {
            tracing::warn!(target = %self.target, "redis connection dropped, reconnecting on next use");
        }
    }

    /// Turns a Redis answer into ours, and drops the connection when it may be stuck.
    async fn finish(&self, generation: u64, result: redis::RedisResult<Value>) -> Result<Value> {
        let err = match result {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if is_corrupt(&err) {
            return Err(Error::Corrupt(err.to_string()));
        }
        // The connection manager reconnects by itself after I/O errors. Anything else may come
        // from a failed handshake (LOADING, NOAUTH, a wrong password), which would leave it
        // holding the failed connection for good, and a timeout can mean a half-open TCP
        // connection: start afresh (at most once a second).
        if !err.is_io_error() || err.is_timeout() {
            self.reset(generation).await;
        }
        tracing::debug!(target = %self.target, error = %err, "redis unavailable");
        Err(Error::Unavailable(err.to_string()))
    }

    /// Runs `request` on the current connection.
    async fn run<F, Fut>(&self, request: F) -> Result<Value>
    where
        F: Fn(Conn) -> Fut,
        Fut: Future<Output = redis::RedisResult<Value>>,
    {
        let (generation, conn) = self.conn().await?;
        let result = match request(conn).await {
            // A refused connection attempt means the request never left: after the manager's
            // failed attempt (Redis was down), try once more on the new connection it is making,
            // so the first request after Redis is back does not fail needlessly.
            Err(err) if err.is_connection_refusal() => {
                let (generation, conn) = self.conn().await?;
                return self.finish(generation, request(conn).await).await;
            }
            result => result,
        };
        self.finish(generation, result).await
    }

    async fn command(&self, cmd: &Cmd) -> Result<Value> {
        self.run(|mut conn| async move { cmd.query_async::<Value>(&mut conn).await })
            .await
    }

    async fn script(&self, invocation: &redis::ScriptInvocation<'_>) -> Result<Value> {
        self.run(|mut conn| async move { invocation.invoke_async::<Value>(&mut conn).await })
            .await
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// A client for one Redis server. RESP3 unless the URL asks otherwise: over RESP3 the connection
/// manager hears of a lost connection as it happens and reconnects before the next request,
/// instead of failing that request first.
fn single_client(url: &str) -> redis::RedisResult<redis::Client> {
    let info = url.into_connection_info()?;
    let asks_protocol = url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("protocol=")));
    let info = if asks_protocol {
        info
    } else {
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        info.set_redis_settings(settings)
    };
    redis::Client::open(info)
}

#[cfg(feature = "cluster")]
fn cluster_backend(url: &str, scheme: &str) -> Result<Backend, String> {
    let nodes = cluster_nodes(url, scheme)?;
    // A request that meets a node gone down is retried twice, soon: the client's default
    // waits at least 1.28 s before a retry, which kept callers waiting (or failing) for more
    // than a second after a replica had taken over.
    let client = redis::cluster::ClusterClient::builder(nodes)
        .connection_timeout(CONNECT_TIMEOUT)
        .response_timeout(RESPONSE_TIMEOUT)
        .retries(2)
        .min_retry_wait(CLUSTER_RETRY_WAIT.0)
        .max_retry_wait(CLUSTER_RETRY_WAIT.1)
        .retry_wait_formula(CLUSTER_RETRY_WAIT.0 * 2, 2)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Backend::Cluster(Box::new(Cluster {
        client,
        slot: tokio::sync::Mutex::default(),
    })))
}

#[cfg(not(feature = "cluster"))]
fn cluster_backend(url: &str, scheme: &str) -> Result<Backend, String> {
    // Still check the syntax, so a typo is not reported as a missing feature.
    cluster_nodes(url, scheme)?;
    Err(
        "Redis Cluster support is not compiled in (feature `cluster` of watchword-store)"
            .to_owned(),
    )
}

/// Splits `redis+cluster://[user:pass@]a:1,b:2[/…]` into `redis://[user:pass@]a:1[/…]`, ….
fn cluster_nodes(url: &str, scheme: &str) -> Result<Vec<String>, String> {
    let base = if scheme == "rediss+cluster" {
        "rediss"
    } else {
        "redis"
    };
    let rest = &url[scheme.len() + "://".len()..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => (format!("{userinfo}@"), hosts),
        None => (String::new(), authority),
    };
    let nodes: Vec<String> = hosts
        .split(',')
        .map(|host| format!("{base}://{userinfo}{host}{tail}"))
        .collect();
    if hosts.split(',').any(str::is_empty) {
        return Err("expected a comma-separated list of host:port".to_owned());
    }
    for node in &nodes {
        redis::parse_redis_url(node)
            .ok_or_else(|| "a cluster node is not a valid URL".to_owned())?;
    }
    Ok(nodes)
}

fn is_corrupt(err: &RedisError) -> bool {
    if err.kind() == ErrorKind::UnexpectedReturnType {
        return true;
    }
    // Inside a script the server reports these as script errors, so go by the text.
    let text = err.to_string();
    text.contains("WRONGTYPE") || text.contains("not an integer")
}

fn corrupt(key: &str, what: &str, value: &Value) -> Error {
    Error::Corrupt(format!("{key}: expected {what}, got {}", describe(value)))
}

/// A short description of an answer that never shows the stored bytes.
fn describe(value: &Value) -> String {
    match value {
        Value::Nil => "nil".to_owned(),
        Value::Int(n) => format!("integer {n}"),
        Value::BulkString(bytes) => format!("{} bytes", bytes.len()),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::SimpleString(s) => format!("status {s:?}"),
        Value::Okay => "OK".to_owned(),
        other => format!("{:?}", std::mem::discriminant(other)),
    }
}

fn optional_bytes(key: &str, value: Value) -> Result<Option<Vec<u8>>> {
    match value {
        Value::Nil => Ok(None),
        Value::BulkString(bytes) => Ok(Some(bytes)),
        other => Err(corrupt(key, "bytes or nil", &other)),
    }
}

fn integer(key: &str, value: &Value) -> Result<i64> {
    match value {
        Value::Int(n) => Ok(*n),
        other => Err(corrupt(key, "an integer", other)),
    }
}

fn version(key: &str, value: &Value) -> Result<u64> {
    match value {
        Value::BulkString(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| Error::Corrupt(format!("{key}: version is not a number"))),
        other => Err(corrupt(key, "a version", other)),
    }
}

/// Reads `[v, d]` of a versioned record; both nil is "absent".
fn versioned(key: &str, v: Value, d: Value) -> Result<Option<Versioned>> {
    match (v, d) {
        (Value::Nil, Value::Nil) => Ok(None),
        (v, Value::BulkString(value)) => Ok(Some(Versioned {
            version: version(key, &v)?,
            value,
        })),
        (_, other) => Err(corrupt(key, "a versioned record's data", &other)),
    }
}

fn is_ok(value: &Value) -> bool {
    matches!(value, Value::Okay) || matches!(value, Value::SimpleString(s) if s == "OK")
}

fn millis(ttl: Duration) -> Result<u64> {
    let ttl = check_ttl(ttl)?;
    // Whole milliseconds, rounded up so a positive ttl never becomes 0.
    let ms = ttl.as_nanos().div_ceil(1_000_000);
    u64::try_from(ms).map_err(|_| Error::InvalidTtl(ttl))
}

#[async_trait]
impl Store for RedisStore {
    async fn put_new(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<bool> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key.as_str())
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl)?);
        match self.command(&cmd).await? {
            Value::Nil => Ok(false),
            answer if is_ok(&answer) => Ok(true),
            other => Err(corrupt(key.as_str(), "OK or nil", &other)),
        }
    }

    async fn put(&self, key: &Key, value: &[u8], ttl: Duration) -> Result<()> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key.as_str()).arg(value).arg("PX").arg(millis(ttl)?);
        match self.command(&cmd).await? {
            answer if is_ok(&answer) => Ok(()),
            other => Err(corrupt(key.as_str(), "OK", &other)),
        }
    }

    async fn get(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        let answer = self.command(redis::cmd("GET").arg(key.as_str())).await?;
        optional_bytes(key.as_str(), answer)
    }

    async fn take(&self, key: &Key) -> Result<Option<Vec<u8>>> {
        let answer = self.command(redis::cmd("GETDEL").arg(key.as_str())).await?;
        optional_bytes(key.as_str(), answer)
    }

    async fn get_versioned(&self, key: &Key) -> Result<Option<Versioned>> {
        let answer = self
            .command(redis::cmd("HMGET").arg(key.as_str()).arg("v").arg("d"))
            .await?;
        let Value::Array(items) = answer else {
            return Err(corrupt(key.as_str(), "two fields", &answer));
        };
        match <[Value; 2]>::try_from(items) {
            Ok([v, d]) => versioned(key.as_str(), v, d),
            Err(items) => Err(corrupt(key.as_str(), "two fields", &Value::Array(items))),
        }
    }

    async fn compare_and_swap(
        &self,
        key: &Key,
        expected: Option<u64>,
        new: Option<(&[u8], Duration)>,
    ) -> Result<CasOutcome> {
        let mut invocation = CAS_SCRIPT.prepare_invoke();
        invocation
            .key(key.as_str())
            .arg(expected.map(|v| v.to_string()).unwrap_or_default());
        match new {
            Some((value, ttl)) => invocation.arg("set").arg(value).arg(millis(ttl)?),
            None => invocation.arg("del").arg("").arg(0),
        };
        let answer = self.script(&invocation).await?;
        let Value::Array(items) = answer else {
            return Err(corrupt(key.as_str(), "an array", &answer));
        };
        let mut items = items.into_iter();
        let status = items.next().unwrap_or(Value::Nil);
        match (integer(key.as_str(), &status)?, items.next(), items.next()) {
            (1, Some(v), None) => Ok(CasOutcome::Swapped {
                version: version(key.as_str(), &v)?,
            }),
            (0, None, None) => Ok(CasOutcome::Conflict { current: None }),
            (0, Some(v), Some(d)) => match versioned(key.as_str(), v, d)? {
                Some(current) => Ok(CasOutcome::Conflict {
                    current: Some(current),
                }),
                None => Err(Error::Corrupt(format!(
                    "{key}: conflict reported without a record"
                ))),
            },
            _ => Err(Error::Corrupt(format!(
                "{key}: unexpected compare-and-swap answer"
            ))),
        }
    }

    async fn incr_window(&self, key: &Key, window: Duration) -> Result<Window> {
        let mut invocation = INCR_SCRIPT.prepare_invoke();
        invocation.key(key.as_str()).arg(millis(window)?);
        let answer = self.script(&invocation).await?;
        match &answer {
            Value::Array(items) if items.len() == 2 => {
                let count = integer(key.as_str(), &items[0])?;
                let left = integer(key.as_str(), &items[1])?;
                let count = u64::try_from(count)
                    .map_err(|_| Error::Corrupt(format!("{key}: counter is negative")))?;
                let left = u64::try_from(left)
                    .map_err(|_| Error::Corrupt(format!("{key}: counter has no expiry")))?;
                Ok(Window {
                    count,
                    resets_in: Duration::from_millis(left),
                })
            }
            other => Err(corrupt(key.as_str(), "a count and a ttl", other)),
        }
    }

    async fn delete(&self, key: &Key) -> Result<bool> {
        let answer = self.command(redis::cmd("DEL").arg(key.as_str())).await?;
        Ok(integer(key.as_str(), &answer)? > 0)
    }

    async fn config_put(&self, table: &Table, id: &str, value: &[u8]) -> Result<()> {
        check_id(id)?;
        let answer = self
            .command(redis::cmd("HSET").arg(table.as_str()).arg(id).arg(value))
            .await?;
        integer(table.as_str(), &answer).map(drop)
    }

    async fn config_get(&self, table: &Table, id: &str) -> Result<Option<Vec<u8>>> {
        check_id(id)?;
        let answer = self
            .command(redis::cmd("HGET").arg(table.as_str()).arg(id))
            .await?;
        optional_bytes(table.as_str(), answer)
    }

    async fn config_remove(&self, table: &Table, id: &str) -> Result<bool> {
        check_id(id)?;
        let answer = self
            .command(redis::cmd("HDEL").arg(table.as_str()).arg(id))
            .await?;
        Ok(integer(table.as_str(), &answer)? > 0)
    }

    async fn config_list(&self, table: &Table) -> Result<Vec<(String, Vec<u8>)>> {
        let answer = self
            .command(redis::cmd("HGETALL").arg(table.as_str()))
            .await?;
        // RESP2 answers a flat array, RESP3 a map.
        let pairs: Vec<(Value, Value)> = match answer {
            Value::Map(pairs) => pairs,
            Value::Array(items) if items.len() % 2 == 0 => {
                let mut items = items.into_iter();
                std::iter::from_fn(|| Some((items.next()?, items.next()?))).collect()
            }
            other => return Err(corrupt(table.as_str(), "a hash", &other)),
        };
        let mut records = pairs
            .into_iter()
            .map(|(id, value)| match (id, value) {
                (Value::BulkString(id), Value::BulkString(value)) => String::from_utf8(id)
                    .map(|id| (id, value))
                    .map_err(|_| Error::Corrupt(format!("{table}: an id is not UTF-8"))),
                (id, _) => Err(corrupt(table.as_str(), "a record", &id)),
            })
            .collect::<Result<Vec<_>>>()?;
        records.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(records)
    }

    async fn ping(&self) -> Result<()> {
        match self.command(&redis::cmd("PING")).await? {
            Value::SimpleString(pong) if pong == "PONG" => Ok(()),
            other => Err(corrupt("PING", "PONG", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cluster_nodes;

    #[test]
    fn cluster_urls_split_into_nodes() {
        assert_eq!(
            cluster_nodes("redis+cluster://a:7000,b:7001", "redis+cluster").unwrap(),
            ["redis://a:7000", "redis://b:7001"]
        );
        assert_eq!(
            cluster_nodes(
                "rediss+cluster://u:p@a:1,b:2/?protocol=resp3",
                "rediss+cluster"
            )
            .unwrap(),
            [
                "rediss://u:p@a:1/?protocol=resp3",
                "rediss://u:p@b:2/?protocol=resp3"
            ]
        );
        assert!(cluster_nodes("redis+cluster://a:1,,b:2", "redis+cluster").is_err());
        assert!(cluster_nodes("redis+cluster://", "redis+cluster").is_err());
    }
}
