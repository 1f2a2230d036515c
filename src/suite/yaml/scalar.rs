//! Scalar resolution: which YAML scalars are null, booleans, integers, floats or text.
//!
//! The rules are serde-saphyr 2.2's for an untyped value (its `deserialize_any` with default
//! options): YAML 1.2 core schema numbers and nulls, YAML 1.1 booleans (`yes`, `no`, `on`,
//! `off`, `y`, `n` in any case), integers within the 64-bit range, and quoted or block
//! scalars always text unless a tag says otherwise.

use std::borrow::Cow;

use granit_parser::{ScalarStyle, Tag};

use super::Value;

/// What an explicit tag asks for, after the tag's spelling was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TagKind {
    /// No tag, or an application tag such as `!custom`: resolved from the text.
    Untagged,
    /// `!!str` or the non-specific `!`.
    Text,
    Null,
    Bool,
    Int,
    Float,
    Binary,
    Sequence,
    Mapping,
    /// `!!merge`, which marks a merge key.
    Merge,
    /// A YAML tag that cannot become one of the tree's values, such as `!!timestamp`.
    Unsupported,
}

const CORE_NAMESPACE: &str = "tag:yaml.org,2002:";

impl TagKind {
    pub(super) fn of(tag: Option<&Tag>) -> TagKind {
        let Some(tag) = tag else {
            return TagKind::Untagged;
        };
        if let Some(suffix) = tag.core_suffix() {
            return core_kind(suffix).unwrap_or(TagKind::Unsupported);
        }
        if let Some(suffix) = tag.suffix_in_namespace(CORE_NAMESPACE) {
            let name = suffix.strip_prefix('!').unwrap_or(&suffix);
            return named_kind(name);
        }
        let Some(suffix) = tag.suffix_in_namespace("!") else {
            return TagKind::Untagged;
        };
        match suffix.as_ref() {
            "" | "!" => TagKind::Text,
            "!binary" => TagKind::Binary,
            "!timestamp" => TagKind::Unsupported,
            name => match name.strip_prefix('!') {
                Some(name) => core_kind(name).unwrap_or(TagKind::Untagged),
                None => named_kind(name),
            },
        }
    }

    /// Whether the tag only fits a scalar.
    pub(super) fn is_scalar_only(self) -> bool {
        !matches!(
            self,
            TagKind::Untagged | TagKind::Sequence | TagKind::Mapping
        )
    }
}

fn core_kind(suffix: &str) -> Option<TagKind> {
    match suffix {
        "null" => Some(TagKind::Null),
        "bool" => Some(TagKind::Bool),
        "int" => Some(TagKind::Int),
        "float" => Some(TagKind::Float),
        "map" => Some(TagKind::Mapping),
        "seq" => Some(TagKind::Sequence),
        "str" => Some(TagKind::Text),
        "merge" => Some(TagKind::Merge),
        "binary" => Some(TagKind::Binary),
        "value" => Some(TagKind::Untagged),
        _ => None,
    }
}

/// Resolves a tag name after `!` or in the YAML namespace: core names, and the names that
/// serde-saphyr reserves for its optional features (they resolve to nothing useful here).
fn named_kind(name: &str) -> TagKind {
    match core_kind(name) {
        Some(kind) => kind,
        None => match name {
            "timestamp" | "time" | "degrees" | "radians" => TagKind::Unsupported,
            _ => TagKind::Untagged,
        },
    }
}

/// Why a scalar has no value; the builder adds the position.
pub(super) struct ScalarError(pub String);

/// Resolves one scalar. `tag` is the tag's kind and `spelling` its text for messages.
pub(super) fn resolve(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: TagKind,
    spelling: impl FnOnce() -> String,
) -> Result<Value, ScalarError> {
    let plain = style == ScalarStyle::Plain;
    match tag {
        TagKind::Null => return Ok(Value::Null),
        TagKind::Bool => {
            return yaml11_bool(&text)
                .map(Value::Bool)
                .ok_or_else(|| ScalarError("invalid boolean".to_string()));
        }
        TagKind::Int => return tagged_integer(&text),
        TagKind::Float => return float(&text).map(|value| Value::Float(value, written(&text))),
        TagKind::Sequence | TagKind::Mapping => {
            return Err(ScalarError(format!("unsupported tag `{}`", spelling())));
        }
        TagKind::Unsupported => {
            return Err(ScalarError(
                "cannot deserialize tagged scalar into string".to_string(),
            ));
        }
        TagKind::Binary => return binary(&text),
        TagKind::Text => return Ok(Value::String(text.into_owned())),
        TagKind::Untagged | TagKind::Merge => {}
    }
    if plain && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Value::Null);
    }
    if !plain {
        return Ok(Value::String(text.into_owned()));
    }
    infer(text)
}

