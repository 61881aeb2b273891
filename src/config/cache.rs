//! The `cache` key: opt in to answering identical credential calls from the process-wide
//! cache (`crate::cache`).

use super::keys::{Given, Table};
use super::read::integer;
use super::MAX_FEDERATION_SECONDS;
use crate::error::{wrong_type, Error, Result};
use serde_json::Value;

/// A cached key is handed out only while it has at least this long left.
pub const DEFAULT_MIN_REMAINING_SECONDS: u32 = 300;
pub const DEFAULT_MAX_ENTRIES: usize = 1024;
/// `max_entries` at most; each entry is one credential JSON of about 1 to 2 KB.
pub const MAX_CACHE_ENTRIES: usize = 65_536;

pub const CACHE_KEYS: Table = &[("min_remaining_seconds", &["minRemainingSeconds"]), ("max_entries", &["maxEntries"])];

/// How a call uses the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CacheOptions {
    /// A cached key with less time left than this is never handed out; a new one is fetched.
    pub min_remaining_seconds: u32,
    /// The cache's bound when this call adds an entry; the entries closest to expiry go first.
    pub max_entries: usize,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions { min_remaining_seconds: DEFAULT_MIN_REMAINING_SECONDS, max_entries: DEFAULT_MAX_ENTRIES }
    }
}

/// `cache`: `true` (defaults), `false` (off, as when absent) or
/// `{"min_remaining_seconds": N, "max_entries": M}`. A key that could never be served (its
/// whole duration is below `min_remaining_seconds`) is refused: the cache would silently
/// never hit.
pub(super) fn read_cache(given: &mut Given, duration_seconds: u32) -> Result<Option<CacheOptions>> {
    let field = given.name_of("cache");
    let mut options = CacheOptions::default();
    let mut min_field = field.clone();
    match given.take("cache") {
        None | Some(Value::Bool(false)) => return Ok(None),
        Some(Value::Bool(true)) => {}
        Some(Value::Object(object)) => {
            let mut section = Given::section(&field, object, CACHE_KEYS)?;
            if let Some(v) = section.take("min_remaining_seconds") {
                min_field = section.name_of("min_remaining_seconds");
                options.min_remaining_seconds = integer(&min_field, &v, 1, u64::from(MAX_FEDERATION_SECONDS))? as u32;
            }
            if let Some(v) = section.take("max_entries") {
                options.max_entries =
                    integer(&section.name_of("max_entries"), &v, 1, MAX_CACHE_ENTRIES as u64)? as usize;
            }
        }
        Some(other) => {
            return Err(wrong_type(
                &field,
                "true, false or an object {\"min_remaining_seconds\":300,\"max_entries\":1024}",
                &other,
            ))
        }
    }
    if options.min_remaining_seconds >= duration_seconds {
        return Err(Error::invalid(
            &min_field,
            format!(
                "min_remaining_seconds {} is not below duration_seconds {duration_seconds}: no cached key could ever be handed out; lower it or raise duration_seconds",
                options.min_remaining_seconds
            ),
        ));
    }
    Ok(Some(options))
}
