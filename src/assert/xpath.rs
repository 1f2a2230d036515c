//! XPath subset for asserting on XML response bodies.
//!
//! [`XmlDocument::parse`] builds an element tree once per response body with quick-xml, and
//! [`XPath::select`] evaluates a compiled expression against it. A full XPath 1.0 implementation
//! would bring a large dependency tree, so this module implements only the part of XPath that
//! connectivity checks need, and [`XPath::parse`] rejects everything else.
//!
//! # Supported XPath subset
//!
//! Paths:
//!
//! - `/a/b`: absolute path, starting at the document.
//! - `a/b`: relative path. It is evaluated from the document node, so it selects the same nodes
//!   as `/a/b`: `mnt-rest-result/status` selects the `status` child of the root element
//!   `mnt-rest-result`.
//! - `//b`: `b` elements at any depth. `/a//c` selects `c` elements at any depth below `/a`.
//!   `//` may come before any step, as in `//@id` or `//text()`.
//! - `/` alone: the document. Its value is all the text in the document.
//!
//! Steps:
//!
//! - `name`: child elements with that name. `*`: all child elements.
//! - `.`: the current node. `..`: its parent.
//! - `@name`: the attribute with that name. `@*`: all attributes. Allowed only as the last step.
//! - `text()`: the text nodes of an element, skipping text nodes that contain only whitespace.
//!   Allowed only as the last step.
//!
//! Predicates, allowed after `name` and `*` steps:
//!
//! - `[1]`, `[2]`, …: the element at that position among the matching children of one parent,
//!   counting from 1. As in XPath, `//item[1]` selects every `item` that is the first `item`
//!   child of its parent, not the first `item` in the document.
//! - `[last()]`: the last of the matching children.
//! - `[@id]`: elements that have an `id` attribute. `[@*]`: elements with any attribute.
//! - `[@id='x']` or `[@id="x"]`: elements whose `id` attribute equals `x`.
//! - `[name]`: elements with a child element `name`. `[*]`: elements with any child element.
//! - `[name='Android']`: elements with a child element `name` whose value equals `Android`.
//! - `[text()]`: elements with a text node that is not whitespace-only.
//!   `[text()='x']`: elements with a text node equal to `x`.
//! - `[.='x']`: elements whose own value equals `x`.
//! - Several predicates in a row apply in turn: `item[@type='a'][2]` is the second of the
//!   `item` elements whose `type` is `a`.
//!
//! Comparisons are exact and case-sensitive, with no trimming, and the value must be a quoted
//! string: write `[code='500']`, not `[code=500]`. Spaces between tokens are allowed, as in
//! `[ @id = 'x' ]`.
//!
//! Namespaces are ignored. Element and attribute names compare by local name, a prefix in the
//! expression is accepted and ignored (`ns3:searchResult` and `searchResult` select the same
//! element), and `xmlns` declarations are not attributes.
//!
//! Selected values, in document order:
//!
//! - element: its string value, which is all descendant text concatenated, whitespace included;
//! - attribute: its value;
//! - `text()`: the text node. Adjacent text, CDATA sections and character references form one
//!   text node, also when only a comment or processing instruction separates them.
//!
//! Everything else is rejected with an [`XPathError`] that names the construct and its offset.
//! That includes:
//!
//! - functions other than `text()` and `last()`, such as `count()`, `contains()` and `position()`;
//! - axes written out, such as `child::` and `following-sibling::`;
//! - unions (`|`), arithmetic, comparisons other than `=`, `and`, `or`, variables and parentheses;
//! - paths inside predicates, such as `[a/b='x']`;
//! - predicates on `.`, `..`, attribute and `text()` steps.
//!
//! # XML parsing
//!
//! Entity and character references are expanded, CDATA sections are text, and comments and
//! processing instructions are skipped. An XML declaration, if any, must come before the root
//! element and selects XML 1.0 or 1.1 line-end handling. A DOCTYPE is skipped: external entities
//! are never fetched, and entities it declares are not expanded, so a reference to one is an
//! error, as is any reference other than the five predefined entities (`&lt;`, `&gt;`, `&amp;`,
//! `&apos;`, `&quot;`) and character references. The document must have exactly one root element
//! and nothing but whitespace, comments and processing instructions outside it. Beyond that,
//! well-formedness checks are those of quick-xml 0.41, which for example does not validate
//! element names.
//!
//! The tree is stored as a flat list in document order, and parsing and evaluation are
//! iterative, so deeply nested documents cannot overflow the stack and need no depth limit.

// Response bodies come from arbitrary servers, so nothing in this file may panic on input.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use quick_xml::escape::{EscapeError, resolve_xml_entity};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesDecl, BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// A compiled XPath expression from the supported subset.
#[derive(Clone, Debug)]
pub struct XPath {
    source: String,
    steps: Vec<Step>,
}

/// An expression that is not valid XPath or uses a construct outside the supported subset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct XPathError {
    /// Description of the problem and, where it helps, of what to write instead.
    pub message: String,
    /// 0-based character offset in the expression where the problem starts.
    pub offset: usize,
}

impl XPathError {
    fn new(offset: usize, message: impl Into<String>) -> XPathError {
        XPathError {
            message: message.into(),
            offset,
        }
    }
}

impl XPath {
    /// Parses `expression` and checks that it stays within the supported subset.
    pub fn parse(expression: &str) -> Result<XPath, XPathError> {
        let tokens = tokenize(expression)?;
        let mut parser = Parser {
            tokens: &tokens,
            next: 0,
            end_offset: expression.chars().count(),
        };
        let steps = parser.parse_path()?;
        Ok(XPath {
            source: expression.to_owned(),
            steps,
        })
    }

    /// Returns the expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression and returns the string values of the selected nodes in document
    /// order: an element's concatenated descendant text (its XPath string-value), an attribute's
    /// value, or a text node's text.
    pub fn select(&self, document: &XmlDocument) -> Vec<String> {
        let mut context = vec![DOCUMENT];
        for step in &self.steps {
            if let Step::Attribute(test) = step {
                // The parser accepts an attribute step only as the last step.
                return document.attribute_values(&context, test);
            }
            context = document.apply_step(&context, step);
        }
        context
            .iter()
            .map(|&id| document.string_value(id))
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Child {
        test: NameTest,
        predicates: Vec<Predicate>,
    },
    /// The expansion of `//`: the context nodes and all their descendants.
    DescendantOrSelf,
    SelfNode,
    Parent,
    Attribute(NameTest),
    Text,
}

/// A name in the expression, compared by local name because namespaces are ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NameTest {
    Any,
    Local(String),
}

