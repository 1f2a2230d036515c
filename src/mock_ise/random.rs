//! Random values that look like ISE's: session ids, CSRF tokens and resource ids.

use rustls::crypto::SecureRandom;

/// Returns 32 upper-case hex digits, the shape of a Tomcat session id.
pub(crate) fn random_hex(random: &dyn SecureRandom) -> String {
    random_bytes(random)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect()
}

/// Returns a random (version 4) UUID in lower case, the shape of the ids ERS gives resources.
pub(crate) fn random_uuid(random: &dyn SecureRandom) -> String {
    let mut bytes = random_bytes(random);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn random_bytes(random: &dyn SecureRandom) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    if random.fill(&mut bytes).is_err() {
        // These values only have to look real and differ between calls, so a failing random
        // source falls back to the per-process random keys of the standard library's hasher.
        use std::hash::{BuildHasher, RandomState};
        let high = RandomState::new().hash_one(0u8).to_be_bytes();
        let low = RandomState::new().hash_one(1u8).to_be_bytes();
        bytes[..8].copy_from_slice(&high);
        bytes[8..].copy_from_slice(&low);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> &'static dyn SecureRandom {
        rustls::crypto::aws_lc_rs::default_provider().secure_random
    }

    #[test]
    fn random_hex_shape() {
        let value = random_hex(source());
        assert_eq!(value.len(), 32);
        assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn random_uuid_shape() {
        let value = random_uuid(source());
        let shape = regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(shape.is_match(&value), "{value}");
    }

    #[test]
    fn random_uuid_differs() {
        assert_ne!(random_uuid(source()), random_uuid(source()));
    }
}
