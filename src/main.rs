//! The `logsleuth` binary: parse arguments, run, map the outcome to an exit
//! code (0 success, 1 `--fail-on` matched, 2 usage or input error, 3 an
//! output refused because a redacted secret would have survived in it).

#![warn(clippy::too_many_lines)]

use std::process::ExitCode;

use clap::Parser;

use logsleuth::cli::{self, Cli, Outcome};

fn main() -> ExitCode {
    // glibc raises its mmap threshold each time a large block is freed, up
    // to 32 MiB, after which the parse's per-chunk vectors come from the
    // heap and stay resident once freed, beside the merged copy of them.
    // A fixed threshold (the default's starting value) hands every large
    // block back to the kernel when it is freed.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
    let cli = Cli::parse();
    let mut stderr = std::io::stderr();
    let stats = cli.command.input_args().is_some_and(|a| a.stats);
    let started = std::time::Instant::now();
    if stats {
        logsleuth::util::stats::enable();
    }
    let result = cli::run(&cli.command, &mut stderr);
    if stats {
        let _ = logsleuth::util::stats::render(started.elapsed(), &mut stderr);
    }
    // A mapped input truncated or rewritten after its parse: the report was
    // written from damaged text, which the user must be told.
    let changed = logsleuth::input::load::changed_inputs();
    for e in &changed {
        eprintln!("error: {e}");
    }
    let result = match result {
        Ok(_) if !changed.is_empty() => Ok(Outcome::InputErrors),
        r => r,
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::FailOn) => ExitCode::from(1),
        Ok(Outcome::InputErrors) => ExitCode::from(2),
        Err(logsleuth::Error::Output { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e @ logsleuth::Error::Leak { .. }) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