impl NameTest {
    fn matches(&self, local_name: &str) -> bool {
        match self {
            NameTest::Any => true,
            NameTest::Local(name) => name == local_name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Predicate {
    /// 1-based position among the candidates that earlier predicates kept.
    Position(usize),
    Last,
    Condition(Condition),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Condition {
    HasAttribute(NameTest),
    AttributeEquals(NameTest, String),
    HasChild(NameTest),
    ChildEquals(NameTest, String),
    HasText,
    TextEquals(String),
    SelfEquals(String),
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

#[derive(Clone, Debug, PartialEq)]
enum TokenKind {
    Slash,
    DoubleSlash,
    Dot,
    DotDot,
    At,
    /// `*` as a name test, also written `prefix:*`.
    Star,
    LeftBracket,
    RightBracket,
    LeftParen,
    RightParen,
    Equals,
    Comma,
    Pipe,
    DoubleColon,
    Dollar,
    /// An operator outside the subset: arithmetic, comparisons other than `=`, `and`, `or`.
    Operator(String),
    /// A name as written (`ns:item`) and its local part (`item`).
    Name {
        written: String,
        local: String,
    },
    Literal(String),
    Number(String),
}

#[derive(Clone, Debug)]
struct Token {
    kind: TokenKind,
    /// Character offset of the token's first character.
    offset: usize,
}

fn tokenize(expression: &str) -> Result<Vec<Token>, XPathError> {
    let chars: Vec<char> = expression.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut index = 0;

    while let Some(&current) = chars.get(index) {
        if is_xpath_whitespace(current) {
            index += 1;
            continue;
        }
        let offset = index;
        let next = chars.get(index + 1).copied();
        let operator_expected = operator_expected(tokens.last());

        let kind = match current {
            '/' if next == Some('/') => {
                index += 2;
                TokenKind::DoubleSlash
            }
            '/' => {
                index += 1;
                TokenKind::Slash
            }
            '.' if next == Some('.') => {
                index += 2;
                TokenKind::DotDot
            }
            '.' if next.is_some_and(|c| c.is_ascii_digit()) => {
                let (number, end) = read_number(&chars, index);
                index = end;
                TokenKind::Number(number)
            }
            '.' => {
                index += 1;
                TokenKind::Dot
            }
            ':' if next == Some(':') => {
                index += 2;
                TokenKind::DoubleColon
            }
            '!' if next == Some('=') => {
                index += 2;
                TokenKind::Operator("!=".to_owned())
            }
            '<' | '>' if next == Some('=') => {
                index += 2;
                TokenKind::Operator(format!("{current}="))
            }
            '<' | '>' | '+' | '-' => {
                index += 1;
                TokenKind::Operator(current.to_string())
            }
            // XPath reads `*` as multiplication wherever an operator can follow, as in `a * b`.
            '*' if operator_expected => {
                index += 1;
                TokenKind::Operator("*".to_owned())
            }
            '*' => {
                index += 1;
                TokenKind::Star
            }
            '\'' | '"' => {
                let (literal, end) = read_literal(&chars, index, current)?;
                index = end;
                TokenKind::Literal(literal)
            }
            c if c.is_ascii_digit() => {
                let (number, end) = read_number(&chars, index);
                index = end;
                TokenKind::Number(number)
            }
            c if is_name_start(c) => {
                let (kind, end) = read_name(&chars, index, operator_expected);
                index = end;
                kind
            }
            _ => {
                index += 1;
                match current {
                    '@' => TokenKind::At,
                    '[' => TokenKind::LeftBracket,
                    ']' => TokenKind::RightBracket,
                    '(' => TokenKind::LeftParen,
                    ')' => TokenKind::RightParen,
                    '=' => TokenKind::Equals,
                    ',' => TokenKind::Comma,
                    '|' => TokenKind::Pipe,
                    '$' => TokenKind::Dollar,
                    other => {
                        return Err(XPathError::new(
                            offset,
                            format!("unexpected character `{other}` in XPath expression"),
                        ));
                    }
                }
            }
        };
        tokens.push(Token { kind, offset });
    }
    Ok(tokens)
}

/// Applies the XPath 1.0 disambiguation rule: after a token that can end an operand, `*` is
/// multiplication and `and`, `or`, `div` and `mod` are operators rather than element names.
fn operator_expected(previous: Option<&Token>) -> bool {
    match previous.map(|token| &token.kind) {
        None => false,
        Some(kind) => !matches!(
            kind,
            TokenKind::At
                | TokenKind::DoubleColon
                | TokenKind::LeftParen
                | TokenKind::LeftBracket
                | TokenKind::Comma
                | TokenKind::Operator(_)
                | TokenKind::Slash
                | TokenKind::DoubleSlash
                | TokenKind::Pipe
                | TokenKind::Equals
                | TokenKind::Dollar
        ),
    }
}

fn is_xpath_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

// Every non-ASCII character is accepted, a superset of the XML name characters, so that no
// valid element name is rejected. The ASCII rules are exactly those of XML names without `:`.
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || !c.is_ascii()
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || matches!(c, '-' | '.')
}

fn read_while(chars: &[char], start: usize, accept: impl Fn(char) -> bool) -> (String, usize) {
    let mut end = start;
    let mut text = String::new();
    while let Some(&c) = chars.get(end) {
        if !accept(c) {
            break;
        }
        text.push(c);
        end += 1;
    }
    (text, end)
}

fn read_number(chars: &[char], start: usize) -> (String, usize) {
    let (mut number, mut end) = read_while(chars, start, |c| c.is_ascii_digit());
    if chars.get(end) == Some(&'.') {
        let (fraction, fraction_end) = read_while(chars, end + 1, |c| c.is_ascii_digit());
        number.push('.');
        number.push_str(&fraction);
        end = fraction_end;
    }
    (number, end)
}

fn read_literal(chars: &[char], start: usize, quote: char) -> Result<(String, usize), XPathError> {
    let (literal, end) = read_while(chars, start + 1, |c| c != quote);
    if chars.get(end) != Some(&quote) {
        return Err(XPathError::new(
            start,
            format!("string literal is missing its closing quote {quote}"),
        ));
    }
    Ok((literal, end + 1))
}

/// Reads a name, with an optional `prefix:` that namespace-blind matching drops.
fn read_name(chars: &[char], start: usize, operator_expected: bool) -> (TokenKind, usize) {
    let (first, mut end) = read_while(chars, start, is_name_char);

    if operator_expected && matches!(first.as_str(), "and" | "or" | "div" | "mod") {
        return (TokenKind::Operator(first), end);
    }

    let mut written = first.clone();
    let mut local = first;
    // A single `:` joins a prefix and a local name, while `::` follows an axis name.
    let after_colon = chars.get(end + 1).copied();
    if chars.get(end) == Some(&':') && after_colon != Some(':') {
        match after_colon {
            Some('*') => return (TokenKind::Star, end + 2),
            Some(c) if is_name_start(c) => {
                let (second, second_end) = read_while(chars, end + 1, is_name_char);
                written.push(':');
                written.push_str(&second);
                local = second;
                end = second_end;
            }
            _ => {}
        }
    }
    (TokenKind::Name { written, local }, end)
}

fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Slash => "`/`".to_owned(),
        TokenKind::DoubleSlash => "`//`".to_owned(),
        TokenKind::Dot => "`.`".to_owned(),
        TokenKind::DotDot => "`..`".to_owned(),
        TokenKind::At => "`@`".to_owned(),
        TokenKind::Star => "`*`".to_owned(),
        TokenKind::LeftBracket => "`[`".to_owned(),
        TokenKind::RightBracket => "`]`".to_owned(),
        TokenKind::LeftParen => "`(`".to_owned(),
        TokenKind::RightParen => "`)`".to_owned(),
        TokenKind::Equals => "`=`".to_owned(),
        TokenKind::Comma => "`,`".to_owned(),
        TokenKind::Pipe => "`|`".to_owned(),
        TokenKind::DoubleColon => "`::`".to_owned(),
        TokenKind::Dollar => "`$`".to_owned(),
        TokenKind::Operator(operator) => format!("`{operator}`"),
        TokenKind::Name { written, .. } => format!("`{written}`"),
        TokenKind::Literal(literal) => format!("string literal `{literal}`"),
        TokenKind::Number(number) => format!("number `{number}`"),
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser<'t> {
    tokens: &'t [Token],
    /// Index of the next unread token.
    next: usize,
    /// Character length of the expression, reported for errors at its end.
    end_offset: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn peek_second(&self) -> Option<&TokenKind> {
        self.tokens.get(self.next + 1).map(|token| &token.kind)
    }

    fn advance(&mut self) {
        self.next += 1;
    }

    fn parse_path(&mut self) -> Result<Vec<Step>, XPathError> {
        let mut steps = Vec::new();
        let mut separator = "";
        match self.peek().map(|token| &token.kind) {
            None => {
                return Err(XPathError::new(
                    0,
                    "empty XPath expression: write a path such as `/root/child`",
                ));
            }
            Some(TokenKind::Slash) => {
                self.advance();
                if self.peek().is_none() {
                    return Ok(steps);
                }
                separator = "/";
            }
            Some(TokenKind::DoubleSlash) => {
                self.advance();
                steps.push(Step::DescendantOrSelf);
                separator = "//";
            }
            Some(_) => {}
        }

        loop {
            let step = self.parse_step(separator)?;
            let last_only = match &step {
                Step::Attribute(NameTest::Local(name)) => {
                    Some(format!("`@{name}` selects an attribute"))
                }
                Step::Attribute(NameTest::Any) => Some("`@*` selects attributes".to_owned()),
                Step::Text => Some("`text()` selects text nodes".to_owned()),
                _ => None,
            };
            steps.push(step);

            let Some(token) = self.peek() else {
                return Ok(steps);
            };
            match (&token.kind, last_only) {
                (TokenKind::Slash | TokenKind::DoubleSlash, Some(what)) => {
                    return Err(XPathError::new(
                        token.offset,
                        format!("{what}, so it must be the last step of the path"),
                    ));
                }
                (TokenKind::Slash, None) => {
                    self.advance();
                    separator = "/";
                }
                (TokenKind::DoubleSlash, None) => {
                    self.advance();
                    steps.push(Step::DescendantOrSelf);
                    separator = "//";
                }
                _ => return Err(unexpected_after_step(token)),
            }
        }
    }

    /// Parses one step. `separator` is the `/` or `//` before it, empty for the first step of a
    /// relative path.
    fn parse_step(&mut self, separator: &str) -> Result<Step, XPathError> {
        let Some(token) = self.peek().cloned() else {
            return Err(XPathError::new(
                self.end_offset,
                format!("expected a step after `{separator}`"),
            ));
        };

        match &token.kind {
            TokenKind::Dot => {
                self.advance();
                Ok(Step::SelfNode)
            }
            TokenKind::DotDot => {
                self.advance();
                Ok(Step::Parent)
            }
            TokenKind::At => {
                self.advance();
                let test = self.parse_attribute_name()?;
                Ok(Step::Attribute(test))
            }
            TokenKind::Star => {
                self.advance();
                let predicates = self.parse_predicates()?;
                Ok(Step::Child {
                    test: NameTest::Any,
                    predicates,
                })
            }
            TokenKind::Name { written, local } => match self.peek_second() {
                Some(TokenKind::LeftParen) => self.parse_function_step(written, local, &token),
                Some(TokenKind::DoubleColon) => Err(unsupported_axis(written, token.offset)),
                _ => {
                    self.advance();
                    let predicates = self.parse_predicates()?;
                    Ok(Step::Child {
                        test: NameTest::Local(local.clone()),
                        predicates,
                    })
                }
            },
            TokenKind::LeftParen => Err(XPathError::new(
                token.offset,
                "parenthesized expressions are not supported: write a plain path such as `/a/b[1]`",
            )),
            TokenKind::Dollar => Err(XPathError::new(
                token.offset,
                "XPath variables (`$name`) are not supported",
            )),
            TokenKind::Literal(_) | TokenKind::Number(_) => Err(XPathError::new(
                token.offset,
                format!(
                    "expected a location path, found {}: write a path such as `/root/child`",
                    describe(&token.kind)
                ),
            )),
            other => {
                let after = if separator.is_empty() {
                    String::new()
                } else {
                    format!(" after `{separator}`")
                };
                Err(XPathError::new(
                    token.offset,
                    format!("expected a step{after}, found {}", describe(other)),
                ))
            }
        }
    }

    /// Parses the name after `@`, which must not be a function call or an axis.
    fn parse_attribute_name(&mut self) -> Result<NameTest, XPathError> {
        let token = self.peek().cloned();
        let test = match token.as_ref().map(|token| &token.kind) {
            Some(TokenKind::Star) => NameTest::Any,
            Some(TokenKind::Name { local, .. })
                if !matches!(
                    self.peek_second(),
                    Some(TokenKind::LeftParen | TokenKind::DoubleColon)
                ) =>
            {
                NameTest::Local(local.clone())
            }
            Some(other) => {
                let offset = token.as_ref().map_or(self.end_offset, |token| token.offset);
                return Err(XPathError::new(
                    offset,
                    format!(
                        "expected an attribute name after `@`, found {}",
                        describe(other)
                    ),
                ));
            }
            None => {
                return Err(XPathError::new(
                    self.end_offset,
                    "expected an attribute name after `@`",
                ));
            }
        };
        self.advance();
        Ok(test)
    }

    /// Parses `name()` in step position, where only `text()` is supported.
    fn parse_function_step(
        &mut self,
        written: &str,
        local: &str,
        token: &Token,
    ) -> Result<Step, XPathError> {
        match local {
            "text" => {
                self.parse_empty_arguments(written)?;
                Ok(Step::Text)
            }
            "last" => Err(XPathError::new(
                token.offset,
                "`last()` is only supported inside a predicate, as in `item[last()]`",
            )),
            _ => Err(unsupported_function(written, local, token.offset)),
        }
    }

    /// Consumes the `()` after a function name, rejecting any argument.
    fn parse_empty_arguments(&mut self, written: &str) -> Result<(), XPathError> {
        // The caller has seen the name followed by `(`.
        self.advance();
        self.advance();
        match self.peek() {
            Some(Token {
                kind: TokenKind::RightParen,
                ..
            }) => {
                self.advance();
                Ok(())
            }
            Some(token) => Err(XPathError::new(
                token.offset,
                format!(
                    "`{written}()` takes no arguments: expected `)`, found {}",
                    describe(&token.kind)
                ),
            )),
            None => Err(XPathError::new(
                self.end_offset,
                format!("`{written}(` is missing its closing `)`"),
            )),
        }
    }

    fn parse_predicates(&mut self) -> Result<Vec<Predicate>, XPathError> {
        let mut predicates = Vec::new();
        while let Some(open) = self.peek() {
            if open.kind != TokenKind::LeftBracket {
                break;
            }
            let open_offset = open.offset;
            self.advance();

            predicates.push(self.parse_predicate(open_offset)?);

            match self.peek() {
                Some(Token {
                    kind: TokenKind::RightBracket,
                    ..
                }) => self.advance(),
                Some(token) => return Err(unexpected_in_predicate(token)),
                None => return Err(missing_right_bracket(open_offset)),
            }
        }
        Ok(predicates)
    }

    /// Parses the condition between `[` and `]`.
    fn parse_predicate(&mut self, open_offset: usize) -> Result<Predicate, XPathError> {
        let Some(token) = self.peek().cloned() else {
            return Err(missing_right_bracket(open_offset));
        };

        match &token.kind {
            TokenKind::Number(number) => {
                self.advance();
                parse_position(number, token.offset).map(Predicate::Position)
            }
            TokenKind::At => {
                self.advance();
                let test = self.parse_attribute_name()?;
                let condition = match self.parse_comparison_value()? {
                    Some(value) => Condition::AttributeEquals(test, value),
                    None => Condition::HasAttribute(test),
                };
                Ok(Predicate::Condition(condition))
            }
            TokenKind::Star => {
                self.advance();
                Ok(Predicate::Condition(self.child_condition(NameTest::Any)?))
            }
            TokenKind::Name { written, local } => match self.peek_second() {
                Some(TokenKind::LeftParen) => self.parse_function_predicate(written, local, &token),
                Some(TokenKind::DoubleColon) => Err(unsupported_axis(written, token.offset)),
                _ => {
                    self.advance();
                    let test = NameTest::Local(local.clone());
                    Ok(Predicate::Condition(self.child_condition(test)?))
                }
            },
            TokenKind::Dot => {
                self.advance();
                match self.parse_comparison_value()? {
                    Some(value) => Ok(Predicate::Condition(Condition::SelfEquals(value))),
                    None => Err(XPathError::new(
                        token.offset,
                        "`[.]` needs a comparison, as in `[.='x']`",
                    )),
                }
            }
            TokenKind::RightBracket => Err(XPathError::new(token.offset, "empty predicate `[]`")),
            TokenKind::Literal(_) => Err(XPathError::new(
                token.offset,
                "a predicate must start with `@name`, a child name, `text()` or `.`, as in \
                 `[@id='x']`, not with a string literal",
            )),
            TokenKind::LeftParen => Err(XPathError::new(
                token.offset,
                "parenthesized expressions are not supported",
            )),
            TokenKind::Dollar => Err(XPathError::new(
                token.offset,
                "XPath variables (`$name`) are not supported",
            )),
            TokenKind::Operator(operator) => Err(unsupported_operator(operator, token.offset)),
            other => Err(XPathError::new(
                token.offset,
                format!(
                    "unsupported predicate starting with {}: supported predicates are a position \
                     such as `[1]`, `[last()]`, `[@name]`, `[@name='x']`, `[child]`, \
                     `[child='x']`, `[text()='x']` and `[.='x']`",
                    describe(other)
                ),
            )),
        }
    }

    fn child_condition(&mut self, test: NameTest) -> Result<Condition, XPathError> {
        Ok(match self.parse_comparison_value()? {
            Some(value) => Condition::ChildEquals(test, value),
            None => Condition::HasChild(test),
        })
    }

    /// Parses `name()` in a predicate, where `last()` and `text()` are supported.
    fn parse_function_predicate(
        &mut self,
        written: &str,
        local: &str,
        token: &Token,
    ) -> Result<Predicate, XPathError> {
        match local {
            "last" => {
                self.parse_empty_arguments(written)?;
                Ok(Predicate::Last)
            }
            "text" => {
                self.parse_empty_arguments(written)?;
                let condition = match self.parse_comparison_value()? {
                    Some(value) => Condition::TextEquals(value),
                    None => Condition::HasText,
                };
                Ok(Predicate::Condition(condition))
            }
            _ => Err(unsupported_function(written, local, token.offset)),
        }
    }

    /// Parses an optional `= 'value'`, returning `None` when no `=` follows.
    fn parse_comparison_value(&mut self) -> Result<Option<String>, XPathError> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Equals,
                ..
            }) => self.advance(),
            _ => return Ok(None),
        }

