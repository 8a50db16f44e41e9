//! Rate limits: how many forms a client address may post (each makes letters), and how many
//! confirmation messages may go to one email address (so the server cannot be used to flood a
//! mailbox). Token buckets kept in memory: a restart forgets them, which only ever lets more
//! through, never loses a letter.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// A bucket per key: `capacity` tokens, refilled evenly over `period`.
pub struct Buckets<K> {
    capacity: f64,
    period: Duration,
    map: Mutex<HashMap<K, (f64, Instant)>>,
}

/// How many keys a bucket map holds before it forgets the full ones (memory stays bounded).
const KEYS_KEPT: usize = 100_000;

impl<K: Hash + Eq + Clone> Buckets<K> {
    pub fn new(capacity: u32, period: Duration) -> Self {
        Buckets {
            capacity: f64::from(capacity.max(1)),
            period,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key` at `now`; `Err` holds how long until the next one.
    pub fn take(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let Ok(mut map) = self.map.lock() else {
            return Ok(());
        };
        let rate = self.capacity / self.period.as_secs_f64();
        if map.len() >= KEYS_KEPT {
            let (capacity, period) = (self.capacity, self.period.as_secs_f64());
            map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * capacity / period < capacity
            });
        }
        let (tokens, at) = map.entry(key.clone()).or_insert((self.capacity, now));
        let refilled = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(self.capacity);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / rate))
        }
    }
}

/// The client's address: the peer's, or behind a reverse proxy that we trust
/// (`--trust-proxy`), the last address it added to `X-Forwarded-For` (the ones before it are
/// whatever the client claimed).
pub fn client(peer: SocketAddr, headers: &HeaderMap, trust_proxy: bool) -> IpAddr {
    if trust_proxy
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back()
    {
        return ip;
    }
    peer.ip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_its_capacity_through_then_refills_evenly() {
        let buckets = Buckets::new(3, Duration::from_secs(60));
        let t = Instant::now();
        let a = "a".to_string();
        for _ in 0..3 {
            assert!(buckets.take(&a, t).is_ok());
        }
        let wait = buckets.take(&a, t).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(buckets.take(&"b".to_string(), t).is_ok(), "per key");
        assert!(buckets.take(&a, t + Duration::from_secs(21)).is_ok());
        assert!(buckets.take(&a, t + Duration::from_secs(22)).is_err());
    }

    #[test]
    fn trusts_the_proxys_own_forwarded_address_only_when_told() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        assert_eq!(client(peer, &headers, false), peer.ip());
        assert_eq!(
            client(peer, &headers, true),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client(peer, &HeaderMap::new(), true), peer.ip());
    }
}
