//! Reading the merged JSON report (`format: gatecheck-merged`) the way another tool would: by
//! field name, without gatecheck's own types, so that a renamed field fails the lab tests.

use serde_json::{Value, json};

/// What the merged report records for one check at one vantage.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// `passed`, `failed`, `error` or `skipped`.
    pub outcome: Option<String>,
    /// The status code or the error kind, as the matrix shows it.
    pub got: Option<String>,
    /// `runs[i].checks[j].diagnosis.id`.
    pub diagnosis: Option<String>,
    pub skip_reason: Option<String>,
    /// The same check's entry in `diagnosis.findings`, present for failures and errors.
    pub finding: Option<FindingFields>,
}

/// The fields of one entry of `diagnosis.findings`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FindingFields {
    pub relation: Option<String>,
    pub compared_with: Option<String>,
    pub hop: Option<String>,
    pub diagnosis: Option<String>,
}

pub struct Merged {
    value: Value,
}

impl Merged {
    /// Parses the report, failing the test with its text when it is not JSON.
    pub fn parse(text: &str) -> Merged {
        let value = serde_json::from_str(text)
            .unwrap_or_else(|error| panic!("the merged report is JSON: {error}\n{text}"));
        Merged { value }
    }

    pub fn format(&self) -> Option<&str> {
        self.value["format"].as_str()
    }

    /// Returns `diagnosis.first_failing_vantage`.
    pub fn first_failing_vantage(&self) -> Option<&str> {
        self.value["diagnosis"]["first_failing_vantage"].as_str()
    }

    /// Returns the vantage names of `runs`, in their order.
    pub fn vantages(&self) -> Vec<&str> {
        self.runs()
            .iter()
            .filter_map(|run| run["vantage"]["name"].as_str())
            .collect()
    }

    pub fn observed(&self, vantage: &str, check: &str) -> Observed {
        let Some(result) = self.check(vantage, check) else {
            return Observed::default();
        };
        let got = match (&result["response"]["status"], &result["error"]["kind"]) {
            (Value::Number(status), _) => Some(status.to_string()),
            (_, Value::String(kind)) => Some(kind.clone()),
            _ => None,
        };
        Observed {
            outcome: text(&result["outcome"]),
            got,
            diagnosis: text(&result["diagnosis"]["id"]),
            skip_reason: text(&result["skip_reason"]),
            finding: self.finding(vantage, check).map(|finding| FindingFields {
                relation: text(&finding["relation"]),
                compared_with: text(&finding["compared_with"]),
                hop: text(&finding["hop"]),
                diagnosis: text(&finding["diagnosis"]["id"]),
            }),
        }
    }

    /// Returns the parts of the report about one check at one vantage, pretty-printed for a
    /// failure message: the check's result without its request and headers, and its finding.
    pub fn excerpt(&self, vantage: &str, check: &str) -> String {
        let result = self.check(vantage, check).map(|result| {
            json!({
                "id": result["id"],
                "outcome": result["outcome"],
                "expected_status": result["expected_status"],
                "response": {
                    "status": result["response"]["status"],
                    "body_excerpt": result["response"]["body_excerpt"],
                },
                "failures": result["failures"],
                "error": result["error"],
                "skip_reason": result["skip_reason"],
                "diagnosis": {
                    "id": result["diagnosis"]["id"],
                    "title": result["diagnosis"]["title"],
                    "source": result["diagnosis"]["source"],
                },
                "connection": result["connection"],
            })
        });
        let excerpt = json!({
            "vantage": vantage,
            "runs[].checks[]": result,
            "diagnosis.findings[]": self.finding(vantage, check),
        });
        serde_json::to_string_pretty(&excerpt).expect("a JSON value serializes")
    }

    fn runs(&self) -> &[Value] {
        self.value["runs"].as_array().map_or(&[], Vec::as_slice)
    }

    fn check(&self, vantage: &str, check: &str) -> Option<&Value> {
        let run = self
            .runs()
            .iter()
            .find(|run| run["vantage"]["name"] == vantage)?;
        run["checks"]
            .as_array()?
            .iter()
            .find(|result| result["id"] == check)
    }

    fn finding(&self, vantage: &str, check: &str) -> Option<&Value> {
        self.value["diagnosis"]["findings"]
            .as_array()?
            .iter()
            .find(|finding| finding["vantage"] == vantage && finding["check"] == check)
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}
