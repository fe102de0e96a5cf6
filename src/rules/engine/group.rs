//! A rule's groups: the key an event has under the rule's `group_by`
//! fields, the subject a group's finding names, and which wanted group an
//! event belongs to (worked out once per request origin where it can be).

use rustc_hash::FxHashMap;

use crate::model::OptionStr;
use crate::model::{Event, SourceInfo, Subject};
use crate::rules::spec::{CompiledRule, GroupField, MAX_GROUP_FIELDS};

/// The group an event belongs to under a rule: one value per group field,
/// borrowed from the event.
pub(super) type Key<'a> = [Part<'a>; MAX_GROUP_FIELDS];

/// One value of a group key. Most group fields are interned, so two equal
/// values are usually the same pointer: equality and ordering check that
/// first and compare bytes only when the pointers differ. Hashing is by
/// content, which agrees with both.
#[derive(Debug, Clone, Copy, Hash)]
pub(super) struct Part<'a>(&'a str);

impl PartialEq for Part<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl Eq for Part<'_> {}

impl PartialOrd for Part<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if std::ptr::eq(self.0, other.0) {
            std::cmp::Ordering::Equal
        } else {
            self.0.cmp(other.0)
        }
    }
}

impl std::ops::Deref for Part<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

pub(super) fn group_key<'a>(rule: &CompiledRule, e: &'a Event, sources: &'a [SourceInfo]) -> Key<'a> {
    let mut key = [Part(""); MAX_GROUP_FIELDS];
    for (slot, field) in key.iter_mut().zip(&rule.group_by) {
        *slot = Part(match field {
            GroupField::Host => e.host().as_str().unwrap_or(""),
            GroupField::Route => e.route().as_str().unwrap_or(""),
            GroupField::Method => e.method().as_str().unwrap_or(""),
            GroupField::Service => e.service().as_str().unwrap_or(""),
            GroupField::Version => e.service_version().as_str().unwrap_or(""),
            GroupField::Release => e.release.as_str().unwrap_or(""),
            GroupField::Client => e.client.as_str().unwrap_or(""),
            GroupField::Url => e.url.as_deref().unwrap_or(""),
            GroupField::Template => e.template.as_str().unwrap_or(""),
            GroupField::Token => e.auth().and_then(|a| a.credential_fp.as_deref()).unwrap_or(""),
            GroupField::Source => sources
                .get(e.source.0 as usize)
                .map_or("", |x| x.display.as_str()),
        });
    }
    key
}

pub(super) fn subject_for(rule: &CompiledRule, key: &Key<'_>, events: &[Event], idx: &[usize]) -> Subject {
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    // A field every matching event agrees on is part of the subject too.
    let common = |f: &dyn Fn(&Event) -> Option<&str>| -> Option<String> {
        let first = f(&events[*idx.first()?])?;
        idx.iter()
            .all(|&i| f(&events[i]) == Some(first))
            .then(|| first.to_string())
    };
    let mut subject = Subject::default();
    let mut method = None;
    for (field, value) in rule.group_by.iter().zip(key) {
        match field {
            GroupField::Host => subject.host = nonempty(value),
            GroupField::Route => subject.endpoint = nonempty(value),
            GroupField::Method => method = nonempty(value),
            GroupField::Service => subject.service = nonempty(value),
            GroupField::Version => subject.version = nonempty(value),
            GroupField::Release => {
                if let Some((product, version)) = value.split_once('/') {
                    subject.agent = nonempty(product);
                    subject.version = nonempty(version);
                }
            }
            GroupField::Source | GroupField::Client => subject.client = nonempty(value),
            GroupField::Url | GroupField::Template | GroupField::Token => {}
        }
    }
    if subject.host.is_none() {
        subject.host = common(&|e| e.host().as_str());
    }
    if subject.service.is_none() {
        subject.service = common(&|e| e.service().as_str());
    }
    if subject.endpoint.is_none() && !rule.group_by.is_empty() {
        subject.endpoint = common(&|e| e.route().as_str());
    }
    if let (Some(m), Some(r)) = (method, &subject.endpoint) {
        subject.endpoint = Some(format!("{m} {r}"));
    }
    subject
}

/// Which of a rule's wanted groups an event belongs to, for the scans that
/// count every event of those groups. When the rule groups by fields of
/// the request's origin alone, events of one origin share the answer, so
/// it is worked out once per origin instead of once per event: building
/// and hashing the key of every event in the hot windows was most of a
/// rule's time.
pub(super) struct GroupOf<'a, 'w> {
    rule: &'a CompiledRule,
    sources: &'a [SourceInfo],
    wanted: &'w FxHashMap<Key<'a>, u32>,
    /// Each origin's answer by [`crate::model::OriginId::index`]: 0 not
    /// yet worked out, 1 no wanted group, `g + 2` group `g`. `None` when
    /// some group field lies outside the origin.
    pub(super) by_origin: Option<Vec<u32>>,
}

impl<'a, 'w> GroupOf<'a, 'w> {
    pub(super) fn new(
        rule: &'a CompiledRule,
        sources: &'a [SourceInfo],
        wanted: &'w FxHashMap<Key<'a>, u32>,
    ) -> Self {
        let by_origin = rule.group_by.iter().all(|f| f.in_origin()).then(Vec::new);
        GroupOf {
            rule,
            sources,
            wanted,
            by_origin,
        }
    }

    pub(super) fn get(&mut self, e: &'a Event) -> Option<u32> {
        let (rule, sources, wanted) = (self.rule, self.sources, self.wanted);
        let look = || wanted.get(&group_key(rule, e, sources)).copied();
        let Some(cache) = &mut self.by_origin else {
            return look();
        };
        let at = e.origin_id.index();
        if at >= cache.len() {
            cache.resize(at + 1, 0);
        }
        match cache[at] {
            0 => {
                let g = look();
                // A group index is below the number of wanted groups, so
                // far below u32::MAX - 2.
                cache[at] = g.map_or(1, |g| g + 2);
                g
            }
            1 => None,
            g => Some(g - 2),
        }
    }
}