        let Some(token) = self.peek() else {
            return Err(XPathError::new(
                self.end_offset,
                "expected a quoted string after `=`",
            ));
        };
        match &token.kind {
            TokenKind::Literal(value) => {
                let value = value.clone();
                self.advance();
                Ok(Some(value))
            }
            TokenKind::Number(number) => Err(XPathError::new(
                token.offset,
                format!(
                    "numeric comparison is not supported: compare with a quoted string, as in \
                     `'{number}'`"
                ),
            )),
            other => Err(XPathError::new(
                token.offset,
                format!(
                    "expected a quoted string after `=`, found {}: only comparisons with a \
                     string literal are supported",
                    describe(other)
                ),
            )),
        }
    }
}

fn parse_position(number: &str, offset: usize) -> Result<usize, XPathError> {
    if number.contains('.') {
        return Err(XPathError::new(
            offset,
            format!("position `{number}` must be a whole number"),
        ));
    }
    match number.parse::<usize>() {
        Ok(0) => Err(XPathError::new(
            offset,
            "positions count from 1, so `[0]` would never match: write `[1]` for the first",
        )),
        Ok(position) => Ok(position),
        Err(_) => Err(XPathError::new(
            offset,
            format!("position `{number}` is too large"),
        )),
    }
}

fn missing_right_bracket(open_offset: usize) -> XPathError {
    XPathError::new(open_offset, "predicate `[` is missing its closing `]`")
}

fn unsupported_function(written: &str, local: &str, offset: usize) -> XPathError {
    let advice = match local {
        "count" => "use the matcher's `count` option instead",
        "position" => "write the position as a number, as in `[2]`",
        "node" | "comment" | "processing-instruction" => {
            return XPathError::new(
                offset,
                format!(
                    "unsupported node test `{written}()`: supported node tests are element \
                     names, `*` and `text()`"
                ),
            );
        }
        _ => "only `text()` and `last()` are supported",
    };
    XPathError::new(
        offset,
        format!("unsupported XPath function `{written}()`: {advice}"),
    )
}

fn unsupported_axis(axis: &str, offset: usize) -> XPathError {
    let advice = match axis {
        "child" => "write the element name alone, as in `a/b`",
        "attribute" => "write `@name`",
        "self" => "write `.`",
        "parent" => "write `..`",
        "descendant" | "descendant-or-self" => "write `//`, as in `/a//b`",
        _ => "supported steps are element names, `*`, `//`, `.`, `..`, `@name` and `text()`",
    };
    XPathError::new(
        offset,
        format!("unsupported XPath axis `{axis}::`: {advice}"),
    )
}

fn unsupported_operator(operator: &str, offset: usize) -> XPathError {
    let advice = match operator {
        "and" => "write one predicate per condition, as in `[@a='1'][@b='2']`",
        "or" => "use a separate expression for each alternative",
        "!=" | "<" | "<=" | ">" | ">=" => "only `=` is supported",
        _ => "arithmetic is not supported",
    };
    XPathError::new(
        offset,
        format!("unsupported operator `{operator}`: {advice}"),
    )
}

fn unexpected_after_step(token: &Token) -> XPathError {
    match &token.kind {
        TokenKind::Pipe => XPathError::new(
            token.offset,
            "unions (`|`) are not supported: use a separate expression for each path",
        ),
        TokenKind::Operator(operator) => unsupported_operator(operator, token.offset),
        TokenKind::Equals => XPathError::new(
            token.offset,
            "comparisons are only supported inside a predicate, as in `a[b='x']`",
        ),
        TokenKind::LeftBracket => XPathError::new(
            token.offset,
            "predicates are only supported after an element name or `*`",
        ),
        other => XPathError::new(
            token.offset,
            format!(
                "expected `/`, `//` or the end of the expression, found {}",
                describe(other)
            ),
        ),
    }
}

