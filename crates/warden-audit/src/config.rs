//! Configuration of the durable audit log ([`crate::log::AuditLog`]).
//!
//! Every limit has a safe default ([`AuditConfig::default`]) and can be changed;
//! [`AuditConfig::validate`] refuses values that would make the log unusable (zero-sized
//! queues, batches or checkpoint intervals).

use std::time::Duration;

/// The default origin line of the log's checkpoints (and the name of its signing key).
pub const DEFAULT_ORIGIN: &str = "warden/audit";

/// Hard ceiling for [`AuditConfig::max_entry_bytes`]: a C2SP entry bundle prefixes each
/// entry with a 16-bit length, so no published entry can be larger.
pub const MAX_ENTRY_BYTES_CEILING: usize = crate::tiles::MAX_ENTRY_LEN;

/// Upper bound of `queue_capacity` and `subscriber_capacity` (both are allocated up front
/// or bounded by the channel implementation).
pub const MAX_CAPACITY: usize = 1 << 24;

/// How the audit log batches, bounds and publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// The checkpoint origin (first line of every checkpoint, and the signing key's name).
    /// Default `"warden/audit"`.
    pub origin: String,
    /// Publish a checkpoint (and tiles) once this many entries have been appended since the
    /// last one. Default 4096.
    pub checkpoint_every_entries: u64,
    /// Publish a checkpoint at least this often while new entries arrive. Default 1 s.
    pub checkpoint_every: Duration,
    /// Capacity of the writer's request queue, in requests (an `append_many` is one request).
    /// `append` waits when it is full; `try_append` returns `QueueFull`. Default 65536.
    pub queue_capacity: usize,
    /// The most entries the writer commits with one write and one fdatasync (a single
    /// `append_many` may carry at most this many). Default 8192.
    pub max_batch: usize,
    /// How long the writer may wait, before a write, for callers acknowledged by the
    /// previous commit to come back, so that concurrent callers share one fdatasync instead
    /// of alternating in two groups. It only waits while fewer requests are queued than the
    /// largest of the last 8 batches held (so never for a lone caller). Zero disables.
    /// Default 100 µs.
    pub group_commit_wait: Duration,
    /// How much lower (as a `nice` increment, 0–19) the publisher thread runs than the
    /// writer, so that writing tiles yields the CPU to appends under load (Linux only).
    /// Default 10.
    pub publisher_nice: i32,
    /// The writer also stops adding requests to a batch once it holds this many bytes of
    /// records (a single request larger than this is still committed, alone). Default 16 MiB.
    pub max_batch_bytes: usize,
    /// The largest accepted entry, in bytes. Default and maximum 65535
    /// ([`MAX_ENTRY_BYTES_CEILING`], the largest entry a tile bundle can hold). On recovery a
    /// WAL record longer than this is reported as corrupt, so never lower it for a log that
    /// already holds larger entries.
    pub max_entry_bytes: usize,
    /// How many not-yet-received notifications a subscriber may lag behind before it
    /// misses some (it then gets `RecvError::Lagged`). Default 65536.
    pub subscriber_capacity: usize,
    /// The largest checkpoint file read when opening the log. Default 1 MiB (the largest
    /// signed note accepted).
    pub max_checkpoint_bytes: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            origin: DEFAULT_ORIGIN.to_string(),
            checkpoint_every_entries: 4096,
            checkpoint_every: Duration::from_secs(1),
            queue_capacity: 65536,
            max_batch: 8192,
            max_batch_bytes: 16 << 20,
            group_commit_wait: Duration::from_micros(100),
            publisher_nice: 10,
            max_entry_bytes: 65535,
            subscriber_capacity: 65536,
            max_checkpoint_bytes: crate::note::MAX_NOTE_BYTES as u64,
        }
    }
}

impl AuditConfig {
    /// Checks that every value is usable; the error names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        crate::note::validate_key_name(&self.origin).map_err(|e| format!("origin: {e}"))?;
        if self.checkpoint_every_entries == 0 {
            return Err("checkpoint_every_entries must be at least 1".into());
        }
        if self.checkpoint_every.is_zero() {
            return Err("checkpoint_every must be longer than zero".into());
        }
        if self.queue_capacity == 0 || self.queue_capacity > MAX_CAPACITY {
            return Err(format!(
                "queue_capacity must be between 1 and {MAX_CAPACITY}"
            ));
        }
        if self.max_batch == 0 {
            return Err("max_batch must be at least 1".into());
        }
        if self.group_commit_wait > Duration::from_secs(1) {
            return Err("group_commit_wait must be at most 1 s".into());
        }
        if !(0..=19).contains(&self.publisher_nice) {
            return Err("publisher_nice must be between 0 and 19".into());
        }
        if self.max_batch_bytes == 0 {
            return Err("max_batch_bytes must be at least 1".into());
        }
        if self.max_entry_bytes > MAX_ENTRY_BYTES_CEILING {
            return Err(format!(
                "max_entry_bytes must be at most {MAX_ENTRY_BYTES_CEILING}"
            ));
        }
        if self.subscriber_capacity == 0 || self.subscriber_capacity > MAX_CAPACITY {
            return Err(format!(
                "subscriber_capacity must be between 1 and {MAX_CAPACITY}"
            ));
        }
        if self.max_checkpoint_bytes == 0 {
            return Err("max_checkpoint_bytes must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let c = AuditConfig::default();
        assert_eq!(c.origin, "warden/audit");
        assert_eq!(c.checkpoint_every_entries, 4096);
        assert_eq!(c.checkpoint_every, Duration::from_secs(1));
        assert_eq!(c.queue_capacity, 65536);
        assert_eq!(c.max_batch, 8192);
        assert_eq!(c.max_entry_bytes, 65535);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn zero_limits_are_refused() {
        let mut c = AuditConfig {
            queue_capacity: 0,
            ..AuditConfig::default()
        };
        assert!(c.validate().unwrap_err().contains("queue_capacity"));
        c.queue_capacity = 1;
        c.max_batch = 0;
        assert!(c.validate().unwrap_err().contains("max_batch"));
        c.max_batch = 1;
        c.origin = "a\nb".into();
        assert!(c.validate().unwrap_err().contains("origin"));
    }
}
