//! The request context an event shares with many others: its method, host,
//! route, upstream and emitting service. These repeat
//! together (one gateway logs a handful of hosts, routes and services), so
//! each distinct combination is stored once in an [`Interner`] table and an
//! event holds a 4-byte [`OriginId`] instead of six handles. What varies
//! across the same route's requests (the client's address, its user agent
//! and the release it names) stays on the event: inside, it would multiply
//! the origins by the routes, up to one a request.

use std::cell::RefCell;

use super::interner::{Interner, Recent};
use super::Str;

/// Who made a request, to what, and who logged it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Origin {
    /// HTTP method, upper-case.
    pub method: Option<Str>,
    /// Host (authority without credentials).
    pub host: Option<Str>,
    /// Path template with ids replaced by `{id}`.
    pub route: Option<Str>,
    /// The upstream a proxy forwarded the request to.
    pub upstream: Option<Str>,
    /// The upstream cluster (pool, service) the proxy chose from: named
    /// even when no host in it was healthy.
    pub cluster: Option<Str>,
    /// Emitting service.
    pub service: Option<Str>,
    /// Version of the emitting service.
    pub service_version: Option<Str>,
}

/// An [`Origin`] in the table. `OriginId::default()` is the empty origin,
/// which needs no table entry. Debug-prints as the origin it stands for.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct OriginId(u32);

impl std::fmt::Debug for OriginId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

static ORIGINS: Interner<Origin> = Interner::new();

/// The empty origin, which [`OriginId::default`] stands for.
static EMPTY: Origin = Origin {
    method: None,
    host: None,
    route: None,
    upstream: None,
    cluster: None,
    service: None,
    service_version: None,
};

impl OriginId {
    /// The id of `o`, through a small per-thread cache first (the
    /// combinations that repeat are found there without a shard's lock).
    ///
    /// Past four billion distinct combinations (memory runs out long
    /// before), a new one is kept as the empty origin.
    pub fn of(o: &Origin) -> OriginId {
        thread_local! {
            static RECENT: RefCell<Recent> = RefCell::new(Recent::new());
        }
        if *o == EMPTY {
            return OriginId(0);
        }
        RECENT
            .with(|r| ORIGINS.add_cached(r, o, |_, o| *o))
            .map_or(OriginId(0), |i| OriginId(i + 1))
    }

    /// The id as a dense index: 0 for the empty origin, then one more for
    /// each origin added (for tables indexed by origin).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// How many origins there are so far, the empty one included: a bound
    /// on [`OriginId::index`] for tables indexed by origin.
    pub fn count() -> usize {
        ORIGINS.handed_out() + 1
    }

    /// The origin, read in place (an event's accessors read one part of
    /// it, on every rule's match).
    pub fn get(self) -> &'static Origin {
        match self.0.checked_sub(1) {
            None => &EMPTY,
            Some(i) => &ORIGINS.get(i).value,
        }
    }
}

/// Tallies kept per origin, in a table indexed by [`OriginId::index`]:
/// what a pass over millions of events counts by host, route or client is
/// counted once per event by origin, a load and an add, and only the few
/// distinct origins are then read for their parts.
#[derive(Debug)]
pub struct ByOrigin<T> {
    slots: Vec<(OriginId, T)>,
}

impl<T> Default for ByOrigin<T> {
    fn default() -> Self {
        ByOrigin { slots: Vec::new() }
    }
}

impl<T: Copy + Default + PartialEq + std::ops::AddAssign> ByOrigin<T> {
    /// Add `n` to the tally of `id`.
    pub fn add(&mut self, id: OriginId, n: T) {
        let i = id.index();
        if i >= self.slots.len() {
            self.slots.resize(i + 1, (OriginId::default(), T::default()));
        }
        let slot = &mut self.slots[i];
        slot.0 = id;
        slot.1 += n;
    }