/// Resolves an untagged plain scalar: boolean, integer, float, or else text.
fn infer(text: Cow<'_, str>) -> Result<Value, ScalarError> {
    // Most scalars in a suite are words, URLs and ids. Only a digit, a sign or a `.` can start a
    // number, and only the letters below start a boolean, so other text skips the parsers.
    let could_be_other_than_text = trim(&text).bytes().next().is_some_and(|first| {
        first.is_ascii_digit()
            || matches!(
                first.to_ascii_lowercase(),
                b'+' | b'-' | b'.' | b't' | b'f' | b'y' | b'n' | b'o'
            )
    });
    if !could_be_other_than_text {
        return Ok(Value::String(text.into_owned()));
    }
    if let Some(value) = yaml11_bool(&text) {
        return Ok(Value::Bool(value));
    }
    let trimmed = trim(&text);
    let unsigned = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    // Both spellings stay text, as in serde-saphyr: YAML 1.2 has only lowercase radix prefixes
    // and an unsigned NaN.
    let uppercase_radix = matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]);
    if uppercase_radix || is_signed_nan(trimmed) {
        return Ok(Value::String(text.into_owned()));
    }
    let integer = if trimmed.starts_with('-') {
        (!leading_zero_decimal(trimmed))
            .then(|| signed_integer(trimmed))
            .flatten()
            .filter(|value| i64::try_from(*value).is_ok())
    } else {
        unsigned_integer(trimmed).filter(|value| u64::try_from(*value).is_ok())
    };
    if let Some(value) = integer {
        return Ok(Value::Integer(value, written(&text)));
    }
    if let Some(value) = float_or_overflow(trimmed) {
        if !value.is_finite() {
            return Err(non_finite(&text));
        }
        return Ok(Value::Float(value, written(&text)));
    }
    Ok(Value::String(text.into_owned()))
}

fn non_finite(text: &str) -> ScalarError {
    ScalarError(format!(
        "non-finite float `{text}` rejected by the configured policy"
    ))
}

/// Trims the padding that serde-saphyr ignores around numbers and booleans.
/// The number as the file spells it, for fields that take text: `version: 1.10` must stay
/// `1.10`, not become `1.1`.
fn written(text: &str) -> Box<str> {
    trim(text).into()
}

fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

fn yaml11_bool(text: &str) -> Option<bool> {
    let text = trim(text);
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || is("y") || is("on") {
        Some(true)
    } else if is("false") || is("no") || is("n") || is("off") {
        Some(false)
    } else {
        None
    }
}

fn is_signed_nan(trimmed: &str) -> bool {
    trimmed
        .strip_prefix(['+', '-'])
        .is_some_and(|unsigned| matches!(unsigned, ".nan" | ".NaN" | ".NAN"))
}

fn leading_zero_decimal(trimmed: &str) -> bool {
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Splits a radix prefix (`0x`, `0o`, `0b`, either case) off.
fn radix_and_digits(rest: &str) -> (u32, &str) {
    let prefixes = [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ];
    for (prefix, radix) in prefixes {
        if let Some(digits) = rest.strip_prefix(prefix) {
            return (radix, digits);
        }
    }
    (10, rest)
}

/// Reads digits of `radix` with single `_` separators between digits, as serde-saphyr does.
fn digits_value(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut any_digit = false;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'_' {
            let between_digits = index > 0
                && bytes[index - 1] != b'_'
                && bytes.get(index + 1).is_some_and(|next| *next != b'_');
            if !between_digits {
                return None;
            }
            continue;
        }
        let digit = char::from(byte).to_digit(radix)?;
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(digit))?;
        any_digit = true;
    }
    any_digit.then_some(value)
}

/// Parses an integer without a `-`: decimal without a leading zero, or with a radix prefix.
fn unsigned_integer(trimmed: &str) -> Option<i128> {
    if trimmed.starts_with('-') {
        return None;
    }
    let rest = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let (radix, digits) = radix_and_digits(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    i128::try_from(digits_value(digits, radix)?).ok()
}

fn signed_integer(trimmed: &str) -> Option<i128> {
    let (negative, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (radix, digits) = radix_and_digits(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    let magnitude = digits_value(digits, radix)?;
    if negative {
        0i128.checked_sub_unsigned(magnitude)
    } else {
        i128::try_from(magnitude).ok()
    }
}

/// Resolves a scalar tagged `!!int`: 64-bit, signed when it starts with `-`.
fn tagged_integer(text: &str) -> Result<Value, ScalarError> {
    let trimmed = trim(text);
    if trimmed.starts_with('-') {
        signed_integer(trimmed)
            .filter(|value| i64::try_from(*value).is_ok())
            .map(|value| Value::Integer(value, written(text)))
            .ok_or_else(|| ScalarError("invalid i64".to_string()))
    } else {
        unsigned_integer(trimmed)
            .filter(|value| u64::try_from(*value).is_ok())
            .map(|value| Value::Integer(value, written(text)))
            .ok_or_else(|| ScalarError("invalid u64".to_string()))
    }
}

/// Resolves a scalar tagged `!!float`.
fn float(text: &str) -> Result<f64, ScalarError> {
    let trimmed = trim(text);
    let value = float_or_overflow(trimmed)
        .ok_or_else(|| ScalarError("invalid floating point".to_string()))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(non_finite(text))
    }
}

/// Parses a YAML 1.2 float, `.inf` and `.nan` included. A numeral that overflows `f64`
/// (`1e999`) is infinite; words that Rust's parser accepts (`inf`, `nan`) are not floats.
fn float_or_overflow(trimmed: &str) -> Option<f64> {
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    match unsigned {
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        ".inf" | ".Inf" | ".INF" if negative => return Some(f64::NEG_INFINITY),
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    let value = trimmed.parse::<f64>().ok()?;
    if value.is_finite() {
        return Some(value);
    }
    let starts_with_digit = unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit);
    (starts_with_digit && value.is_infinite()).then_some(value)
}

/// Decodes a `!!binary` scalar, which must hold UTF-8 text.
fn binary(text: &str) -> Result<Value, ScalarError> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| ScalarError("invalid !!binary base64".to_string()))?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        ScalarError(
            "!!binary scalar is not valid UTF-8 so cannot be stored into string".to_string(),
        )
    })
}
