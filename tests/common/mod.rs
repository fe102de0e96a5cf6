//! Helpers shared by the integration tests: run the built binary with a
//! scrubbed environment and capture what it printed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus`, if present.
pub fn corpus() -> Option<PathBuf> {
    let p = root().join("../shared/corpus");
    if p.join("MANIFEST.tsv").is_file() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared/corpus is not present next to the checkout");
        None
    }
}

/// Run `logsleuth` with `args` from the crate root, with no colour and no
/// inherited variables that change behaviour.
pub fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

/// As [`run`], feeding `stdin`.
pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_full(args, stdin, &[])
}

/// As [`run`], with extra environment variables.
pub fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    run_full(args, None, env)
}

fn run_full(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logsleuth"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("LOGSLEUTH_TEST_FAULT")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .envs(env.iter().copied());
    let mut child = cmd.spawn().expect("spawn logsleuth");
    if let Some(data) = stdin {
        use std::io::Write;
        let mut s = child.stdin.take().expect("stdin");
        s.write_all(data).expect("write stdin");
    }
    child.wait_with_output().expect("wait for logsleuth")
}

/// Parse stdout as the JSON report.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Path as a string for arguments.
pub fn arg(p: &Path) -> String {
    p.display().to_string()
}

/// The sample files under `samples/`, sorted.
pub fn sample_dirs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .expect("samples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The forms a secret can take in an output: raw, base64 (standard and
/// URL-safe), URL-encoded and JSON-escaped.
pub fn secret_forms(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let std64 = base64::engine::general_purpose::STANDARD.encode(secret);
    let url64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret);
    let urlenc: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let json = serde_json::to_string(secret).unwrap_or_default();
    vec![
        secret.to_string(),
        std64,
        url64,
        urlenc,
        json.trim_matches('"').to_string(),
    ]
}
