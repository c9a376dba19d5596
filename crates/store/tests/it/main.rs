//! Integration tests of watchword-store: one behavioural suite (`suite`) run against
//! `MemoryStore` (`memory`) and `RedisStore` on a private redis-server (`redis`), plus what only
//! one backend can show; with the `cluster` feature, also on a Redis Cluster (`cluster`).

#[macro_use]
mod suite;

#[cfg(feature = "cluster")]
mod cluster;
mod keys;
mod memory;
mod redis;
