//! Compares `gatecheck::suite::yaml::parse` with the serde-saphyr 2.2 reader that it replaced,
//! node by node: value, kind and position, and for invalid input the message and position.
//!
//! The old reader (module `serde_reader`) is kept here as the reference, changed only to build
//! the tree's types from outside the crate. Cases where the two differ on purpose are listed in
//! `DIFFERENT_ON_PURPOSE` with the reason.

use gatecheck::suite::yaml::{self, Node, Value};

mod serde_reader {
    use std::fmt;

    use gatecheck::suite::yaml::{Key, Node, Position, Value, YamlError};
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_saphyr::Spanned;

    fn position(location: serde_saphyr::Location) -> Position {
        Position {
            line: usize::try_from(location.line()).unwrap_or(usize::MAX),
            column: usize::try_from(location.column()).unwrap_or(usize::MAX),
        }
    }

    struct Wrapped(Value);

    pub fn parse(text: &str) -> Result<Node, YamlError> {
        let options = serde_saphyr::options! {
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
            with_snippet: false,
        };
        if text.trim().is_empty() {
            return Ok(Node {
                value: Value::Null,
                position: Position { line: 1, column: 1 },
            });
        }
        let spanned: Spanned<Wrapped> = serde_saphyr::from_str_with_options(text, options)
            .map_err(|error| YamlError {
                message: plain_message(&error),
                position: error.location().map(position),
            })?;
        Ok(Node {
            value: spanned.value.0,
            position: position(spanned.referenced),
        })
    }

    fn plain_message(error: &serde_saphyr::Error) -> String {
        let text = error.to_string();
        let first_line = text.lines().next().unwrap_or_default();
        match first_line.rfind(" at line ") {
            Some(index) => first_line[..index].to_string(),
            None => first_line.to_string(),
        }
    }

    impl<'de> Deserialize<'de> for Wrapped {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(ValueVisitor).map(Wrapped)
        }
    }

    fn node(spanned: Spanned<Wrapped>) -> Node {
        Node {
            value: spanned.value.0,
            position: position(spanned.referenced),
        }
    }

    fn integer(value: i128) -> Value {
        Value::Integer(value, value.to_string().into())
    }

    fn float(value: f64) -> Value {
        Value::Float(value, value.to_string().into())
    }

    struct ValueVisitor;

    impl<'de> Visitor<'de> for ValueVisitor {
        type Value = Value;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("any YAML value")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            Ok(integer(v.into()))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            Ok(integer(v.into()))
        }

        fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
            Ok(integer(v))
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
            Ok(i128::try_from(v).map_or(float(v as f64), integer))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            Ok(float(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }

        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            Wrapped::deserialize(deserializer).map(|wrapped| wrapped.0)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<Spanned<Wrapped>>()? {
                items.push(node(item));
            }
            Ok(Value::Sequence(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(key) = map.next_key::<Spanned<Wrapped>>()? {
                let value = map.next_value::<Spanned<Wrapped>>()?;
                let key = node(key);
                let name = key.value.scalar_text().unwrap_or_else(|| "~".to_string());
                entries.push((
                    Key {
                        name,
                        position: key.position,
                    },
                    node(value),
                ));
            }
            Ok(Value::Mapping(entries))
        }
    }
}

/// Renders a tree with every position, so that two trees compare as text.
fn render(node: &Node, out: &mut String, indent: usize) {
    use std::fmt::Write;
    let pad = " ".repeat(indent);
    let at = format!("{}:{}", node.position.line, node.position.column);
    match &node.value {
        Value::Sequence(items) => {
            let _ = writeln!(out, "{pad}seq @{at}");
            for item in items {
                render(item, out, indent + 2);
            }
        }
        Value::Mapping(entries) => {
            let _ = writeln!(out, "{pad}map @{at}");
            for (key, value) in entries {
                let _ = writeln!(
                    out,
                    "{pad}  key {:?} @{}:{}",
                    key.name, key.position.line, key.position.column
                );
                render(value, out, indent + 4);
            }
        }
        Value::Float(f, _) if f.is_nan() => {
            let _ = writeln!(out, "{pad}float NaN @{at}");
        }
        // serde-saphyr gives numbers without their text, so only the value is compared.
        Value::Integer(i, _) => {
            let _ = writeln!(out, "{pad}Integer({i}) @{at}");
        }
        Value::Float(f, _) => {
            let _ = writeln!(out, "{pad}Float({f:?}) @{at}");
        }
        other => {
            let _ = writeln!(out, "{pad}{other:?} @{at}");
        }
    }
}

fn outcome(result: Result<Node, yaml::YamlError>) -> String {
    match result {
        Ok(node) => {
            let mut out = String::new();
            render(&node, &mut out, 0);
            out
        }
        Err(error) => format!("error {:?} at {:?}", error.message, error.position),
    }
}

