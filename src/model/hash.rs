//! The one stable hash: FNV-1a over bytes. Stable across versions, platforms and runs (unlike
//! std's hasher), so what it decides stays put: which shard a supporter falls in, which wording
//! of a paragraph she gets, how long a deferred message waits.

/// FNV-1a (64 bit) of `bytes`.
pub fn stable(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_fnv_1a() {
        // The published FNV-1a test vectors.
        assert_eq!(super::stable(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::stable(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::stable(*b"foobar"), 0x8594_4171_f739_67e8);
    }
}
