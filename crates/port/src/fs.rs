//! The crate's only I/O: reading a port's two files from disk.

use std::path::Path;

use crate::error::{ErrorKind, PortError};
use crate::model::Port;

/// Reads the TOML file at `path` and the geometry file it names (relative to the TOML's
/// folder), then loads and validates them with [`crate::load_str`].
pub fn load_file(path: &Path) -> Result<Port, Vec<PortError>> {
    let toml_name = path.display().to_string();
    let toml_text = std::fs::read_to_string(path).map_err(|e| {
        vec![PortError::new(
            &toml_name,
            None,
            ErrorKind::Io,
            format!("cannot read the port file: {e}"),
        )]
    })?;
    // The geometry file name comes from the TOML; reading it needs only `[port] geometry`,
    // and a TOML broken anywhere else is still reported in full by `load_str`.
    let parsed = crate::load::parse(&toml_text, &toml_name, "", "")?;
    let geometry = parsed.info.geometry.trim();
    if geometry.is_empty() {
        // Nothing to read; the missing field is among the TOML's own errors.
        return Err(toml_errors_only(&toml_text, &toml_name, None));
    }
    let geo_path = path.parent().unwrap_or(Path::new("")).join(geometry);
    let geo_name = geo_path.display().to_string();
    match std::fs::read_to_string(&geo_path) {
        Ok(geo_text) => crate::load_str(&toml_text, &toml_name, &geo_text, &geo_name),
        Err(e) => {
            let unreadable = PortError::new(
                &toml_name,
                Some(parsed.info.line),
                ErrorKind::Io,
                format!("cannot read the geometry file {geo_name}: {e}"),
            );
            Err(toml_errors_only(&toml_text, &toml_name, Some(unreadable)))
        }
    }
}

/// The TOML's own problems when there is no geometry to load: feature checks are skipped
/// and the (absent) GeoJSON is not blamed for being empty.
fn toml_errors_only(toml_text: &str, toml_name: &str, first: Option<PortError>) -> Vec<PortError> {
    const NO_GEOMETRY: &str = "\0no geometry";
    let rest = match crate::load_str(toml_text, toml_name, "", NO_GEOMETRY) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .filter(|e| e.file != NO_GEOMETRY)
            .collect(),
    };
    first.into_iter().chain(rest).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sample_from_disk() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ports/erenhot/port.toml");
        let port = load_file(&path).map_err(|e| format!("{e:?}"));
        assert_eq!(port.map(|p| p.info.id), Ok("erenhot".to_owned()));
    }

    #[test]
    fn missing_files_are_errors_not_panics() {
        let errors = load_file(Path::new("/nonexistent/port.toml"))
            .err()
            .unwrap_or_default();
        assert_eq!(errors.first().map(|e| e.kind), Some(ErrorKind::Io));

        let dir = std::env::temp_dir().join(format!("guomen-port-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let toml = dir.join("port.toml");
        std::fs::write(
            &toml,
            "[port]\nid = \"x\"\ngeometry = \"missing.geojson\"\n",
        )
        .ok();
        let errors = load_file(&toml).err().unwrap_or_default();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(
            errors.first().map(|e| e.kind),
            Some(ErrorKind::Io),
            "{errors:?}"
        );
        assert!(
            errors
                .first()
                .is_some_and(|e| e.message.contains("missing.geojson"))
        );
        // The TOML's own problems are still reported alongside.
        assert!(errors.iter().any(|e| e.kind == ErrorKind::Schema));
    }
}