    /// The origins with a tally other than zero, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (OriginId, T)> + '_ {
        self.slots.iter().copied().filter(|(_, n)| *n != T::default())
    }

    /// This table's tallies and `other`'s added up (for tallies taken in
    /// parallel: the sum does not depend on how the work was split).
    pub fn merged(mut self, other: ByOrigin<T>) -> ByOrigin<T> {
        if other.slots.len() > self.slots.len() {
            return other.merged(self);
        }
        for (i, (id, n)) in other.slots.into_iter().enumerate() {
            if n != T::default() {
                let slot = &mut self.slots[i];
                slot.0 = id;
                slot.1 += n;
            }
        }
        self
    }

    /// How many items of `len` each run of a parallel tally should take:
    /// one run a thread while the origin table is small enough that a
    /// table a thread costs little, else one run for all (a table a
    /// thread would hold every origin, hundreds of thousands on a log of
    /// many hosts, routes and services, for an add an item).
    pub fn run_len(len: usize) -> usize {
        if OriginId::count() <= PER_THREAD_ORIGINS {
            len.div_ceil(rayon::current_num_threads()).max(1)
        } else {
            len.max(1)
        }
    }
}

/// Origins up to which [`ByOrigin::run_len`] gives each thread its own
/// table (a few MiB at most, for all threads).
const PER_THREAD_ORIGINS: usize = 1 << 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_tallies_are_the_tally_of_all() {
        let ids: Vec<OriginId> = ["merge-a.example", "merge-b.example", "merge-c.example"]
            .iter()
            .map(|h| {
                OriginId::of(&Origin {
                    host: Some((*h).into()),
                    ..Origin::default()
                })
            })
            .collect();
        assert!(OriginId::count() > ids.iter().map(|i| i.index()).max().unwrap_or(0));
        let items = [0usize, 2, 2, 1, 0, 2, 1, 1, 1];
        let mut all = ByOrigin::<u64>::default();
        items.iter().for_each(|&k| all.add(ids[k], 1));
        for cut in 0..=items.len() {
            let mut x = ByOrigin::<u64>::default();
            let mut y = ByOrigin::<u64>::default();
            items[..cut].iter().for_each(|&k| x.add(ids[k], 1));
            items[cut..].iter().for_each(|&k| y.add(ids[k], 1));
            let want: Vec<_> = all.iter().collect();
            assert_eq!(x.merged(y).iter().collect::<Vec<_>>(), want, "cut at {cut}");
        }
    }

    #[test]
    fn tallies_by_origin_add_up() {
        let a = OriginId::of(&Origin {
            host: Some("by-origin-a.example".into()),
            ..Origin::default()
        });
        let b = OriginId::of(&Origin {
            host: Some("by-origin-b.example".into()),
            ..Origin::default()
        });
        let c = OriginId::of(&Origin {
            host: Some("by-origin-c.example".into()),
            ..Origin::default()
        });
        let mut x = ByOrigin::<u64>::default();
        x.add(b, 5);
        x.add(a, 2);
        x.add(OriginId::default(), 1);
        x.add(a, 1);
        x.add(c, 0);
        let got: Vec<(OriginId, u64)> = x.iter().collect();
        let mut want = vec![(OriginId::default(), 1), (a, 3), (b, 5)];
        want.sort_by_key(|(id, _)| id.index());
        // In index order, and an origin whose tally is zero is not listed.
        assert_eq!(got, want);
    }

    #[test]
    fn equal_origins_share_an_id_and_read_back() {
        let a = Origin {
            method: Some("GET".into()),
            host: Some("origin-test.example".into()),
            ..Origin::default()
        };
        let mut b = a;
        b.route = Some("/v1/{id}".into());
        let (ia, ib) = (OriginId::of(&a), OriginId::of(&b));
        assert_ne!(ia, ib);
        assert_eq!(ia, OriginId::of(&a.clone()));
        assert_eq!(*ia.get(), a);
        assert_eq!(*ib.get(), b);
        assert_eq!(OriginId::of(&Origin::default()), OriginId::default());
        assert_eq!(*OriginId::default().get(), Origin::default());
        assert_eq!(std::mem::size_of::<OriginId>(), 4);
    }
}
