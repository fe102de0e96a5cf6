//! The command line: arguments (`args`), their validation (`options`) and
//! one module per command. [`run`] dispatches a parsed command line; the
//! binary maps its [`Outcome`] to the exit code.

pub mod args;
pub mod commands;
pub mod compare;
pub mod eval;
pub mod options;
pub mod rules;
pub mod sanitize;

use std::io::Write;

pub use args::{Cli, Command};

use crate::error::{Error, Result};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Analysed everything; nothing at or above `--fail-on`.
    Clean,
    /// A root cause at or above `--fail-on` was found (for `rules check`,
    /// a fixture failed; for `trace`, nothing matched; for `sanitize
    /// --dry-run`, something would be replaced).
    FailOn,
    /// Some input could not be analysed.
    InputErrors,
}

/// Run one command. Errors about individual inputs go to `errors_out`.
pub fn run(command: &Command, errors_out: &mut dyn Write) -> Result<Outcome> {
    let stdout = &mut std::io::stdout().lock();
    match command {
        Command::Analyze(args) => commands::run_analyze(args, errors_out),
        Command::Compare(args) => compare::run_compare(args, errors_out),
        Command::Export(args) => commands::run_export(args, errors_out),
        Command::Timeline(args) => commands::run_timeline(args, errors_out),
        Command::Trace(args) => commands::run_trace(args, errors_out),
        Command::Sanitize(args) => sanitize::run_sanitize(args, stdout),
        Command::Rules { action, rules } => {
            rules::run(action, rules, stdout).map(|ok| if ok { Outcome::Clean } else { Outcome::FailOn })
        }
        Command::Eval { dir, format, rules } => {
            eval::run_eval(dir, *format, rules, stdout).map(|()| Outcome::Clean)
        }
    }
}

/// Say on stderr when the leak check could not search for every secret.
pub fn warn_unchecked(errors_out: &mut dyn Write) {
    let n = crate::report::output::unchecked();
    if n > 0 {
        let _ = writeln!(
            errors_out,
            "warning: {n} secrets were redacted but too many to re-check in the output \
             (the check keeps {} per thread)",
            crate::report::output::SECRETS_PER_THREAD
        );
    }
}

/// Clean, unless some input was rejected.
pub fn outcome_of(errors: &[Error]) -> Outcome {
    if errors.is_empty() {
        Outcome::Clean
    } else {
        Outcome::InputErrors
    }
}

/// Report rejected inputs; whether every input was rejected.
pub fn report_errors(errors: &[Error], read_any: bool, errors_out: &mut dyn Write) -> bool {
    for e in errors {
        let _ = writeln!(errors_out, "error: {e}");
    }
    !read_any && !errors.is_empty()
}
