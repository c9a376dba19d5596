//! Redis: its command counts and `redis-benchmark`.

use std::process::Command;

use watchword_store::testing::RedisServer;

use super::count;

/// The arguments that point a Redis tool at `redis`.
pub(crate) fn redis_target(redis: &RedisServer, command: &mut Command) {
    match redis.socket_path() {
        Some(path) => command.arg("-s").arg(path),
        None => command.args([
            "-h",
            "127.0.0.1",
            "-p",
            redis.url().rsplit(':').next().unwrap_or("6379"),
        ]),
    };
}

/// One row of `redis-benchmark`: the test, requests/s, p50 ms, p99 ms.
pub(crate) type RedisRow = (String, f64, f64, f64);

/// `redis-benchmark` of `tests` (`get`, `set,get`, …) against `redis`, `pipeline` requests at
/// a time per client.
pub(crate) fn redis_benchmark(
    redis: &RedisServer,
    tests: &str,
    requests: usize,
    clients: usize,
    pipeline: usize,
) -> Vec<RedisRow> {
    let mut command = Command::new("redis-benchmark");
    redis_target(redis, &mut command);
    command.args([
        "-n",
        &requests.to_string(),
        "-c",
        &clients.to_string(),
        "-P",
        &pipeline.to_string(),
        "-t",
        tests,
        "--csv",
    ]);
    let output = match command.output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            eprintln!(
                "redis-benchmark failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return Vec::new();
        }
        Err(error) => {
            eprintln!("redis-benchmark could not run ({error}); install redis-tools");
            return Vec::new();
        }
    };
    let suffix = if pipeline > 1 {
        format!(" (pipeline {pipeline})")
    } else {
        String::new()
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').map(|f| f.trim_matches('"')).collect();
            let number = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((
                format!("{}{suffix}", fields.first()?),
                number(1)?,
                number(4)?,
                number(6)?,
            ))
        })
        .collect()
}

pub(crate) type Calls = std::collections::BTreeMap<String, u64>;

/// The calls Redis has answered so far, per command (`INFO commandstats`).
pub(crate) fn redis_calls(redis: &RedisServer) -> Option<Calls> {
    let text = redis.command(&["INFO", "commandstats"]).ok()?;
    let calls = text
        .lines()
        .filter_map(|line| {
            let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = stats.split("calls=").nth(1)?.split(',').next()?;
            Some((name.to_owned(), calls.parse::<u64>().ok()?))
        })
        .collect();
    Some(calls)
}

/// The calls Redis answered between two readings; the harness's own `INFO` is left out.
pub(crate) fn spent(before: &Calls, after: &Calls) -> Calls {
    after
        .iter()
        .filter(|(name, _)| name.as_str() != "info")
        .map(|(name, calls)| {
            let spent = calls.saturating_sub(before.get(name).copied().unwrap_or(0));
            (name.clone(), spent)
        })
        .filter(|(_, spent)| *spent > 0)
        .collect()
}

/// Adds `more` calls to `total`.
pub(crate) fn add_calls(total: &mut Calls, more: &Calls) {
    for (name, calls) in more {
        *total.entry(name.clone()).or_default() += calls;
    }
}

/// The commands per flow of `spent` calls over `flows` flows, per command and in all.
pub(crate) fn per_flow(spent: &Calls, flows: usize) -> (f64, Vec<(String, f64)>) {
    let flows = count(flows.max(1));
    let each: Vec<(String, f64)> = spent
        .iter()
        .map(|(name, calls)| (name.clone(), count(*calls) / flows))
        .collect();
    (each.iter().map(|(_, per)| per).sum(), each)
}

/// The round trips a flow's commands took, and what they were. The store runs two Lua scripts
/// (`crates/store/src/redis_store.rs`): a rate-limit counter (`INCR`, `PTTL`, and `PEXPIRE` on a
/// new counter) and a compare-and-swap (`HMGET`, then `DEL`, or `TIME`, `HSET` and `PEXPIRE`).
/// Redis counts the commands a script runs beside its `EVALSHA`; every other command is a
/// round trip of its own.
pub(crate) fn round_trips(commands: &[(String, f64)]) -> (f64, String) {
    let of = |name: &str| {
        commands
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, per)| *per)
    };
    let limits = of("incr");
    let swaps = of("evalsha") - limits;
    let writes = of("time");
    let swap_deletes = swaps - writes;
    let script_inner = ["incr", "pttl", "pexpire", "time"];
    let direct = |name: &str| match name {
        "hmget" => of(name) - swaps,
        "hset" => of(name) - writes,
        "del" => of(name) - swap_deletes,
        _ => of(name),
    };
    let mut parts = vec![
        format!("{limits:.1} rate-limit counters"),
        format!("{writes:.1} compare-and-swap writes"),
        format!("{swap_deletes:.1} compare-and-swap deletes"),
    ];
    let mut total = of("evalsha");
    for (name, _) in commands {
        if name == "evalsha" || script_inner.contains(&name.as_str()) {
            continue;
        }
        let n = direct(name);
        if n > 0.005 {
            parts.push(format!("{n:.1} {}", name.to_uppercase()));
            total += n;
        }
    }
    (total, parts.join(", "))
}

/// `redis-benchmark` GET/s over `requests` requests, one at a time per client (0 if it could
/// not run).
pub(crate) fn redis_get_rate(redis: &RedisServer, requests: usize, clients: usize) -> f64 {
    redis_benchmark(redis, "get", requests, clients, 1)
        .first()
        .map_or(0.0, |row| row.1)
}