fn unexpected_in_predicate(token: &Token) -> XPathError {
    match &token.kind {
        TokenKind::Operator(operator) => unsupported_operator(operator, token.offset),
        TokenKind::Slash | TokenKind::DoubleSlash => XPathError::new(
            token.offset,
            "paths inside predicates are not supported: compare a direct child, as in \
             `[name='x']`",
        ),
        TokenKind::LeftBracket => {
            XPathError::new(token.offset, "nested predicates are not supported")
        }
        TokenKind::Pipe => XPathError::new(token.offset, "unions (`|`) are not supported"),
        other => XPathError::new(
            token.offset,
            format!("expected `]`, found {}", describe(other)),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Document tree

/// A parsed XML document (element tree), built once per response body and shared by all xpath
/// matchers of a check.
#[derive(Clone, Debug)]
pub struct XmlDocument {
    /// All nodes in document order, so a node's descendants are the nodes that follow it up to
    /// its `subtree_end`. Index 0 is the document node.
    nodes: Vec<Node>,
}

type NodeId = usize;

const DOCUMENT: NodeId = 0;

#[derive(Clone, Debug)]
struct Node {
    parent: Option<NodeId>,
    children: Vec<NodeId>,
    /// One past the last descendant.
    subtree_end: NodeId,
    kind: NodeKind,
}

#[derive(Clone, Debug)]
enum NodeKind {
    Document,
    Element {
        local_name: String,
        attributes: Vec<Attribute>,
    },
    Text(String),
}

#[derive(Clone, Debug)]
struct Attribute {
    local_name: String,
    value: String,
}

/// A body that is not well-formed XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid XML at byte {position}: {message}")]
pub struct XmlError {
    /// Description of the problem.
    pub message: String,
    /// Byte offset in the body where the problem was found.
    pub position: usize,
}

impl XmlError {
    fn new(position: usize, message: impl Into<String>) -> XmlError {
        XmlError {
            message: message.into(),
            position,
        }
    }
}

impl XmlDocument {
    /// Parses an XML body into a tree.
    pub fn parse(text: &str) -> Result<XmlDocument, XmlError> {
        let mut reader = Reader::from_str(text);
        let mut builder = TreeBuilder::new();
        // quick-xml skips a leading byte order mark without counting it in its positions.
        let bom_length = if text.starts_with('\u{FEFF}') {
            '\u{FEFF}'.len_utf8()
        } else {
            0
        };

        loop {
            let event_position = to_usize(reader.buffer_position()).saturating_add(bom_length);
            let event = reader.read_event().map_err(|error| {
                let position = to_usize(reader.error_position()).saturating_add(bom_length);
                XmlError::new(position, error.to_string())
            })?;

            match event {
                Event::Start(start) => builder.open_element(&start, event_position, false)?,
                Event::Empty(start) => builder.open_element(&start, event_position, true)?,
                Event::End(_) => builder.close_element(event_position)?,
                Event::Text(text) => {
                    let content = text
                        .xml_content(builder.version)
                        .map_err(|error| XmlError::new(event_position, error.to_string()))?;
                    builder.add_text(&content, event_position, false)?;
                }
                Event::CData(cdata) => {
                    let content = cdata
                        .xml_content(builder.version)
                        .map_err(|error| XmlError::new(event_position, error.to_string()))?;
                    builder.add_text(&content, event_position, true)?;
                }
                Event::GeneralRef(reference) => {
                    let content = expand_reference(&reference, event_position)?;
                    builder.add_text(&content, event_position, true)?;
                }
                Event::Decl(declaration) => builder.set_version(&declaration, event_position)?,
                // A DOCTYPE is skipped whole, so no external entity is ever fetched.
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => return builder.finish(text.len()),
            }
        }
    }

    fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    fn children(&self, id: NodeId) -> &[NodeId] {
        self.node(id).map_or(&[], |node| node.children.as_slice())
    }

    fn subtree_end(&self, id: NodeId) -> NodeId {
        self.node(id).map_or(id, |node| node.subtree_end)
    }

    fn element_name(&self, id: NodeId) -> Option<&str> {
        match &self.node(id)?.kind {
            NodeKind::Element { local_name, .. } => Some(local_name),
            _ => None,
        }
    }

    fn attributes(&self, id: NodeId) -> &[Attribute] {
        match self.node(id).map(|node| &node.kind) {
            Some(NodeKind::Element { attributes, .. }) => attributes,
            _ => &[],
        }
    }

    fn text(&self, id: NodeId) -> Option<&str> {
        match &self.node(id)?.kind {
            NodeKind::Text(text) => Some(text),
            _ => None,
        }
    }

    fn child_elements<'d>(
        &'d self,
        id: NodeId,
        test: &'d NameTest,
    ) -> impl Iterator<Item = NodeId> + 'd {
        self.children(id).iter().copied().filter(move |&child| {
            self.element_name(child)
                .is_some_and(|name| test.matches(name))
        })
    }

    /// Returns the text node children that contain more than whitespace, which is what the
    /// `text()` step selects.
    fn child_texts(&self, id: NodeId) -> impl Iterator<Item = (NodeId, &str)> {
        self.children(id).iter().filter_map(|&child| {
            let text = self.text(child)?;
            (!is_whitespace_only(text)).then_some((child, text))
        })
    }

    /// Returns the text nodes among the descendants of `id`, in document order.
    fn descendant_texts(&self, id: NodeId) -> impl Iterator<Item = &str> {
        let end = self.subtree_end(id);
        let descendants = self.nodes.get(id + 1..end).unwrap_or(&[]);
        descendants.iter().filter_map(|node| match &node.kind {
            NodeKind::Text(text) => Some(text.as_str()),
            _ => None,
        })
    }

    fn string_value(&self, id: NodeId) -> String {
        match self.text(id) {
            Some(text) => text.to_owned(),
            None => self.descendant_texts(id).collect(),
        }
    }

    /// Compares the string value with `expected` without building it, stopping at the first
    /// difference, because predicates run this for every candidate.
    fn string_value_equals(&self, id: NodeId, expected: &str) -> bool {
        if let Some(text) = self.text(id) {
            return text == expected;
        }
        let mut rest = expected;
        for text in self.descendant_texts(id) {
            match rest.strip_prefix(text) {
                Some(remaining) => rest = remaining,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// Applies one node step to a context that is sorted in document order and has no
    /// duplicates, and returns a context with the same properties.
    fn apply_step(&self, context: &[NodeId], step: &Step) -> Vec<NodeId> {
        let mut selected: Vec<NodeId> = match step {
            Step::DescendantOrSelf => return self.descendants_or_self(context),
            Step::SelfNode => return context.to_vec(),
            Step::Parent => context
                .iter()
                .filter_map(|&id| self.node(id)?.parent)
                .collect(),
            Step::Child { test, predicates } => context
                .iter()
                .flat_map(|&id| self.select_children(id, test, predicates))
                .collect(),
            Step::Text => context
                .iter()
                .flat_map(|&id| self.child_texts(id).map(|(child, _)| child))
                .collect(),
            Step::Attribute(_) => Vec::new(),
        };
        // A context node can be a descendant of another one, so the results of later context
        // nodes can come earlier in the document.
        selected.sort_unstable();
        selected.dedup();
        selected
    }

    fn descendants_or_self(&self, context: &[NodeId]) -> Vec<NodeId> {
        let mut selected = Vec::new();
        let mut covered_end = 0;
        for &id in context {
            // Subtrees are nested or disjoint, so a node inside the previous subtree adds
            // nothing new. Skipping it keeps `//a//b` linear in the document size.
            if id < covered_end {
                continue;
            }
            let end = self.subtree_end(id);
            selected.extend(id..end);
            covered_end = end;
        }
        selected
    }

    fn select_children(
        &self,
        parent: NodeId,
        test: &NameTest,
        predicates: &[Predicate],
    ) -> Vec<NodeId> {
        let mut candidates: Vec<NodeId> = self.child_elements(parent, test).collect();
        for predicate in predicates {
            candidates = match predicate {
                Predicate::Position(position) => position
                    .checked_sub(1)
                    .and_then(|index| candidates.get(index))
                    .copied()
                    .into_iter()
                    .collect(),
                Predicate::Last => candidates.last().copied().into_iter().collect(),
                Predicate::Condition(condition) => candidates
                    .into_iter()
                    .filter(|&candidate| self.satisfies(candidate, condition))
                    .collect(),
            };
        }
        candidates
    }

    fn satisfies(&self, id: NodeId, condition: &Condition) -> bool {
        match condition {
            Condition::HasAttribute(test) => self
                .attributes(id)
                .iter()
                .any(|attribute| test.matches(&attribute.local_name)),
            Condition::AttributeEquals(test, value) => self
                .attributes(id)
                .iter()
                .any(|attribute| test.matches(&attribute.local_name) && attribute.value == *value),
            Condition::HasChild(test) => self.child_elements(id, test).next().is_some(),
            Condition::ChildEquals(test, value) => self
                .child_elements(id, test)
                .any(|child| self.string_value_equals(child, value)),
            Condition::HasText => self.child_texts(id).next().is_some(),
            Condition::TextEquals(value) => self.child_texts(id).any(|(_, text)| text == value),
            Condition::SelfEquals(value) => self.string_value_equals(id, value),
        }
    }

    fn attribute_values(&self, context: &[NodeId], test: &NameTest) -> Vec<String> {
        context
            .iter()
            .flat_map(|&id| self.attributes(id))
            .filter(|attribute| test.matches(&attribute.local_name))
            .map(|attribute| attribute.value.clone())
            .collect()
    }
}

fn is_whitespace_only(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

fn to_usize(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

fn expand_reference(reference: &BytesRef<'_>, position: usize) -> Result<String, XmlError> {
    let invalid = |message: String| XmlError::new(position, message);

    if let Some(character) = reference
        .resolve_char_ref()
        .map_err(|error| invalid(error.to_string()))?
    {
        return Ok(character.to_string());
    }

    let name = reference
        .decode()
        .map_err(|error| invalid(error.to_string()))?;
    match resolve_xml_entity(&name) {
        Some(replacement) => Ok(replacement.to_owned()),
        None => Err(invalid(undefined_entity_message(&name, ""))),
    }
}

/// Describes a reference to an entity other than the five predefined ones. `location` is empty
/// or names where the reference is, such as " in attribute `b`".
fn undefined_entity_message(name: &str, location: &str) -> String {
    format!(
        "undefined entity `&{name};`{location}: only `&lt;`, `&gt;`, `&amp;`, `&apos;`, `&quot;` \
         and character references are expanded, not entities declared in a DOCTYPE"
    )
}

/// Converts an attribute syntax error, whose positions count from the byte after the tag's `<`,
/// into an error with a position in the body.
fn attribute_syntax_error(
    error: &AttrError,
    start: &BytesStart<'_>,
    tag_position: usize,
) -> XmlError {
    let (relative, message) = match error {
        AttrError::ExpectedEq(at) => (*at, "attribute name must be followed by `=`".to_owned()),
        AttrError::ExpectedValue(at) => (*at, "attribute has no value".to_owned()),
        AttrError::UnquotedValue(at) => (
            *at,
            "attribute value must be quoted with `\"` or `'`".to_owned(),
        ),
        AttrError::ExpectedQuote(at, _) => (
            *at,
            "attribute value is missing its closing quote".to_owned(),
        ),
        AttrError::Duplicated(at, _) => {
            // The tag content starts with the element name, so `at` indexes the repeated key.
            let tag: &[u8] = start;
            let key: Vec<u8> = tag
                .get(*at..)
                .unwrap_or_default()
                .iter()
                .copied()
                .take_while(|&byte| byte != b'=' && !byte.is_ascii_whitespace())
                .collect();
            let name = String::from_utf8_lossy(&key);
            (*at, format!("duplicate attribute `{name}`"))
        }
    };
    let position = tag_position.saturating_add(1).saturating_add(relative);
    XmlError::new(position, message)
}

/// Accumulates nodes from parser events and checks what quick-xml leaves to its caller: one
/// root element, no text outside it, and every element closed.
struct TreeBuilder {
    nodes: Vec<Node>,
    open: Vec<OpenElement>,
    /// Qualified name of the root element once it has been opened.
    root_name: Option<String>,
    version: XmlVersion,
}

struct OpenElement {
    id: NodeId,
    qualified_name: String,
    position: usize,
}

impl TreeBuilder {
    fn new() -> TreeBuilder {
        let document = Node {
            parent: None,
            children: Vec::new(),
            subtree_end: 1,
            kind: NodeKind::Document,
        };
        TreeBuilder {
            nodes: vec![document],
            open: Vec::new(),
            root_name: None,
            version: XmlVersion::Implicit1_0,
        }
    }

    /// Takes the XML version from the declaration, which decides how line ends and attribute
    /// values are normalized.
    fn set_version(
        &mut self,
        declaration: &BytesDecl<'_>,
        position: usize,
    ) -> Result<(), XmlError> {
        // quick-xml reports `<?xml ...?>` wherever it appears, so a misplaced one is caught here.
        if self.root_name.is_some() {
            return Err(XmlError::new(
                position,
                "XML declaration `<?xml ...?>` is only allowed at the start of the document",
            ));
        }
        self.version = declaration
            .xml_version()
            .map_err(|error| XmlError::new(position, error.to_string()))?;
        Ok(())
    }

    fn parent_id(&self) -> NodeId {
        self.open.last().map_or(DOCUMENT, |element| element.id)
    }

    fn push_node(&mut self, kind: NodeKind) -> NodeId {
        let id = self.nodes.len();
        let parent = self.parent_id();
        self.nodes.push(Node {
            parent: Some(parent),
            children: Vec::new(),
            subtree_end: id + 1,
            kind,
        });
        if let Some(parent) = self.nodes.get_mut(parent) {
            parent.children.push(id);
        }
        id
    }

    fn open_element(
        &mut self,
        start: &BytesStart<'_>,
        position: usize,
        is_empty: bool,
    ) -> Result<(), XmlError> {
        let qualified_name = decode_name(start.name().as_ref(), position)?;
        if self.open.is_empty()
            && let Some(root_name) = &self.root_name
        {
            return Err(XmlError::new(
                position,
                format!(
                    "more than one root element: `<{qualified_name}>` follows the root element \
                     `<{root_name}>`"
                ),
            ));
        }

        let local_name = decode_name(start.local_name().as_ref(), position)?;
        let attributes = self.read_attributes(start, position)?;
        let id = self.push_node(NodeKind::Element {
            local_name,
            attributes,
        });

        if self.root_name.is_none() {
            self.root_name = Some(qualified_name.clone());
        }
        if !is_empty {
            self.open.push(OpenElement {
                id,
                qualified_name,
                position,
            });
        }
        Ok(())
    }

    fn read_attributes(
        &self,
        start: &BytesStart<'_>,
        position: usize,
    ) -> Result<Vec<Attribute>, XmlError> {
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute =
                attribute.map_err(|error| attribute_syntax_error(&error, start, position))?;
            // Namespace declarations are not attributes in the XPath data model.
            if attribute.key.as_namespace_binding().is_some() {
                continue;
            }
            let local_name = decode_name(attribute.key.local_name().as_ref(), position)?;
            let value = attribute
                .normalized_value_with(self.version, 1, resolve_xml_entity)
                .map_err(|error| {
                    let location = format!(" in attribute `{local_name}`");
                    let message = match error {
                        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                            undefined_entity_message(&name, &location)
                        }
                        quick_xml::Error::Escape(EscapeError::UnterminatedEntity(_)) => format!(
                            "`&` without a closing `;`{location}: write a literal `&` as `&amp;`"
                        ),
                        other => format!("invalid value{location}: {other}"),
                    };
                    XmlError::new(position, message)
                })?;
            attributes.push(Attribute {
                local_name,
                value: value.into_owned(),
            });
        }
        Ok(attributes)
    }

    fn close_element(&mut self, position: usize) -> Result<(), XmlError> {
        // quick-xml already rejects an end tag that does not match the open element.
        let Some(element) = self.open.pop() else {
            return Err(XmlError::new(
                position,
                "end tag does not match any open element",
            ));
        };
        let end = self.nodes.len();
        if let Some(node) = self.nodes.get_mut(element.id) {
            node.subtree_end = end;
        }
        Ok(())
    }

    /// Appends character data to the open element, joining it to a text node that directly
    /// precedes it so that adjacent text, references and CDATA form one text node.
    /// `is_markup` marks CDATA and references, which XML forbids outside the root element
    /// even when they expand to whitespace.
    fn add_text(&mut self, text: &str, position: usize, is_markup: bool) -> Result<(), XmlError> {
        if self.open.is_empty() {
            if is_markup || !is_whitespace_only(text) {
                return Err(XmlError::new(
                    position,
                    "text outside the root element: an XML document must have one root \
                     element containing all text",
                ));
            }
            return Ok(());
        }

        let parent = self.parent_id();
        let last_child = self
            .nodes
            .get(parent)
            .and_then(|node| node.children.last().copied());
        if let Some(node) = last_child.and_then(|id| self.nodes.get_mut(id))
            && let NodeKind::Text(existing) = &mut node.kind
        {
            existing.push_str(text);
            return Ok(());
        }
        self.push_node(NodeKind::Text(text.to_owned()));
        Ok(())
    }

    fn finish(mut self, text_length: usize) -> Result<XmlDocument, XmlError> {
        if let Some(element) = self.open.last() {
            return Err(XmlError::new(
                element.position,
                format!(
                    "element `<{}>` is not closed before the end of the document",
                    element.qualified_name
                ),
            ));
        }
        if self.root_name.is_none() {
            return Err(XmlError::new(text_length, "document has no root element"));
        }
        let end = self.nodes.len();
        if let Some(document) = self.nodes.get_mut(DOCUMENT) {
            document.subtree_end = end;
        }
        Ok(XmlDocument { nodes: self.nodes })
    }
}

fn decode_name(bytes: &[u8], position: usize) -> Result<String, XmlError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|error| XmlError::new(position, format!("invalid UTF-8 in name: {error}")))
}

#[cfg(test)]
#[expect(
    clippy::expect_used,
    reason = "a failed expect is the clearest failure message in a test"
)]
mod tests {
    use super::*;

