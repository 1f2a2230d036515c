//! A gzip stream of about 1 MB that inflates to about 1 GB of zero bytes, built by hand so that
//! no compressor has to run over a gigabyte during the test, and streamed without being held in
//! memory.
//!
//! The stream is one dynamic-Huffman DEFLATE block (RFC 1951, section 3.2.7). Its code has only
//! three literal/length symbols, so the codes are as short as DEFLATE allows: the literal 0 (2
//! bits), the length 258 (1 bit) and end-of-block (2 bits). The one distance code, distance 1,
//! has 1 bit. After one literal zero, every further 258 zero bytes cost 2 bits, the length code
//! and the distance code. Both codes are a single 0 bit, so the middle of the stream is plain
//! zero bytes.

/// Back-references of 258 bytes each. With the one literal in front, the stream inflates to
/// 1 + 258 × this = 1,000,000,003 bytes.
const BACK_REFERENCES: u64 = 3_875_969;

/// Bytes the stream inflates to.
pub const INFLATED_BYTES: u64 = 1 + 258 * BACK_REFERENCES;

/// The bomb as three parts: `head`, then `zero_bytes` zero bytes, then `tail`.
pub struct GzipBomb {
    pub head: Vec<u8>,
    pub zero_bytes: u64,
    pub tail: Vec<u8>,
}

impl GzipBomb {
    pub fn new() -> GzipBomb {
        // Gzip member header (RFC 1952): magic, CM = 8 (DEFLATE), no flags, no mtime, XFL 0,
        // OS 255 (unknown).
        let mut head = BitWriter::new(vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        write_block_header(&mut head);
        // The literal byte 0.
        head.write_code(0b10, 2);

        // Each back-reference is the 1-bit length code 0 and the 1-bit distance code 0. The
        // first zero bits fill the current byte, whole zero bytes follow, and the rest start
        // the tail.
        let zero_bits = 2 * BACK_REFERENCES;
        let filler = u64::from(head.free_bits_in_byte()).min(zero_bits);
        head.write_bits(0, filler as u32);
        let zero_bytes = (zero_bits - filler) / 8;
        let mut tail = BitWriter::new(Vec::new());
        tail.write_bits(0, ((zero_bits - filler) % 8) as u32);
        // End of block.
        tail.write_code(0b11, 2);

        let mut tail = tail.finish();
        tail.extend_from_slice(&crc32_of_zeros(INFLATED_BYTES).to_le_bytes());
        // ISIZE is the inflated size modulo 2^32.
        tail.extend_from_slice(&(INFLATED_BYTES as u32).to_le_bytes());
        GzipBomb {
            head: head.finish(),
            zero_bytes,
            tail,
        }
    }

    /// Returns the size of the compressed stream in bytes.
    pub fn len(&self) -> u64 {
        self.head.len() as u64 + self.zero_bytes + self.tail.len() as u64
    }
}

/// Writes the header of a final dynamic-Huffman block whose literal/length code has lengths
/// {0: 2, 256: 2, 285: 1} and whose distance code has the one length {0: 1}.
fn write_block_header(out: &mut BitWriter) {
    // BFINAL = 1, BTYPE = 2 (dynamic Huffman codes).
    out.write_bits(1, 1);
    out.write_bits(2, 2);
    // HLIT: 286 literal/length codes, so that symbol 285 (length 258) exists. HDIST: 1
    // distance code. HCLEN: 18 code length codes, enough to reach symbol 1 in the order below.
    out.write_bits(286 - 257, 5);
    out.write_bits(0, 5);
    out.write_bits(18 - 4, 4);

    // Code lengths of the code length alphabet, in the order RFC 1951 fixes. Only symbols 1, 2
    // (the lengths used) and 18 (a run of zeros) occur: 18 gets 1 bit, 1 and 2 get 2 bits.
    const ORDER: [u32; 18] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
    for symbol in ORDER {
        let length = match symbol {
            18 => 1,
            1 | 2 => 2,
            _ => 0,
        };
        out.write_bits(length, 3);
    }
    // Canonical codes of that alphabet: 18 → 0, 1 → 10, 2 → 11.
    let length_one = |out: &mut BitWriter| out.write_code(0b10, 2);
    let length_two = |out: &mut BitWriter| out.write_code(0b11, 2);
    let zeros = |out: &mut BitWriter, count: u32| {
        out.write_code(0b0, 1);
        out.write_bits(count - 11, 7);
    };

    // Literal/length code lengths: symbol 0, then 255 unused, 256, 28 unused, then 285.
    length_two(out);
    zeros(out, 138);
    zeros(out, 117);
    length_two(out);
    zeros(out, 28);
    length_one(out);
    // Distance code lengths: symbol 0 only.
    length_one(out);
    // From here the canonical codes are: literal 0 → 10, end of block → 11, length 258 → 0,
    // distance 1 → 0.
}

/// Packs bits into bytes from the least significant bit up, as DEFLATE stores them.
struct BitWriter {
    bytes: Vec<u8>,
    /// Bits used in the last byte, 0 to 7. At 0, the next bit starts a new byte.
    used: u8,
}

impl BitWriter {
    fn new(bytes: Vec<u8>) -> BitWriter {
        BitWriter { bytes, used: 0 }
    }

