//! Culprit attributes: a value that sets a finding's failures apart from
//! the successful traffic (an upstream, a client release, a field), with
//! the share of failures and of successes that carry it. The analysis
//! (`analyze::culprit`) finds them; findings and causes carry them.

use serde::Serialize;

/// What an attribute is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// The upstream address a proxy forwarded to.
    Upstream,
    /// The upstream cluster (pool, service) a proxy chose from.
    Cluster,
    /// A host named in the error text (a dependency's URL or address).
    Dependency,
    /// The client's address.
    ClientAddress,
    /// The client's release, from the user agent (`ShopApp/7.2.0`).
    Release,
    /// The whole user agent.
    UserAgent,
    /// The credential's fingerprint.
    Credential,
    /// The emitting service's version.
    Version,
    /// Method and route.
    Route,
    /// The request's media type.
    ContentType,
    /// A field the error text names.
    Field,
    /// The request body's size: the failing requests were the large ones.
    Size,
}

impl Dim {
    /// How a sentence names the dimension.
    pub fn noun(self) -> &'static str {
        match self {
            Dim::Upstream => "upstream",
            Dim::Cluster => "upstream cluster",
            Dim::Dependency => "dependency",
            Dim::ClientAddress => "client",
            Dim::Release => "client release",
            Dim::UserAgent => "user agent",
            Dim::Credential => "credential",
            Dim::Version => "version",
            Dim::Route => "route",
            Dim::ContentType => "content type",
            Dim::Field => "field",
            Dim::Size => "request size",
        }
    }

    /// Whether the value comes from the failures' error text, which the
    /// successes lack.
    pub fn read_from_error(self) -> bool {
        matches!(self, Dim::Dependency | Dim::Field)
    }
}

/// One attribute that sets a finding's failures apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    /// What it is.
    pub dim: Dim,
    /// Its value.
    pub value: String,
    /// Share of the finding's failures that carry it.
    pub share: f64,
    /// Share of the successful requests that carry it (`None` for values
    /// read from error text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
}
