//! Status expectations: a code, a class such as `2xx`, a range, or a list of those.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusSpec {
    patterns: Vec<StatusPattern>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusPattern {
    Code(u16),
    /// `2xx` is class 2.
    Class(u16),
    /// Inclusive on both ends.
    Range(u16, u16),
}

impl StatusSpec {
    pub fn new(patterns: Vec<StatusPattern>) -> StatusSpec {
        StatusSpec { patterns }
    }

    /// Returns the expectation of a check that sets no `status`: any 2xx.
    pub fn success() -> StatusSpec {
        StatusSpec {
            patterns: vec![StatusPattern::Class(2)],
        }
    }

    pub fn matches(&self, status: u16) -> bool {
        self.patterns.iter().any(|pattern| pattern.matches(status))
    }
}

impl StatusPattern {
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Code(code) => status == code,
            StatusPattern::Class(class) => status / 100 == class,
            StatusPattern::Range(low, high) => (low..=high).contains(&status),
        }
    }

    /// Parses one pattern written as text: `302`, `4xx`, `200-299` or `200..299`.
    pub fn parse(text: &str) -> Result<StatusPattern, String> {
        let text = text.trim();
        let lower = text.to_ascii_lowercase();
        if let Some(digit) = lower.strip_suffix("xx") {
            return match digit.parse::<u16>() {
                Ok(class @ 1..=5) => Ok(StatusPattern::Class(class)),
                _ => Err(format!(
                    "invalid status class `{text}`: write 1xx, 2xx, 3xx, 4xx or 5xx"
                )),
            };
        }
        let range = lower.split_once("..").or_else(|| lower.split_once('-'));
        if let Some((low, high)) = range {
            let low = parse_code(low.trim())?;
            let high = parse_code(high.trim())?;
            if low > high {
                return Err(format!(
                    "invalid status range `{text}`: the first code must not be greater than the second"
                ));
            }
            return Ok(StatusPattern::Range(low, high));
        }
        parse_code(text).map(StatusPattern::Code)
    }
}

/// Parses a status code between 100 and 599.
pub fn parse_code(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(code @ 100..=599) => Ok(code),
        _ => Err(format!(
            "invalid status `{text}`: write a code from 100 to 599, a class such as `2xx`, or a range such as `200-299`"
        )),
    }
}

impl fmt::Display for StatusPattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusPattern::Code(code) => write!(formatter, "{code}"),
            StatusPattern::Class(class) => write!(formatter, "{class}xx"),
            StatusPattern::Range(low, high) => write!(formatter, "{low}-{high}"),
        }
    }
}

impl fmt::Display for StatusSpec {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patterns.as_slice() {
            [single] => write!(formatter, "{single}"),
            patterns => {
                let texts: Vec<String> = patterns.iter().map(ToString::to_string).collect();
                write!(formatter, "[{}]", texts.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_pattern_forms() {
        assert_eq!(StatusPattern::parse("302"), Ok(StatusPattern::Code(302)));
        assert_eq!(StatusPattern::parse("4XX"), Ok(StatusPattern::Class(4)));
        assert_eq!(
            StatusPattern::parse("200-299"),
            Ok(StatusPattern::Range(200, 299))
        );
        assert_eq!(
            StatusPattern::parse("200..204"),
            Ok(StatusPattern::Range(200, 204))
        );
    }

    #[test]
    fn status_pattern_invalid() {
        assert!(StatusPattern::parse("600").is_err());
        assert!(StatusPattern::parse("6xx").is_err());
        assert!(StatusPattern::parse("300-200").is_err());
        assert!(StatusPattern::parse("ok").is_err());
    }

    #[test]
    fn status_spec_matches_and_displays() {
        let spec = StatusSpec::new(vec![StatusPattern::Code(302), StatusPattern::Class(4)]);
        assert!(spec.matches(404));
        assert!(spec.matches(302));
        assert!(!spec.matches(200));
        assert_eq!(spec.to_string(), "[302, 4xx]");
    }
}
