//! Message filters applied while reading a queue (spec §12.3).

use std::collections::HashSet;

use crate::record::{java_hash, property, Properties, RecordView};

/// Decides which queue entries a read returns.
pub trait MessageFilter: Send + Sync {
    /// Cheap check on the ConsumeQueue tags code, before the record is read.
    fn matches_tags_code(&self, tags_code: i64) -> bool;
    /// Check on the stored record itself (default: accept).
    fn matches_record(&self, _record: &[u8]) -> bool {
        true
    }
}

/// A TAG subscription expression: `*`, or tags joined by `||` (`TagA || TagB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    tags: HashSet<String>,
    codes: HashSet<i32>,
}

impl TagFilter {
    /// Parse an expression as RocketMQ's `FilterAPI` does: empty or `*` matches everything;
    /// otherwise split on `||`, trim, ignore empty parts.
    pub fn parse(expr: &str) -> Self {
        let expr = expr.trim();
        let mut tags = HashSet::new();
        if !(expr.is_empty() || expr == "*") {
            for t in expr.split("||").map(str::trim).filter(|t| !t.is_empty()) {
                tags.insert(t.to_owned());
            }
        }
        let codes = tags.iter().map(|t| java_hash(t)).collect();
        TagFilter { tags, codes }
    }

    /// Whether it accepts every message.
    pub fn is_all(&self) -> bool {
        self.tags.is_empty()
    }

    /// The tags of the expression (empty for `*`).
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(String::as_str)
    }
}

impl MessageFilter for TagFilter {
    fn matches_tags_code(&self, tags_code: i64) -> bool {
        // Java compares the code truncated to int (`codeSet.contains((int) tagsCode)`).
        self.is_all() || self.codes.contains(&(tags_code as i32))
    }

    /// The hash can collide; the exact tag settles it.
    fn matches_record(&self, record: &[u8]) -> bool {
        if self.is_all() {
            return true;
        }
        match RecordView::decode(record, false) {
            Ok(r) => Properties::find(r.fields.properties, property::TAGS)
                .is_some_and(|t| self.tags.contains(t)),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_expressions_like_filter_api() {
        assert!(TagFilter::parse("").is_all());
        assert!(TagFilter::parse(" * ").is_all());
        let f = TagFilter::parse("TagA || TagB ||");
        assert!(!f.is_all());
        assert!(f.matches_tags_code(2_598_919));
        assert!(!f.matches_tags_code(0));
        assert_eq!(f.tags().count(), 2);
    }
}
