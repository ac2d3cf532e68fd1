//! Data-driven test of `guomen port check`'s rules, in the style of rust-analyzer's test data:
//! each `tests/bad/<case>.toml` (with the GeoJSON file it names) is loaded with `load_file`,
//! and every error it reports is compared, line for line, with `tests/bad/<case>.expected`.
//! `good.toml` is the valid base the bad cases depart from and expects nothing.
//!
//! After an intended change of messages, regenerate with `UPDATE_EXPECT=1 cargo test -p
//! guomen-port --test bad_ports` and review the diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use guomen_port::{ErrorKind, load_file};
use guomen_testkit::{Failed, Trial};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad")
}

/// The errors of one port file, rendered with paths relative to its folder so the expected
/// files do not depend on where the checkout lives.
fn render(toml: &Path) -> String {
    let dir = toml
        .parent()
        .map(|d| format!("{}/", d.display()))
        .unwrap_or_default();
    match load_file(toml) {
        Ok(_) => String::new(),
        Err(errors) => errors
            .iter()
            .map(|e| format!("{}\n", e.to_string().replace(&dir, "")))
            .collect(),
    }
}

fn check_case(toml: &Path) -> Result<(), Failed> {
    let expected_path = toml.with_extension("expected");
    let actual = render(toml);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_path, &actual).map_err(|e| Failed::from(e.to_string()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).map_err(|e| {
        Failed::from(format!(
            "{}: {e} (run with UPDATE_EXPECT=1 to create it)",
            expected_path.display()
        ))
    })?;
    if actual == expected {
        Ok(())
    } else {
        Err(Failed::from(format!(
            "errors differ from {}\n--- expected\n{expected}--- actual\n{actual}",
            expected_path.display()
        )))
    }
}

fn main() {
    let dir = cases_dir();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    let mut trials: Vec<Trial> = cases
        .iter()
        .map(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = path.clone();
            Trial::test(format!("bad::{name}"), move || check_case(&path))
        })
        .collect();

    let all_cases = cases.clone();
    trials.push(Trial::test("bad::every_case_but_good_fails", move || {
        for path in &all_cases {
            let good = path.file_stem().is_some_and(|s| s == "good");
            let rendered = render(path);
            if good != rendered.is_empty() {
                return Err(format!(
                    "{}: expected {}",
                    path.display(),
                    if good { "no errors" } else { "errors" }
                )
                .into());
            }
        }
        Ok(())
    }));

    let all_cases = cases.clone();
    trials.push(Trial::test("bad::every_rule_is_covered", move || {
        let mut seen = BTreeSet::new();
        for path in &all_cases {
            let rendered = render(path);
            for kind in ErrorKind::ALL {
                if rendered.contains(&format!("[{kind}]")) {
                    seen.insert(*kind);
                }
            }
        }
        let missing: Vec<String> = ErrorKind::ALL
            .iter()
            .filter(|k| !seen.contains(k))
            .map(ToString::to_string)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("no case in tests/bad exercises: {}", missing.join(", ")).into())
        }
    }));

    trials.push(Trial::test("sample::erenhot_file_is_valid", || {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ports/erenhot/port.toml");
        let rendered = render(&path);
        if rendered.is_empty() {
            Ok(())
        } else {
            Err(rendered.into())
        }
    }));

    if cases.is_empty() {
        trials.push(Trial::test("bad::cases_exist", move || {
            Err(format!("no cases found in {}", dir.display()).into())
        }));
    }
    guomen_testkit::run(trials);
}