/// Inputs whose result differs from serde-saphyr's on purpose, with the reason.
const DIFFERENT_ON_PURPOSE: &[(&str, &str)] = &[
    (
        "a: 1\n---\nb: 2\n",
        "the message names the problem, not serde-saphyr's API, at the `---` of the second document",
    ),
    (
        "---\n---\n",
        "the message names the problem, not serde-saphyr's API, at the `---` of the second document",
    ),
    (
        "out:\n  a: 0\n  <<: {a: 1, d: 2}\n  e: 3\n",
        "entries merged from a mapping written in place keep their own positions; serde-saphyr \
         gave them all the position of the mapping's `{`",
    ),
    (
        "out:\n  <<: [{a: 1}, ~]\n",
        "entries merged from a mapping written in place keep their own positions",
    ),
    (
        "out:\n  !!merge <<: {a: 1}\n",
        "entries merged from a mapping written in place keep their own positions",
    ),
    (
        "a: &a [*a]\n",
        "the message names the alias and says what is wrong with it",
    ),
    (
        "a: &a {b: *a}\n",
        "the message names the alias and says what is wrong with it",
    ),
    (
        "0x10: e\n",
        "a number used as a key keeps its text, `0x10`, where serde-saphyr gives its value, `16`",
    ),
];

fn compare(text: &str) -> Option<String> {
    let old = serde_reader::parse(text);
    let new = yaml::parse(text);
    // serde-saphyr printed limits as Rust debug output (`budget breached: Depth { depth: 65 }`);
    // the new messages name the limit in words, so only the positions must match.
    if let (Err(old), Err(new)) = (&old, &new)
        && old.message.starts_with("budget breached: ")
    {
        return (old.position != new.position).then(|| {
            format!(
                "--- input\n{text}\n--- limit at {:?}, now {new:?}",
                old.position
            )
        });
    }
    let expected = outcome(old);
    let actual = outcome(new);
    (expected != actual)
        .then(|| format!("--- input\n{text}\n--- serde-saphyr\n{expected}--- gatecheck\n{actual}"))
}

fn corpus() -> Vec<String> {
    let mut inputs: Vec<String> = CASES.iter().map(|case| case.to_string()).collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in [
        "fuzz/corpus/load_suite",
        "tests/fixtures/valid",
        "tests/fixtures/invalid",
        "suites",
        "examples",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|entry| entry.path()).collect();
        paths.sort();
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path) {
                inputs.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    inputs
}

#[test]
fn trees_match_serde_saphyr() {
    // serde-saphyr recurses once per nesting level with large frames, which overflows a test
    // thread's default 2 MiB stack in a debug build at the depth limit.
    std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(compare_corpus)
        .expect("the comparison thread starts")
        .join()
        .expect("the comparison finishes");
}