    fn write_bit(&mut self, bit: bool) {
        if self.used == 0 {
            self.bytes.push(0);
        }
        if bit {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 1 << self.used;
        }
        self.used = (self.used + 1) % 8;
    }

    /// Writes `count` bits of `value`, least significant first: DEFLATE's order for header
    /// fields and extra bits.
    fn write_bits(&mut self, value: u32, count: u32) {
        for position in 0..count {
            self.write_bit(value >> position & 1 == 1);
        }
    }

    /// Writes a Huffman code of `count` bits, most significant first, as DEFLATE requires.
    fn write_code(&mut self, code: u32, count: u32) {
        for position in (0..count).rev() {
            self.write_bit(code >> position & 1 == 1);
        }
    }

    fn free_bits_in_byte(&self) -> u8 {
        (8 - self.used) % 8
    }

    fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// The reflected CRC-32 polynomial of gzip.
const CRC32_POLYNOMIAL: u32 = 0xedb8_8320;

/// Returns the CRC-32 of `length` zero bytes without reading them.
///
/// Feeding a zero byte multiplies the CRC register by x^8 modulo the polynomial, so `length`
/// zero bytes multiply it by x^(8 × length), which repeated squaring computes in 64 steps at
/// most.
fn crc32_of_zeros(length: u64) -> u32 {
    let mut power = 1u32 << 31; // x^0 in the reflected representation.
    let mut square = 1u32 << 30; // x^1
    let mut exponent = 8 * length;
    while exponent > 0 {
        if exponent & 1 == 1 {
            power = multiply_modulo(power, square);
        }
        square = multiply_modulo(square, square);
        exponent >>= 1;
    }
    multiply_modulo(power, 0xffff_ffff) ^ 0xffff_ffff
}

/// Multiplies two polynomials over GF(2) modulo the CRC-32 polynomial, bit-reflected.
fn multiply_modulo(a: u32, mut b: u32) -> u32 {
    let mut product = 0;
    let mut bit = 1u32 << 31;
    while bit != 0 {
        if a & bit != 0 {
            product ^= b;
        }
        bit >>= 1;
        b = if b & 1 == 1 {
            (b >> 1) ^ CRC32_POLYNOMIAL
        } else {
            b >> 1
        };
    }
    product
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte-by-byte CRC-32, to check the shortcut on small inputs.
    fn crc32_slow(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ CRC32_POLYNOMIAL
                } else {
                    crc >> 1
                };
            }
        }
        crc ^ 0xffff_ffff
    }

    #[test]
    fn crc_of_zeros_matches_bytewise() {
        for length in [0, 1, 2, 7, 258, 4097] {
            let expected = crc32_slow(&vec![0; length]);
            assert_eq!(
                crc32_of_zeros(length as u64),
                expected,
                "CRC-32 of {length} zero bytes"
            );
        }
    }

    #[test]
    fn bomb_is_about_one_megabyte() {
        let bomb = GzipBomb::new();
        assert!(
            (900_000..1_100_000).contains(&bomb.len()),
            "compressed size {} bytes",
            bomb.len()
        );
    }
}