    /// Error body of the ISE Monitoring (MnT) REST API, pretty-printed.
    const MNT_ERROR: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<mnt-rest-result>
  <http-code>500</http-code>
  <status>SERVER_ERROR</status>
  <internal-error-info>Session lookup failed</internal-error-info>
</mnt-rest-result>
"#;

    /// Active session returned by the ISE MnT session lookup by MAC address.
    const MNT_SESSION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sessionParameters>
  <passed xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:boolean">true</passed>
  <failed xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:boolean">false</failed>
  <user_name>alice</user_name>
  <calling_station_id>AA:BB:CC:00:11:22</calling_station_id>
  <nas_ip_address>192.0.2.10</nas_ip_address>
  <acs_server>ise-psn-01</acs_server>
  <other_attr_string>:!:AuthenticationIdentityStore=Internal Users</other_attr_string>
</sessionParameters>
"#;

    /// ERS search result with namespace prefixes, as ISE returns for profiler profiles.
    const ERS_SEARCH: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<ns3:searchResult xmlns:ns5="ers.ise.cisco.com" xmlns:ers-v2="ers-v2" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:ns3="v2.ers.ise.cisco.com" total="18">
  <ns3:resources>
    <ns5:resource description="Policy for Android SmartPhones" id="0c4b6270-8c00-11e6-996c-525400b48521" name="Android">
      <link rel="self" href="https://ise.example.com:9060/ers/config/profilerprofile/0c4b6270" type="application/xml"/>
    </ns5:resource>
    <ns5:resource id="0c6a9160-8c00-11e6-996c-525400b48521" name="Apple-Device">
      <link rel="self" href="https://ise.example.com:9060/ers/config/profilerprofile/0c6a9160" type="application/xml"/>
    </ns5:resource>
    <ns5:resource description="Generic Windows" id="0ccd6a20-8c00-11e6-996c-525400b48521" name="Windows">
      <link rel="self" href="https://ise.example.com:9060/ers/config/profilerprofile/0ccd6a20" type="application/xml"/>
    </ns5:resource>
  </ns3:resources>
  <ns3:nextPage rel="next" href="https://ise.example.com:9060/ers/config/profilerprofile?page=2" type="application/xml"/>
</ns3:searchResult>
"#;

