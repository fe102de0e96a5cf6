//! Analysis: from parsed events to ranked causes. `correlate` joins the
//! inputs and corrects their clocks, `traces` builds trace trees, the rule
//! engine (`crate::rules`) turns events into findings, `culprit` names what
//! each finding's failures share, `fallback` covers failures no rule
//! explains, `rank` orders causes above their symptoms, and `timeline`,
//! `series`, `spike` and `evidence` tell the story with links to records.

pub mod correlate;
pub mod culprit;
pub mod evidence;
pub mod fallback;
pub mod rank;
pub mod series;
pub mod spike;
pub mod timeline;
pub mod traces;
