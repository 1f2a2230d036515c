//! Loading `expect.certificate`: conditions on the server's leaf certificate.

use crate::suite::load::{CERTIFICATE_KEYS, SuiteLoader};
use crate::suite::model::CertificateExpectation;
use crate::suite::reader::quote_list;
use crate::suite::yaml::{Node, Value};

impl SuiteLoader<'_> {
    pub(super) fn certificate_expectation(
        &mut self,
        node: &Node,
    ) -> Option<CertificateExpectation> {
        let fields = self.reader.fields(node, "certificate", CERTIFICATE_KEYS)?;
        if matches!(&node.value, Value::Mapping(entries) if entries.is_empty()) {
            self.reader
                .error(
                    node.position,
                    "the certificate expectation sets no condition",
                )
                .help = Some(format!(
                "set one or more of {}",
                quote_list(CERTIFICATE_KEYS)
            ));
            return None;
        }
        let mut ok = true;
        let mut expectation = CertificateExpectation::default();

        if let Some(days) = fields.get("min_days_left") {
            match &days.value {
                Value::Integer(count, _) if u32::try_from(*count).is_ok() => {
                    expectation.min_days_left = u32::try_from(*count).ok();
                }
                _ => {
                    ok = false;
                    let written = days
                        .value
                        .scalar_text()
                        .unwrap_or_else(|| days.value.kind().to_string());
                    self.reader
                        .error(
                            days.position,
                            format!("invalid `min_days_left` `{written}`"),
                        )
                        .help = Some("write a whole number of days, such as 30".to_string());
                }
            }
        }
        for (key, slot) in [
            ("issuer", &mut expectation.issuer),
            ("subject", &mut expectation.subject),
        ] {
            if let Some(pattern) = fields.get(key) {
                *slot = self.regex(pattern);
                ok &= slot.is_some();
            }
        }
        if let Some(name) = fields.get("san_contains") {
            expectation.san_contains = self.reader.non_empty_string(name, "`san_contains`");
            ok &= expectation.san_contains.is_some();
        }
        ok.then_some(expectation)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::suite::load_str;

    /// Returns a suite with one check, ending in `certificate:` followed by `certificate`.
    fn suite(certificate: &str) -> String {
        format!(
            "name: t\nchecks:\n  - id: a\n    request:\n      url: https://api.example.test/\n    \
             expect:\n      certificate:{certificate}\n"
        )
    }

    fn load_errors(certificate: &str) -> String {
        let text = suite(&format!(" {certificate}"));
        match load_str(Path::new("suite.yaml"), &text) {
            Ok(_) => String::new(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn conditions_load() {
        let text = suite(
            "\n        min_days_left: 30\n        issuer: CN=Example CA\n        subject: CN=api\n        \
             san_contains: api.example.test",
        );
        let loaded = load_str(Path::new("suite.yaml"), &text).expect("the suite loads");
        let certificate = loaded.suite.checks[0]
            .expect
            .certificate
            .clone()
            .expect("the certificate expectation is set");
        assert_eq!(certificate.min_days_left, Some(30));
        assert_eq!(
            certificate.issuer.map(|regex| regex.as_str().to_string()),
            Some("CN=Example CA".to_string())
        );
        assert_eq!(
            certificate.san_contains.as_deref(),
            Some("api.example.test")
        );
    }

    #[test]
    fn empty_mapping_rejected() {
        let errors = load_errors("{}");
        assert!(
            errors.contains("the certificate expectation sets no condition"),
            "{errors}"
        );
    }

    #[test]
    fn negative_days_rejected() {
        let errors = load_errors("{ min_days_left: -5 }");
        assert!(errors.contains("invalid `min_days_left` `-5`"), "{errors}");
    }

    #[test]
    fn misspelled_key_suggests() {
        let errors = load_errors("{ min_day_left: 5 }");
        assert!(errors.contains("did you mean `min_days_left`?"), "{errors}");
    }

    #[test]
    fn invalid_issuer_regex_rejected() {
        let errors = load_errors("{ issuer: 'CN=(' }");
        assert!(errors.contains("invalid regex `CN=(`"), "{errors}");
    }
}
