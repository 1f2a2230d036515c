//! Strings with `${NAME}` variable references.

use std::collections::HashMap;

/// A string split into literal text and variable references, parsed once at load time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Variable(String),
}

/// A problem in a template, at a character offset within it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
    pub offset: usize,
}

impl Template {
    /// Parses `text`. `$${` writes a literal `${`.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(start) = rest.find('$') {
            literal.push_str(&rest[..start]);
            let after = &rest[start..];
            if let Some(escaped) = after.strip_prefix("$${") {
                literal.push_str("${");
                offset += start + 3;
                rest = escaped;
                continue;
            }
            if !after.starts_with("${") {
                literal.push('$');
                offset += start + 1;
                rest = &after[1..];
                continue;
            }
            let Some(end) = after.find('}') else {
                return Err(TemplateError {
                    message: "unclosed variable reference `${`: add the closing `}`, or write `$${` for a literal `${`".to_string(),
                    offset: text[..offset + start].chars().count(),
                });
            };
            let name = &after[2..end];
            if !is_variable_name(name) {
                return Err(TemplateError {
                    message: format!(
                        "invalid variable name `{name}`: names use letters, digits and `_`, and do not start with a digit"
                    ),
                    offset: text[..offset + start].chars().count(),
                });
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Variable(name.to_string()));
            offset += start + end + 1;
            rest = &after[end + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    /// Creates a template without references, for values built in code.
    pub fn literal(text: impl Into<String>) -> Template {
        Template {
            parts: vec![Part::Literal(text.into())],
        }
    }

    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable(name) => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Substitutes variable values. The loader guarantees every referenced variable is defined,
    /// and the runner resolves every defined one, so a missing value renders as empty.
    pub fn render(&self, values: &HashMap<String, String>) -> String {
        let mut output = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => output.push_str(text),
                Part::Variable(name) => {
                    output.push_str(values.get(name).map(String::as_str).unwrap_or_default())
                }
            }
        }
        output
    }

    /// Returns the template as written, with references left in place, for messages.
    pub fn source(&self) -> String {
        let mut output = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => output.push_str(&text.replace("${", "$${")),
                Part::Variable(name) => {
                    output.push_str("${");
                    output.push_str(name);
                    output.push('}');
                }
            }
        }
        output
    }
}

pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> HashMap<String, String> {
        HashMap::from([("HOST".to_string(), "ise.example.com".to_string())])
    }

    #[test]
    fn template_renders_references() {
        let template = Template::parse("https://${HOST}:443/x").unwrap();
        assert_eq!(template.render(&values()), "https://ise.example.com:443/x");
        assert_eq!(template.variables().collect::<Vec<_>>(), ["HOST"]);
    }

    #[test]
    fn template_escapes_and_bare_dollar() {
        let template = Template::parse("cost $5 and $${HOST}").unwrap();
        assert_eq!(template.render(&values()), "cost $5 and ${HOST}");
        assert_eq!(template.variables().count(), 0);
    }

    #[test]
    fn template_unclosed_reference_offset() {
        let error = Template::parse("ab${HOST").unwrap_err();
        assert_eq!(error.offset, 2);
        assert!(error.message.contains("unclosed"));
    }

    #[test]
    fn template_invalid_name() {
        let error = Template::parse("${1A}").unwrap_err();
        assert!(error.message.contains("`1A`"), "{}", error.message);
    }
}