    /// Endpoints with child elements, for child-text predicates.
    const ENDPOINTS: &str = "<endpoints>\
        <endpoint group='phones'><name>Android</name><mac>AA:00</mac></endpoint>\
        <endpoint><name>iPhone</name><mac>BB:00</mac></endpoint>\
        <endpoint group='phones'><name>Pixel</name><mac>CC:00</mac></endpoint>\
        <endpoint group='laptops'><name>ThinkPad</name><mac>DD:00</mac></endpoint>\
        </endpoints>";

    fn document(body: &str) -> XmlDocument {
        XmlDocument::parse(body).expect("test body should be well-formed XML")
    }

    fn select(expression: &str, body: &str) -> Vec<String> {
        XPath::parse(expression)
            .expect("test expression should parse")
            .select(&document(body))
    }

    fn xpath_error(expression: &str) -> XPathError {
        XPath::parse(expression).expect_err("expression should be rejected")
    }

    fn xml_error(body: &str) -> XmlError {
        XmlDocument::parse(body).expect_err("body should be rejected")
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|&value| value.to_owned()).collect()
    }

    // Paths on the MnT bodies.

    #[test]
    fn absolute_path_selects_child() {
        assert_eq!(
            select("/mnt-rest-result/status", MNT_ERROR),
            strings(&["SERVER_ERROR"])
        );
    }

    #[test]
    fn relative_path_starts_at_document() {
        assert_eq!(
            select("mnt-rest-result/http-code", MNT_ERROR),
            strings(&["500"])
        );
    }

    #[test]
    fn relative_path_not_descendant() {
        assert_eq!(select("status", MNT_ERROR), strings(&[]));
    }

    #[test]
    fn descendant_finds_any_depth() {
        assert_eq!(select("//status", MNT_ERROR), strings(&["SERVER_ERROR"]));
    }

    #[test]
    fn descendant_below_path() {
        assert_eq!(
            select("/sessionParameters//user_name", MNT_SESSION),
            strings(&["alice"])
        );
    }

    #[test]
    fn wildcard_selects_all_children() {
        assert_eq!(
            select("/mnt-rest-result/*", MNT_ERROR),
            strings(&["500", "SERVER_ERROR", "Session lookup failed"])
        );
    }

    #[test]
    fn missing_element_selects_nothing() {
        assert_eq!(select("/mnt-rest-result/missing", MNT_ERROR), strings(&[]));
    }

    #[test]
    fn wrong_root_selects_nothing() {
        assert_eq!(select("/sessionParameters/status", MNT_ERROR), strings(&[]));
    }

    #[test]
    fn dot_keeps_context() {
        assert_eq!(
            select("/mnt-rest-result/./status/.", MNT_ERROR),
            strings(&["SERVER_ERROR"])
        );
    }

    #[test]
    fn dot_dot_selects_parent() {
        assert_eq!(
            select("//user_name/../acs_server", MNT_SESSION),
            strings(&["ise-psn-01"])
        );
    }

    #[test]
    fn dot_dot_above_document_is_empty() {
        assert_eq!(select("/..", MNT_ERROR), strings(&[]));
    }

    #[test]
    fn root_slash_selects_document() {
        let values = select("/", "<a>x<b>y</b></a>");
        assert_eq!(values, strings(&["xy"]));
    }

    #[test]
    fn session_text_step() {
        assert_eq!(
            select("/sessionParameters/passed/text()", MNT_SESSION),
            strings(&["true"])
        );
    }

    #[test]
    fn session_value_with_colons() {
        assert_eq!(
            select("//calling_station_id", MNT_SESSION),
            strings(&["AA:BB:CC:00:11:22"])
        );
    }

    #[test]
    fn session_prefixed_attribute() {
        assert_eq!(
            select("//passed/@xsi:type", MNT_SESSION),
            strings(&["xs:boolean"])
        );
    }

    #[test]
    fn session_attribute_without_prefix() {
        assert_eq!(
            select("//failed/@type", MNT_SESSION),
            strings(&["xs:boolean"])
        );
    }

    #[test]
    fn session_xmlns_not_attributes() {
        assert_eq!(select("//passed/@*", MNT_SESSION), strings(&["xs:boolean"]));
    }

    #[test]
    fn session_child_predicate() {
        assert_eq!(
            select(
                "/sessionParameters[user_name='alice']/acs_server",
                MNT_SESSION
            ),
            strings(&["ise-psn-01"])
        );
    }

    // Element string value versus text().

    #[test]
    fn element_value_concatenates_descendants() {
        assert_eq!(select("/a", "<a>x<b>y</b>z</a>"), strings(&["xyz"]));
    }

    #[test]
    fn text_step_selects_own_text_nodes() {
        assert_eq!(
            select("/a/text()", "<a>x<b>y</b>z</a>"),
            strings(&["x", "z"])
        );
    }

    #[test]
    fn element_value_keeps_whitespace() {
        let values = select("/mnt-rest-result", MNT_ERROR);
        assert_eq!(
            values,
            strings(&["\n  500\n  SERVER_ERROR\n  Session lookup failed\n"])
        );
    }

    #[test]
    fn text_step_skips_whitespace_only() {
        assert_eq!(select("/mnt-rest-result/text()", MNT_ERROR), strings(&[]));
    }

    #[test]
    fn text_step_keeps_padded_text() {
        assert_eq!(select("/a/text()", "<a> x </a>"), strings(&[" x "]));
    }

    #[test]
    fn descendant_text_nodes() {
        assert_eq!(
            select("//text()", "<a>x<b>y</b><c> </c>z</a>"),
            strings(&["x", "y", "z"])
        );
    }

    #[test]
    fn empty_element_value_is_empty() {
        assert_eq!(select("/a/b", "<a><b/></a>"), strings(&[""]));
    }

    // Namespaced ERS body.

    #[test]
    fn ers_prefixed_path() {
        assert_eq!(
            select("/ns3:searchResult/@total", ERS_SEARCH),
            strings(&["18"])
        );
    }

    #[test]
    fn ers_unprefixed_path() {
        assert_eq!(select("/searchResult/@total", ERS_SEARCH), strings(&["18"]));
    }

    #[test]
    fn ers_other_prefix_ignored() {
        assert_eq!(
            select(
                "/x:searchResult/y:resources/z:resource[1]/@name",
                ERS_SEARCH
            ),
            strings(&["Android"])
        );
    }

    #[test]
    fn ers_all_names_in_order() {
        assert_eq!(
            select("//resource/@name", ERS_SEARCH),
            strings(&["Android", "Apple-Device", "Windows"])
        );
    }

    #[test]
    fn ers_attribute_equality() {
        assert_eq!(
            select("//ns5:resource[@name='Android']/@id", ERS_SEARCH),
            strings(&["0c4b6270-8c00-11e6-996c-525400b48521"])
        );
    }

    #[test]
    fn ers_double_quoted_literal() {
        assert_eq!(
            select(r#"//resource[@name="Windows"]/@id"#, ERS_SEARCH),
            strings(&["0ccd6a20-8c00-11e6-996c-525400b48521"])
        );
    }

    #[test]
    fn ers_position_first() {
        assert_eq!(
            select("//resource[1]/@name", ERS_SEARCH),
            strings(&["Android"])
        );
    }

    #[test]
    fn ers_position_second() {
        assert_eq!(
            select("//resource[2]/@name", ERS_SEARCH),
            strings(&["Apple-Device"])
        );
    }

    #[test]
    fn ers_position_last() {
        assert_eq!(
            select("//resource[last()]/@name", ERS_SEARCH),
            strings(&["Windows"])
        );
    }

    #[test]
    fn ers_position_beyond_end() {
        assert_eq!(select("//resource[4]/@name", ERS_SEARCH), strings(&[]));
    }

    #[test]
    fn ers_attribute_existence() {
        assert_eq!(
            select("//resource[@description]/@name", ERS_SEARCH),
            strings(&["Android", "Windows"])
        );
    }

    #[test]
    fn ers_predicates_in_sequence() {
        assert_eq!(
            select("//resource[@description][2]/@name", ERS_SEARCH),
            strings(&["Windows"])
        );
    }

    #[test]
    fn ers_predicate_order_matters() {
        assert_eq!(
            select("//resource[2][@description]/@name", ERS_SEARCH),
            strings(&[])
        );
    }

    #[test]
    fn ers_root_attributes_skip_xmlns() {
        assert_eq!(select("/searchResult/@*", ERS_SEARCH), strings(&["18"]));
    }

    #[test]
    fn ers_descendant_attributes() {
        assert_eq!(select("//nextPage/@rel", ERS_SEARCH), strings(&["next"]));
    }

    #[test]
    fn ers_prefixed_wildcard() {
        assert_eq!(
            select("/searchResult/ns3:*/ns5:*/@name", ERS_SEARCH),
            strings(&["Android", "Apple-Device", "Windows"])
        );
    }

    #[test]
    fn ers_descendant_after_path() {
        assert_eq!(
            select("/searchResult//link[@rel='self']/@type", ERS_SEARCH).len(),
            3
        );
    }

    #[test]
    fn default_namespace_ignored() {
        assert_eq!(
            select("/a/b", "<a xmlns='urn:example'><b>1</b></a>"),
            strings(&["1"])
        );
    }

    // Predicates on child elements and text.

    #[test]
    fn child_text_equality() {
        assert_eq!(
            select("//endpoint[name='Android']/mac", ENDPOINTS),
            strings(&["AA:00"])
        );
    }

    #[test]
    fn child_text_no_match() {
        assert_eq!(
            select("//endpoint[name='android']/mac", ENDPOINTS),
            strings(&[])
        );
    }

    #[test]
    fn child_existence() {
        assert_eq!(
            select("/a/b[c]", "<a><b>1<c/></b><b>2</b></a>"),
            strings(&["1"])
        );
    }

    #[test]
    fn any_child_existence() {
        assert_eq!(
            select("/a/b[*]", "<a><b>1</b><b>2<c/></b></a>"),
            strings(&["2"])
        );
    }

    #[test]
    fn text_equality_predicate() {
        assert_eq!(
            select("//status[text()='SERVER_ERROR']/../http-code", MNT_ERROR),
            strings(&["500"])
        );
    }

    #[test]
    fn text_existence_predicate() {
        assert_eq!(
            select(
                "/a/b[text()]/@n",
                "<a><b n='1'> </b><b n='2'>x</b><b n='3'/></a>"
            ),
            strings(&["2"])
        );
    }

    #[test]
    fn self_equality_predicate() {
        assert_eq!(
            select("//name[.='Pixel']/../mac", ENDPOINTS),
            strings(&["CC:00"])
        );
    }

    #[test]
    fn attribute_then_position() {
        assert_eq!(
            select("//endpoint[@group='phones'][2]/name", ENDPOINTS),
            strings(&["Pixel"])
        );
    }

    #[test]
    fn attribute_then_last() {
        assert_eq!(
            select("//endpoint[@group][last()]/name", ENDPOINTS),
            strings(&["ThinkPad"])
        );
    }

    #[test]
    fn any_attribute_existence() {
        assert_eq!(
            select("//endpoint[@*]/name", ENDPOINTS),
            strings(&["Android", "Pixel", "ThinkPad"])
        );
    }

    #[test]
    fn whitespace_between_tokens() {
        assert_eq!(
            select("// endpoint [ @group = 'laptops' ] / name", ENDPOINTS),
            strings(&["ThinkPad"])
        );
    }

    #[test]
    fn position_is_per_parent() {
        let body = "<r><g><i>1</i><i>2</i></g><g><i>3</i></g></r>";
        assert_eq!(select("//i[1]", body), strings(&["1", "3"]));
    }

    #[test]
    fn last_is_per_parent() {
        let body = "<r><g><i>1</i><i>2</i></g><g><i>3</i></g></r>";
        assert_eq!(select("//i[last()]", body), strings(&["2", "3"]));
    }

    #[test]
    fn nested_matches_in_document_order() {
        let body = "<a n='1'><a n='2'><b>x</b></a><b>y</b></a>";
        assert_eq!(select("//a/b", body), strings(&["x", "y"]));
    }

    #[test]
    fn nested_descendants_not_duplicated() {
        let body = "<a><a><b/></a></a>";
        assert_eq!(select("//a//b", body).len(), 1);
    }

    #[test]
    fn parents_deduplicated() {
        assert_eq!(select("//b/..", "<a><b/><b/></a>").len(), 1);
    }

    #[test]
    fn descendant_dot_includes_document() {
        assert_eq!(select("//.", "<a>x</a>"), strings(&["x", "x", "x"]));
    }

    #[test]
    fn as_str_returns_source() {
        let xpath = XPath::parse("//resource[@name='Android']").expect("valid expression");
        assert_eq!(xpath.as_str(), "//resource[@name='Android']");
    }

    #[test]
    fn display_is_message() {
        let error = xpath_error("/a|/b");
        assert_eq!(error.to_string(), error.message);
    }

    // Rejected expressions, each checked for its offset and its message.

    #[test]
    fn empty_expression_offset() {
        assert_eq!(xpath_error("").offset, 0);
    }

    #[test]
    fn blank_expression_offset() {
        assert_eq!(xpath_error("   ").offset, 0);
    }

    #[test]
    fn count_offset() {
        assert_eq!(xpath_error("count(//resource)").offset, 0);
    }

    #[test]
    fn count_message() {
        assert_eq!(
            xpath_error("count(//resource)").message,
            "unsupported XPath function `count()`: use the matcher's `count` option instead"
        );
    }

    #[test]
    fn contains_offset() {
        assert_eq!(xpath_error("//a[contains(@id, 'x')]").offset, 4);
    }

    #[test]
    fn contains_message() {
        assert!(
            xpath_error("//a[contains(@id, 'x')]")
                .message
                .contains("`contains()`")
        );
    }

    #[test]
    fn position_function_rejected() {
        assert_eq!(xpath_error("/a[position()=1]").offset, 3);
    }

    #[test]
    fn node_test_rejected() {
        assert!(xpath_error("/a/node()").message.contains("`node()`"));
    }

    #[test]
    fn last_as_step_rejected() {
        assert_eq!(xpath_error("/a/last()").offset, 3);
    }

    #[test]
    fn axis_offset() {
        assert_eq!(xpath_error("/a/following-sibling::b").offset, 3);
    }

    #[test]
    fn axis_message() {
        assert!(
            xpath_error("/a/following-sibling::b")
                .message
                .contains("`following-sibling::`")
        );
    }

    #[test]
    fn child_axis_rejected() {
        assert!(
            xpath_error("child::a")
                .message
                .contains("write the element name")
        );
    }

    #[test]
    fn union_offset() {
        assert_eq!(xpath_error("/a | /b").offset, 3);
    }

    #[test]
    fn union_message() {
        assert!(xpath_error("/a | /b").message.contains("`|`"));
    }

    #[test]
    fn not_equal_offset() {
        assert_eq!(xpath_error("/a[@id!='x']").offset, 6);
    }

    #[test]
    fn less_than_rejected() {
        assert_eq!(xpath_error("/a[b<'x']").offset, 4);
    }

    #[test]
    fn addition_offset() {
        assert_eq!(xpath_error("/a[1+1]").offset, 4);
    }

    #[test]
    fn last_minus_one_rejected() {
        assert_eq!(xpath_error("/a[last()-1]").offset, 9);
    }

    #[test]
    fn multiplication_rejected() {
        assert!(xpath_error("/a * 2").message.contains("arithmetic"));
    }

    #[test]
    fn and_offset() {
        assert_eq!(xpath_error("/a[b and c]").offset, 5);
    }

    #[test]
    fn and_message_suggests_predicates() {
        assert!(
            xpath_error("/a[b and c]")
                .message
                .contains("[@a='1'][@b='2']")
        );
    }

    #[test]
    fn or_rejected() {
        assert_eq!(xpath_error("/a[@x or @y]").offset, 6);
    }

    #[test]
    fn element_named_and_allowed() {
        assert_eq!(select("/and/or", "<and><or>1</or></and>"), strings(&["1"]));
    }

    #[test]
    fn variable_rejected() {
        assert_eq!(xpath_error("$path").offset, 0);
    }

    #[test]
    fn parentheses_rejected() {
        assert_eq!(xpath_error("(//a)[1]").offset, 0);
    }

    #[test]
    fn attribute_not_last_offset() {
        assert_eq!(xpath_error("/a/@id/b").offset, 6);
    }

    #[test]
    fn attribute_not_last_message() {
        assert_eq!(
            xpath_error("/a/@id/b").message,
            "`@id` selects an attribute, so it must be the last step of the path"
        );
    }

    #[test]
    fn text_not_last_offset() {
        assert_eq!(xpath_error("/a/text()/b").offset, 9);
    }

    #[test]
    fn predicate_on_attribute_rejected() {
        assert_eq!(xpath_error("/a/@id[1]").offset, 6);
    }

    #[test]
    fn predicate_on_dot_rejected() {
        assert_eq!(xpath_error("/a/.[1]").offset, 4);
    }

    #[test]
    fn unclosed_predicate_offset() {
        assert_eq!(xpath_error("/a[@id='x'").offset, 2);
    }

    #[test]
    fn unclosed_literal_offset() {
        assert_eq!(xpath_error("/a[@id='x]").offset, 7);
    }

    #[test]
    fn trailing_slash_offset() {
        assert_eq!(xpath_error("/a/").offset, 3);
    }

    #[test]
    fn trailing_double_slash_offset() {
        assert_eq!(xpath_error("/a//").offset, 4);
    }

    #[test]
    fn zero_position_rejected() {
        assert_eq!(xpath_error("/a[0]").offset, 3);
    }

    #[test]
    fn fractional_position_rejected() {
        assert_eq!(xpath_error("/a[1.5]").offset, 3);
    }

    #[test]
    fn huge_position_rejected() {
        assert!(
            xpath_error("/a[99999999999999999999999]")
                .message
                .contains("too large")
        );
    }

    #[test]
    fn numeric_comparison_rejected() {
        assert_eq!(xpath_error("/a[b=1]").offset, 5);
    }

    #[test]
    fn path_comparison_rejected() {
        assert_eq!(xpath_error("/a[b=c]").offset, 5);
    }

    #[test]
    fn path_in_predicate_rejected() {
        assert_eq!(xpath_error("/a[b/c='x']").offset, 4);
    }

    #[test]
    fn nested_predicate_rejected() {
        assert_eq!(xpath_error("/a[b[1]]").offset, 4);
    }

    #[test]
    fn empty_predicate_rejected() {
        assert_eq!(xpath_error("/a[]").offset, 3);
    }

    #[test]
    fn text_with_argument_rejected() {
        assert_eq!(xpath_error("/a/text(1)").offset, 8);
    }

    #[test]
    fn text_unclosed_rejected() {
        assert_eq!(xpath_error("/a[text(]").offset, 8);
    }

    #[test]
    fn unknown_character_offset() {
        assert_eq!(xpath_error("/a#").offset, 2);
    }

    #[test]
    fn offset_counts_characters() {
        assert_eq!(xpath_error("/é[@x!='y']").offset, 5);
    }

    #[test]
    fn comparison_outside_predicate() {
        assert_eq!(xpath_error("/a='x'").offset, 2);
    }

    #[test]
    fn literal_path_rejected() {
        assert_eq!(xpath_error("'a'").offset, 0);
    }

    #[test]
    fn missing_attribute_name() {
        assert_eq!(xpath_error("/a/@").offset, 4);
    }

    // XML parsing.

    #[test]
    fn predefined_entities_expanded() {
        assert_eq!(
            select("/a", "<a>&lt;&gt;&amp;&apos;&quot;</a>"),
            strings(&["<>&'\""])
        );
    }

    #[test]
    fn character_references_expanded() {
        assert_eq!(
            select("/a", "<a>&#65;&#x42;&#x1F600;</a>"),
            strings(&["AB😀"])
        );
    }

    #[test]
    fn attribute_references_expanded() {
        assert_eq!(
            select("/a/@b", "<a b='&quot;x&apos;&#33;'/>"),
            strings(&["\"x'!"])
        );
    }

    #[test]
    fn attribute_whitespace_normalized() {
        assert_eq!(select("/a/@b", "<a b='x\ny\tz'/>"), strings(&["x y z"]));
    }

    #[test]
    fn references_join_text_node() {
        assert_eq!(select("/a/text()", "<a>x &amp; y</a>"), strings(&["x & y"]));
    }

    #[test]
    fn entity_in_predicate_value() {
        assert_eq!(
            select("/r/a[@q='x&y']", "<r><a q='x&amp;y'>1</a></r>"),
            strings(&["1"])
        );
    }

    #[test]
    fn cdata_is_text() {
        assert_eq!(
            select("/a", "<a><![CDATA[<b>&amp;</b>]]></a>"),
            strings(&["<b>&amp;</b>"])
        );
    }

    #[test]
    fn cdata_joins_text_node() {
        assert_eq!(
            select("/a/text()", "<a>x<![CDATA[y]]>z</a>"),
            strings(&["xyz"])
        );
    }

    #[test]
    fn comment_ignored() {
        assert_eq!(
            select("/a/text()", "<a>x<!-- note -->y</a>"),
            strings(&["xy"])
        );
    }

    #[test]
    fn processing_instruction_ignored() {
        assert_eq!(
            select("/a", "<?pi data?><a>x<?pi more?></a>"),
            strings(&["x"])
        );
    }

    #[test]
    fn doctype_ignored() {
        let body = r#"<!DOCTYPE a SYSTEM "http://example.com/a.dtd"><a>1</a>"#;
        assert_eq!(select("/a", body), strings(&["1"]));
    }

    #[test]
    fn doctype_entity_not_expanded() {
        let body = r#"<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>"#;
        assert!(xml_error(body).message.contains("undefined entity `&x;`"));
    }

    #[test]
    fn undefined_entity_position() {
        assert_eq!(xml_error("<a>&nbsp;</a>").position, 3);
    }

    #[test]
    fn declaration_inside_root_rejected() {
        assert_eq!(xml_error("<a><?xml version='1.0'?></a>").position, 3);
    }

    #[test]
    fn unknown_version_rejected() {
        assert!(XmlDocument::parse("<?xml version='2.0'?><a/>").is_err());
    }

    #[test]
    fn non_ascii_names_match() {
        assert_eq!(
            select("/café/naïve", "<café><naïve>1</naïve></café>"),
            strings(&["1"])
        );
    }

    #[test]
    fn combining_mark_in_name() {
        assert_eq!(
            select("/e\u{301}", "<e\u{301}>1</e\u{301}>"),
            strings(&["1"])
        );
    }

    #[test]
    fn line_endings_normalized() {
        assert_eq!(select("/a", "<a>x\r\ny</a>"), strings(&["x\ny"]));
    }

    #[test]
    fn byte_order_mark_accepted() {
        assert_eq!(select("/a", "\u{FEFF}<a>1</a>"), strings(&["1"]));
    }

    #[test]
    fn byte_order_mark_in_position() {
        assert_eq!(xml_error("\u{FEFF}<a><b></a>").position, 9);
    }

    #[test]
    fn mismatched_end_position() {
        assert_eq!(xml_error("<a><b></a>").position, 6);
    }

    #[test]
    fn mismatched_end_message() {
        assert!(xml_error("<a><b></a>").message.contains("</b>"));
    }

    #[test]
    fn unclosed_element_position() {
        assert_eq!(xml_error("<a><b>text").position, 3);
    }

    #[test]
    fn unclosed_element_message() {
        assert!(
            xml_error("<a><b>text")
                .message
                .contains("`<b>` is not closed")
        );
    }

    #[test]
    fn empty_body_rejected() {
        assert_eq!(xml_error("").message, "document has no root element");
    }

    #[test]
    fn blank_body_position() {
        assert_eq!(xml_error("  \n").position, 3);
    }

    #[test]
    fn second_root_position() {
        assert_eq!(xml_error("<a/> <b/>").position, 5);
    }

    #[test]
    fn second_root_message() {
        assert!(
            xml_error("<a/> <b/>")
                .message
                .contains("more than one root")
        );
    }

    #[test]
    fn text_before_root_rejected() {
        assert_eq!(xml_error("hello <a/>").position, 0);
    }

    #[test]
    fn text_after_root_rejected() {
        assert_eq!(xml_error("<a/>x").position, 4);
    }

    #[test]
    fn reference_after_root_rejected() {
        assert_eq!(xml_error("<a/>&#32;").position, 4);
    }

    #[test]
    fn json_body_rejected() {
        assert_eq!(xml_error(r#"{"status": "ok"}"#).position, 0);
    }

    #[test]
    fn html_body_rejected() {
        assert!(XmlDocument::parse("<html><body><br></body></html>").is_err());
    }

    #[test]
    fn duplicate_attribute_message() {
        assert_eq!(
            xml_error("<a x='1' x='2'/>").message,
            "duplicate attribute `x`"
        );
    }

    #[test]
    fn duplicate_attribute_position() {
        assert_eq!(xml_error("<r><a x='1' x='2'/></r>").position, 12);
    }

    #[test]
    fn unquoted_attribute_position() {
        assert_eq!(xml_error("<a b=c/>").position, 5);
    }

    #[test]
    fn attribute_entity_rejected() {
        assert!(
            xml_error("<a b='&nbsp;'/>")
                .message
                .contains("undefined entity `&nbsp;` in attribute `b`")
        );
    }

    #[test]
    fn attribute_ampersand_rejected() {
        assert!(xml_error("<a b='x & y'/>").message.contains("`&amp;`"));
    }

    #[test]
    fn null_character_reference_rejected() {
        assert_eq!(xml_error("<a>&#0;</a>").position, 3);
    }

    #[test]
    fn unclosed_tag_rejected() {
        assert_eq!(xml_error("<a").position, 0);
    }

    #[test]
    fn dangling_ampersand_rejected() {
        assert_eq!(xml_error("<a>&</a>").position, 3);
    }

    #[test]
    fn xml_error_display() {
        assert_eq!(
            xml_error("").to_string(),
            "invalid XML at byte 0: document has no root element"
        );
    }

    // Robustness.

    fn nested(depth: usize) -> String {
        let mut body = "<a>".repeat(depth);
        body.push('x');
        body.push_str(&"</a>".repeat(depth));
        body
    }

    #[test]
    fn deep_document_parses() {
        assert!(XmlDocument::parse(&nested(10_000)).is_ok());
    }

    #[test]
    fn deep_document_descendants() {
        assert_eq!(select("//a", &nested(10_000)).len(), 10_000);
    }

    #[test]
    fn deep_document_innermost_text() {
        assert_eq!(select("//a[text()]", &nested(10_000)), strings(&["x"]));
    }

    #[test]
    fn deep_document_child_predicate() {
        assert_eq!(
            select("//a[a='x']/a/text()", &nested(10_000)),
            strings(&["x"])
        );
    }

    #[test]
    fn deep_nested_descendant_steps() {
        assert_eq!(select("//a//a//a", &nested(10_000)).len(), 9_998);
    }

    #[test]
    fn deep_unclosed_document_rejected() {
        assert_eq!(xml_error(&"<a>".repeat(10_000)).position, 29_997);
    }

    #[test]
    fn truncated_bodies_never_panic() {
        for body in [MNT_ERROR, MNT_SESSION, ERS_SEARCH, ENDPOINTS] {
            for (end, _) in body.char_indices() {
                let prefix = body.get(..end).unwrap_or_default();
                if let Ok(document) = XmlDocument::parse(prefix) {
                    XPath::parse("//*[@name][1]/@*")
                        .expect("valid expression")
                        .select(&document);
                }
            }
        }
    }

    #[test]
    fn truncated_expressions_never_panic() {
        let expressions = [
            "//ns5:resource[@name='Android'][last()]/@id",
            "/a/b[text()=\"x\"]/../c//text()",
            "count(/a|/b[1+2]) != $x and following-sibling::*",
            "/é[.='ü']/ns:*/@*",
        ];
        for expression in expressions {
            for (end, _) in expression.char_indices() {
                let prefix = expression.get(..end).unwrap_or_default();
                let _ = XPath::parse(prefix);
            }
        }
    }
}
