//! Builds the node tree from granit-parser's events, with a stack instead of recursion.
//!
//! Aliases are copies of the anchored node, and every node of a copy has the position of the
//! alias, where the value is used. Merge keys (`<<`) add the entries of the merged mappings
//! after the mapping's own entries, skipping keys that are already set. Entries merged from a
//! mapping written in place keep their own positions.
// NOTE: keys are compared by their text (`Key::name`) when merging, as the loader compares them.
// serde-saphyr compared spellings, so `1` and `"1"`, or `yes` and `true`, were different keys.

use std::borrow::Cow;
use std::collections::HashSet;

use granit_parser::{ErrorKind, Event, Parser, ScanError, Span, Tag};

use super::scalar::{self, ScalarError, TagKind};
use super::{Key, Node, Position, Value, YamlError};

/// Limits against hostile input, after serde-saphyr 2.2's default budget, which the loader
/// enforced when it read YAML through serde-saphyr. Two limits are higher than serde-saphyr's
/// because a suite of 10,000 checks of 30 to 40 nodes each, every one merging shared defaults,
/// needs them: nodes written in the text, and merge keys. The nodes that aliases copy, which is
/// what a "billion laughs" file multiplies, keep serde-saphyr's limit.
const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 2_000_000;
const MAX_ALIAS_COPIES: usize = 250_000;
const MAX_ALIASES: usize = 50_000;
const MAX_ANCHORS: usize = 50_000;
const MAX_MERGE_KEYS: usize = 50_000;
const MAX_SCALAR_BYTES: usize = 64 * 1024 * 1024;
const MAX_DOCUMENTS: usize = 1024;
/// Nodes copied when anchored collections end. Nested anchors copy a node once per anchor.
const MAX_ANCHORED_NODES: usize = 1_000_000;

pub(super) fn build(text: &str) -> Result<Node, YamlError> {
    let options = granit_parser::options! {
        // One more than the depth limit, so that the limit, not the parser, reports it.
        block_nesting_limit: (MAX_DEPTH + 1).max(granit_parser::Options::default().block_nesting_limit),
        emit_comments: false,
    };
    let mut builder = Builder {
        text,
        stack: Vec::new(),
        root: None,
        anchors: Vec::new(),
        budget: Budget::default(),
        last: Position { line: 1, column: 1 },
    };
    let mut parser = Parser::new_from_str_with_options(text, options);
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(scan_error)?;
        builder.event(event, &span)?;
    }
    Ok(builder.root.map(|built| built.node).unwrap_or(Node {
        value: Value::Null,
        position: builder.last,
    }))
}

fn scan_error(error: ScanError) -> YamlError {
    let marker = error.marker();
    let message = match error.kind() {
        ErrorKind::UnknownAnchor => "alias references unknown anchor".to_string(),
        _ => error.info(),
    };
    YamlError {
        message,
        position: Some(Position {
            line: marker.line(),
            column: marker.col() + 1,
        }),
    }
}