fn compare_corpus() {
    let mut failures = Vec::new();
    for text in corpus() {
        if DIFFERENT_ON_PURPOSE.iter().any(|(input, _)| *input == text) {
            continue;
        }
        if let Some(failure) = compare(&text) {
            failures.push(failure);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the inputs differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const CASES: &[&str] = &[
    // Positions of block, flow, quoted and block scalars.
    "name: demo\nchecks:\n  - id: ers\n    expect:\n      stauts: 200\n",
    "a: 'single'\nb: \"double\"\nc: plain text\n",
    "a: |\n  literal\n  text\nb: >\n  folded\n  text\nc: |-\n  strip\nd: >+\n  keep\n\ne: 1\n",
    "a: {b: 1, c: [2, 3], 'd': \"e\"}\n",
    "[1, {a: b}, [c, d], \"q\", 'r']\n",
    "- a\n- - b\n  - c\n- d: e\n  f: g\n",
    "key:\n  - x\n  -\n  - y: \n",
    "a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: ''\ng: \"\"\n",
    "? complex\n: value\n? [a, b]\n: c\n? {x: y}\n: z\n",
    "? a\n? b\n",
    "  indented: 1\n  other: 2\n",
    "---\na: 1\n",
    "---\na: 1\n...\n",
    "--- plain\n",
    "---\n",
    "# only a comment\n",
    "a: 1 # trailing\n# between\nb: 2\n",
    "a: 1\n---\nb: 2\n",
    "---\n---\n",
    "\u{feff}a: 1\n",
    "a:    spaced\n",
    "a: multi\n  line\n  plain\n",
    "a: \"multi\n  line\"\n",
    "a: \"esc\\tape\\u00e9\\n\"\nb: 'it''s'\n",
    "héllo: wörld\nb: 日本語\n",
    "a: \"日本\" \nb: 1\n",
    // Scalar resolution.
    "a: true\nb: false\nc: True\nd: FALSE\ne: yes\nf: No\ng: on\nh: OFF\ni: y\nj: n\nk: Y\nl: tRuE\n",
    "a: 1\nb: -1\nc: +1\nd: 0\ne: -0\nf: 007\ng: 0o17\nh: 0x1F\ni: 0b101\nj: 0X1F\nk: 0O7\nl: 0B1\n",
    "a: 1_000\nb: 1__0\nc: _1\nd: 1_\ne: 0x_1\nf: 1e3\ng: 1.5\nh: .5\ni: 5.\nj: -1.5e-3\nk: +.5\n",
    "a: .inf\n",
    "a: -.inf\n",
    "a: .nan\n",
    "a: -.nan\nb: +.NaN\nc: .Inf\n",
    "a: 1e999\n",
    "a: inf\nb: nan\nc: infinity\nd: NaN\n",
    "a: 99999999999999999999\nb: 18446744073709551615\nc: 18446744073709551616\nd: -9223372036854775808\ne: -9223372036854775809\n",
    "a: 170141183460469231731687303715884105727\nb: 340282366920938463463374607431768211456\n",
    "a: 0x7fffffffffffffffffffffffffffffff\nb: 0xffffffffffffffffffffffffffffffff\n",
    "a: '1'\nb: \"true\"\nc: 'null'\nd: \"~\"\ne: \"1.5\"\n",
    "a: |\n  123\nb: >\n  true\n",
    "a: 1.0\nb: 2.50\nc: 1e2\nd: 100.0e-2\n",
    "a: 12:30\nb: 2024-01-01\nc: 1,000\nd: 1 000\ne: 0.1.2\n",
    // Tags.
    "a: !!str 1\nb: !!str true\nc: !!str ~\nd: !!str\ne: ! 12\nf: !!int \"12\"\ng: !!float 1\nh: !!bool yes\ni: !!null x\n",
    "a: !!int -5\nb: !!float \"1.5\"\nc: !!bool \"true\"\nd: !custom 12\ne: !custom text\nf: !custom\n",
    "a: !!int abc\n",
    "a: !!bool maybe\n",
    "a: !!float abc\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!timestamp 2024-01-01\n",
    "a: !!str {b: 1}\n",
    "a: !!map {b: 1}\nb: !!seq [1]\n",
    "a: !!seq x\n",
    "a: !!float .inf\n",
    "a: !!int 0x10\nb: !!int 1_000\n",
    "!!map\na: 1\n",
    "a: !<tag:yaml.org,2002:str> 5\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!foo 5\n",
    // Keys.
    "1: a\n2.5: b\ntrue: c\n~: d\n'quoted': f\n",
    "0x10: e\n",
    "a: 1\na: 2\nb: 3\na: 4\n",
    "null: 1\n: 2\n",
    // Anchors, aliases, merge keys.
    "a: &x 1\nb: *x\n",
    "a: &x [1, 2]\nb: *x\nc: *x\n",
    "a: &m {x: 1, y: [2]}\nb: *m\n",
    "x-json: &json\n  Accept: application/json\nheaders:\n  <<: *json\n  X-Trace: \"1\"\n",
    "base: &b\n  a: 1\n  b: 2\nmore: &c\n  b: 3\n  c: 4\nout:\n  <<: [*b, *c]\n  a: 0\n",
    "out:\n  a: 0\n  <<: {a: 1, d: 2}\n  e: 3\n",
    "out:\n  <<: ~\n  a: 1\n",
    "out:\n  <<: 5\n",
    "out:\n  <<: [1]\n",
    "out:\n  <<: [{a: 1}, ~]\n",
    "out:\n  \"<<\": {a: 1}\n",
    "out:\n  !!merge <<: {a: 1}\n",
    "b: &b {a: 1}\nc: &c {<<: *b, x: 2}\nd:\n  <<: *c\n  y: 3\n",
    "dup: &d {a: 1, a: 2}\nout:\n  <<: *d\n",
    "a: &a [*a]\n",
    "a: &a {b: *a}\n",
    "a: *missing\n",
    "a: &x b\nc: &x d\ne: *x\n",
    "- &k key\n- {*k : v}\n",
    "&r\na: 1\n",
    "a: &e\nb: *e\n",
    // Syntax errors.
    "a: \"unclosed\nb: 2\n",
    "name: demo\nchecks:\n  - id: ers\n    request: {url: /ers\n",
    "name: demo\nchecks:\n  - id: ers\n    request:\n      url: /ers\n     method: GET\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a:\n\t- tab\n",
    "a: 'x\n",
    "a: @b\n",
    "a: `b\n",
    "{a: 1}}\n",
    "a: 1\n  b: 2\n",
    "[a\n",
    "a: *\n",
    "a: &\n",
    "%YAML 1.2\n%YAML 1.2\n---\na: 1\n",
    "%FOO bar\n---\na: 1\n",
    "a: \"\\q\"\n",
    "a: |\n text\n  more\n wrong\nb\n",
    "key: value\n- item\n",
    "? a\n: b\n: c\n",
];
