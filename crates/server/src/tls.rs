//! TLS for the station's HTTP listener: a rustls server configuration from PEM files, and a
//! self-signed certificate for a LAN station (`guomen tls self-signed`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// A rustls acceptor for the certificate chain and private key in these PEM files. Errors
/// name the file and what is wrong with it, never its contents.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let cert_pem = std::fs::read(cert)
        .with_context(|| format!("cannot read the certificate {}", cert.display()))?;
    let key_pem =
        std::fs::read(key).with_context(|| format!("cannot read the key {}", key.display()))?;
    let chain: Vec<_> = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    if chain.is_empty() {
        bail!("{} holds no PEM certificate", cert.display());
    }
    let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .with_context(|| format!("{} is not a PEM private key", key.display()))?
        .with_context(|| format!("{} holds no PEM private key", key.display()))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .with_context(|| {
            format!(
                "the key {} cannot serve the certificate {}",
                key.display(),
                cert.display()
            )
        })?;
    // The listener speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A self-signed certificate for `host` (a DNS name or an IP address; `localhost` and
/// 127.0.0.1 are added so the station can be checked from itself): (certificate PEM,
/// private key PEM).
pub fn self_signed(host: &str) -> anyhow::Result<(String, String)> {
    let host = host.trim();
    if host.is_empty() || host.len() > 253 || host.contains(char::is_whitespace) {
        bail!("--host must be a DNS name or an IP address");
    }
    let mut names = vec![host.to_owned()];
    for extra in ["localhost", "127.0.0.1"] {
        if !names.iter().any(|n| n == extra) {
            names.push(extra.to_owned());
        }
    }
    let mut params = rcgen::CertificateParams::new(names)
        .with_context(|| format!("`{host}` is not a valid DNS name or IP address"))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, host);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "guomen station");
    // Valid from yesterday (clock skew between station and browsers) for 825 days, the
    // longest lifetime browsers accept for a leaf certificate.
    let ymd = |d: chrono::NaiveDate| {
        use chrono::Datelike as _;
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    let today = chrono::Utc::now().date_naive();
    params.not_before = ymd(today - chrono::Days::new(1));
    params.not_after = ymd(today + chrono::Days::new(825));
    let key = rcgen::KeyPair::generate().context("cannot generate a key pair")?;
    let cert = params
        .self_signed(&key)
        .context("cannot sign the certificate")?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Writes `DIR/cert.pem` and `DIR/key.pem` (the key readable by its owner only).
pub fn write_self_signed(host: &str, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let (cert, key) = self_signed(host)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert)
        .with_context(|| format!("cannot write {}", cert_path.display()))?;
    write_private(&key_path, key.as_bytes())
        .with_context(|| format!("cannot write {}", key_path.display()))?;
    Ok((cert_path, key_path))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_pair_loads_as_an_acceptor() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write_self_signed("station.lan", dir.path()).unwrap();
        assert!(
            std::fs::read_to_string(&cert)
                .unwrap()
                .contains("BEGIN CERTIFICATE")
        );
        assert!(
            std::fs::read_to_string(&key)
                .unwrap()
                .contains("PRIVATE KEY")
        );
        acceptor(&cert, &key).unwrap();
        // Swapped files are refused with a message that names the file, not its contents.
        let err = acceptor(&key, &cert).err().unwrap().to_string();
        assert!(err.contains("key.pem"), "{err}");
        assert!(!err.contains("BEGIN"), "{err}");
        assert!(self_signed("two words").is_err());
    }
}