fn position_of(span: &Span) -> Position {
    Position {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

fn check_depth(depth: usize, position: Position) -> Result<(), YamlError> {
    if depth > MAX_DEPTH {
        return Err(error_at(
            position,
            format!("lists and mappings are nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    Ok(())
}

fn error_at(position: Position, message: impl Into<String>) -> YamlError {
    YamlError {
        message: message.into(),
        position: Some(position),
    }
}

/// Counts of what the limits bound, over the whole input.
#[derive(Default)]
struct Budget {
    nodes: usize,
    alias_copies: usize,
    aliases: usize,
    anchors: usize,
    merge_keys: usize,
    scalar_bytes: usize,
    anchored_nodes: usize,
    documents: usize,
}

impl Budget {
    fn count_nodes(&mut self, count: usize, position: Position) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > MAX_NODES {
            return Err(error_at(
                position,
                format!(
                    "the document has more than {MAX_NODES} nodes, counting each use of an alias \
                     as a copy"
                ),
            ));
        }
        Ok(())
    }

    fn count_alias_copies(&mut self, count: usize, position: Position) -> Result<(), YamlError> {
        self.count_nodes(count, position)?;
        self.alias_copies = self.alias_copies.saturating_add(count);
        if self.alias_copies > MAX_ALIAS_COPIES {
            return Err(error_at(
                position,
                format!("aliases copy more than {MAX_ALIAS_COPIES} nodes in all"),
            ));
        }
        Ok(())
    }

    fn count_scalar_bytes(&mut self, bytes: usize, position: Position) -> Result<(), YamlError> {
        self.scalar_bytes = self.scalar_bytes.saturating_add(bytes);
        if self.scalar_bytes > MAX_SCALAR_BYTES {
            return Err(error_at(
                position,
                format!(
                    "the document has more than {} MiB of text in scalars, counting each use of \
                     an alias as a copy",
                    MAX_SCALAR_BYTES / (1024 * 1024)
                ),
            ));
        }
        Ok(())
    }
}

/// A finished node with the figures the limits need.
struct Built {
    node: Node,
    /// Nodes in the subtree, this one included.
    size: usize,
    /// Nesting depth of collections inside, 0 for a scalar.
    height: usize,
    /// Whether the node is the key `<<` (plain and untagged, or tagged `!!merge`).
    merge_key: bool,
}

/// An anchored node, kept for its aliases.
struct Anchored {
    node: Node,
    size: usize,
    height: usize,
    /// Bytes of text in the node's scalars, which each alias adds to the scalar budget.
    bytes: usize,
}

enum Collection {
    Sequence(Vec<Node>),
    Mapping {
        entries: Vec<(Key, Node)>,
        /// The key read last, which waits for its value. `true` marks a merge key.
        key: Option<(Key, bool)>,
        /// Entries of merged mappings, in merge order, added when the mapping ends.
        merged: Vec<(Key, Node)>,
    },
}

struct Frame {
    collection: Collection,
    position: Position,
    anchor: usize,
    size: usize,
    height: usize,
}

struct Builder<'t> {
    text: &'t str,
    stack: Vec<Frame>,
    root: Option<Built>,
    /// Anchored nodes by the parser's anchor id, `None` while the anchored collection is open.
    anchors: Vec<Option<Anchored>>,
    budget: Budget,
    /// Position of the last event, where an empty stream's null value sits.
    last: Position,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<(), YamlError> {
        let position = position_of(span);
        self.last = position;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.budget.count_nodes(1, position)?;
                self.budget
                    .count_scalar_bytes(text.len() + tag_len(tag.as_deref()), position)?;
                let kind = TagKind::of(tag.as_deref());
                let merge_key = text == "<<"
                    && (kind == TagKind::Merge
                        || (tag.is_none() && style == granit_parser::ScalarStyle::Plain));
                if merge_key && self.expects_key() {
                    self.budget.merge_keys += 1;
                    if self.budget.merge_keys > MAX_MERGE_KEYS {
                        return Err(error_at(
                            position,
                            format!("more than {MAX_MERGE_KEYS} merge keys (`<<`)"),
                        ));
                    }
                }
                let value = scalar::resolve(text, style, kind, || tag_spelling(tag.as_deref()))
                    .map_err(|ScalarError(message)| error_at(position, message))?;
                let built = Built {
                    node: Node { value, position },
                    size: 1,
                    height: 0,
                    merge_key,
                };
                if anchor != 0 {
                    self.define_anchor(anchor, &built, position)?;
                }
                self.attach(built)
            }
            Event::SequenceStart(_, anchor, tag) => {
                self.open(Collection::Sequence(Vec::new()), anchor, tag, position)
            }
            Event::MappingStart(_, anchor, tag) => {
                let mapping = Collection::Mapping {
                    entries: Vec::new(),
                    key: None,
                    merged: Vec::new(),
                };
                self.open(mapping, anchor, tag, position)
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(position),
            Event::Alias(anchor) => self.alias(anchor, span, position),
            Event::DocumentStart(..) => {
                self.budget.documents += 1;
                if self.budget.documents > MAX_DOCUMENTS {
                    return Err(error_at(
                        position,
                        format!("more than {MAX_DOCUMENTS} documents"),
                    ));
                }
                if self.root.is_some() {
                    return Err(error_at(
                        position,
                        "more than one YAML document in the file; a suite is a single document",
                    ));
                }
                // Anchors belong to their document.
                self.anchors.clear();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Returns whether the next node is a key of the innermost mapping.
    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                collection: Collection::Mapping { key: None, .. },
                ..
            })
        )
    }

    fn open(
        &mut self,
        collection: Collection,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        position: Position,
    ) -> Result<(), YamlError> {
        self.budget.count_nodes(1, position)?;
        self.budget
            .count_scalar_bytes(tag_len(tag.as_deref()), position)?;
        check_depth(self.stack.len() + 1, position)?;
        let kind = TagKind::of(tag.as_deref());
        let fits = match (&collection, kind) {
            (Collection::Sequence(_), TagKind::Mapping) => false,
            (Collection::Mapping { .. }, TagKind::Sequence) => false,
            (_, kind) => !kind.is_scalar_only(),
        };
        if !fits {
            return Err(error_at(
                position,
                format!("unsupported tag `{}`", tag_spelling(tag.as_deref())),
            ));
        }
        if anchor != 0 {
            self.reserve_anchor(anchor, position)?;
        }
        self.stack.push(Frame {
            collection,
            position,
            anchor,
            size: 1,
            height: 1,
        });
        Ok(())
    }

    fn close(&mut self, position: Position) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Err(error_at(position, "list or mapping end with no start"));
        };
        let value = match frame.collection {
            Collection::Sequence(items) => Value::Sequence(items),
            Collection::Mapping {
                mut entries,
                merged,
                ..
            } => {
                add_merged(&mut entries, merged);
                Value::Mapping(entries)
            }
        };
        let built = Built {
            node: Node {
                value,
                position: frame.position,
            },
            size: frame.size,
            height: frame.height,
            merge_key: false,
        };
        if frame.anchor != 0 {
            self.define_anchor(frame.anchor, &built, frame.position)?;
        }
        self.attach(built)
    }

    fn reserve_anchor(&mut self, anchor: usize, position: Position) -> Result<(), YamlError> {
        self.budget.anchors += 1;
        if self.budget.anchors > MAX_ANCHORS {
            return Err(error_at(
                position,
                format!("more than {MAX_ANCHORS} anchors"),
            ));
        }
        if self.anchors.len() <= anchor {
            self.anchors.resize_with(anchor + 1, || None);
        }
        self.anchors[anchor] = None;
        Ok(())
    }

    fn define_anchor(
        &mut self,
        anchor: usize,
        built: &Built,
        position: Position,
    ) -> Result<(), YamlError> {
        if built.height == 0 {
            self.reserve_anchor(anchor, position)?;
        }
        self.budget.anchored_nodes = self.budget.anchored_nodes.saturating_add(built.size);
        if self.budget.anchored_nodes > MAX_ANCHORED_NODES {
            return Err(error_at(
                position,
                format!("anchors hold more than {MAX_ANCHORED_NODES} nodes in all"),
            ));
        }
        self.anchors[anchor] = Some(Anchored {
            node: built.node.clone(),
            size: built.size,
            height: built.height,
            bytes: scalar_bytes(&built.node),
        });
        Ok(())
    }

    fn alias(&mut self, anchor: usize, span: &Span, position: Position) -> Result<(), YamlError> {
        self.budget.aliases += 1;
        if self.budget.aliases > MAX_ALIASES {
            return Err(error_at(
                position,
                format!("more than {MAX_ALIASES} aliases"),
            ));
        }
        let Some(Some(anchored)) = self.anchors.get(anchor) else {
            let name = span.slice(self.text).unwrap_or("*");
            return Err(error_at(
                position,
                format!("alias `{name}` refers to a list or mapping that contains it"),
            ));
        };
        check_depth(self.stack.len() + anchored.height, position)?;
        self.budget.count_alias_copies(anchored.size, position)?;
        self.budget.count_scalar_bytes(anchored.bytes, position)?;
        let (size, height) = (anchored.size, anchored.height);
        let node = relocate(&anchored.node, position);
        self.attach(Built {
            node,
            size,
            height,
            merge_key: false,
        })
    }

    /// Adds a finished node to the innermost collection, or makes it the root.
    fn attach(&mut self, built: Built) -> Result<(), YamlError> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(built);
            return Ok(());
        };
        frame.size = frame.size.saturating_add(built.size);
        frame.height = frame.height.max(built.height + 1);
        match &mut frame.collection {
            Collection::Sequence(items) => items.push(built.node),
            Collection::Mapping {
                entries,
                key,
                merged,
            } => match key.take() {
                None => {
                    let position = built.node.position;
                    let name = match built.node.value {
                        Value::String(text) => text,
                        other => other.scalar_text().unwrap_or_else(|| "~".to_string()),
                    };
                    *key = Some((Key { name, position }, built.merge_key));
                }
                Some((_, true)) => merge(merged, built.node)?,
                Some((key, false)) => entries.push((key, built.node)),
            },
        }
        Ok(())
    }
}

