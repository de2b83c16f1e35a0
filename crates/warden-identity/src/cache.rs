//! A bounded cache of verified tokens, keyed by the SHA-256 of the token string.
//!
//! Entries are evicted oldest-first when the cache is full, so memory is bounded by
//! `capacity` entries whatever is presented. Only successes are cached; the verifier
//! re-checks expiry, key state and revocation on every hit, so an entry never outlives what
//! it vouches for.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};

use crate::token::VerifiedToken;

/// SHA-256 of a token string.
pub(crate) type CacheKey = [u8; 32];

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<CacheKey, Arc<VerifiedToken>>,
    order: VecDeque<CacheKey>,
}

/// Bounded FIFO cache of verified tokens.
#[derive(Debug)]
pub(crate) struct VerifiedCache {
    capacity: usize,
    inner: RwLock<Inner>,
}

impl VerifiedCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: RwLock::new(Inner::default()),
        }
    }

    pub(crate) fn get(&self, key: &CacheKey) -> Option<Arc<VerifiedToken>> {
        if self.capacity == 0 {
            return None;
        }
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.map.get(key).cloned()
    }

    pub(crate) fn insert(&self, key: CacheKey, value: Arc<VerifiedToken>) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.map.contains_key(&key) {
            return;
        }
        while inner.map.len() >= self.capacity {
            let Some(oldest) = inner.order.pop_front() else {
                inner.map.clear();
                break;
            };
            inner.map.remove(&oldest);
        }
        inner.map.insert(key, value);
        inner.order.push_back(key);
        // Keys removed out of order leave stale or duplicate entries behind; compact the
        // queue (keeping each live key's latest position) so it stays bounded too.
        if inner.order.len() > self.capacity.saturating_mul(2).saturating_add(16) {
            let Inner { map, order } = &mut *inner;
            let mut seen = std::collections::HashSet::with_capacity(map.len());
            let mut compacted = VecDeque::with_capacity(map.len());
            for k in order.iter().rev() {
                if map.contains_key(k) && seen.insert(*k) {
                    compacted.push_front(*k);
                }
            }
            *order = compacted;
        }
    }

    pub(crate) fn remove(&self, key: &CacheKey) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.map.remove(key);
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.map.clear();
        inner.order.clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .map
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str) -> Arc<VerifiedToken> {
        Arc::new(VerifiedToken {
            token_id: id.into(),
            root_key_id: 1,
            subject: "s".into(),
            owner: "o".into(),
            actors: vec!["a".into()],
            scopes: vec![],
            issued_at_ms: 0,
            expires_at_ms: 0,
            remaining_depth: 0,
            revocation_ids: vec![],
            audience: "aud".into(),
        })
    }

    #[test]
    fn bounded_and_fifo() {
        let cache = VerifiedCache::new(3);
        for i in 0..10u8 {
            cache.insert([i; 32], token(&i.to_string()));
            assert!(cache.len() <= 3);
        }
        assert!(cache.get(&[0; 32]).is_none());
        assert!(cache.get(&[9; 32]).is_some());
        for i in 0..100u8 {
            cache.remove(&[9; 32]);
            cache.insert([9; 32], token(&i.to_string()));
        }
        assert!(cache.inner.read().unwrap().order.len() <= 3 * 2 + 16 + 1);
    }

    #[test]
    fn zero_capacity_caches_nothing() {
        let cache = VerifiedCache::new(0);
        cache.insert([1; 32], token("x"));
        assert_eq!(cache.len(), 0);
    }
}
