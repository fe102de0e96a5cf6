//! `logsleuth rules list|explain|check`: load the rule pack (built-in,
//! project and `--rules` directories) and show it or check its fixtures.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::args::RulesAction;
use crate::error::{Error, Result};
use crate::report::rules::{render_check, render_explain, render_list};
use crate::rules;

/// Run a `rules` action. Returns whether every fixture checked passed.
pub fn run(action: &RulesAction, dirs: &[PathBuf], out: &mut dyn Write) -> Result<bool> {
    let dirs = &rules::dirs_with_project(dirs);
    let werr = |source| Error::Output {
        path: PathBuf::from("-"),
        source,
    };
    match action {
        RulesAction::List { format } => {
            render_list(&rules::load(dirs)?, *format, out).map_err(werr)?;
            Ok(true)
        }
        RulesAction::Explain { id } => {
            let rules = rules::load(dirs)?;
            let Some(r) = rules.iter().find(|r| &r.id == id) else {
                return Err(Error::Usage(format!(
                    "no rule {id:?}; `logsleuth rules list` shows the ids"
                )));
            };
            render_explain(r, out).map_err(werr)?;
            Ok(true)
        }
        RulesAction::Check { dir } => {
            let rules = match dir {
                Some(d) => rules::load_dir(d)?,
                None => rules::load(dirs)?,
            };
            let results: Vec<_> = rules.iter().map(rules::run_fixtures).collect();
            render_check(&rules, &results, out).map_err(werr)?;
            Ok(results.iter().flatten().all(|r| r.passed))
        }
    }
}