/// Collects the entries that `<<: value` merges: a mapping's, or those of each mapping in a
/// list, in order. An empty value merges nothing.
fn merge(merged: &mut Vec<(Key, Node)>, value: Node) -> Result<(), YamlError> {
    let not_mergeable = |position| {
        error_at(
            position,
            "YAML merge value must be mapping or sequence of mappings",
        )
    };
    match value.value {
        Value::Null => Ok(()),
        Value::Mapping(entries) => {
            merged.extend(entries);
            Ok(())
        }
        Value::Sequence(items) => {
            for item in items {
                match item.value {
                    Value::Null => {}
                    Value::Mapping(entries) => merged.extend(entries),
                    _ => return Err(not_mergeable(item.position)),
                }
            }
            Ok(())
        }
        _ => Err(not_mergeable(value.position)),
    }
}

/// Appends merged entries whose key is not set yet, explicit keys first.
fn add_merged(entries: &mut Vec<(Key, Node)>, merged: Vec<(Key, Node)>) {
    if merged.is_empty() {
        return;
    }
    let mut seen: HashSet<String> = entries.iter().map(|(key, _)| key.name.clone()).collect();
    for (key, value) in merged {
        if seen.insert(key.name.clone()) {
            entries.push((key, value));
        }
    }
}

/// Copies an anchored node for an alias, every node at the alias's position.
fn relocate(node: &Node, position: Position) -> Node {
    let value = match &node.value {
        Value::Sequence(items) => {
            Value::Sequence(items.iter().map(|item| relocate(item, position)).collect())
        }
        Value::Mapping(entries) => Value::Mapping(
            entries
                .iter()
                .map(|(key, value)| {
                    let key = Key {
                        name: key.name.clone(),
                        position,
                    };
                    (key, relocate(value, position))
                })
                .collect(),
        ),
        scalar => scalar.clone(),
    };
    Node { value, position }
}

fn scalar_bytes(node: &Node) -> usize {
    match &node.value {
        Value::String(text) => text.len(),
        Value::Sequence(items) => items.iter().map(scalar_bytes).sum(),
        Value::Mapping(entries) => entries
            .iter()
            .map(|(key, value)| key.name.len() + scalar_bytes(value))
            .sum(),
        _ => 0,
    }
}

fn tag_len(tag: Option<&Tag>) -> usize {
    tag.map_or(0, |tag| tag.handle().len() + tag.suffix().len())
}

fn tag_spelling(tag: Option<&Tag>) -> String {
    tag.map(Tag::original).unwrap_or_default()
}
