//! The certificate authority and server certificate generated at each start, and the rustls
//! configuration that serves them.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

use super::MockIseError;

/// Common name of the generated CA, which clients see when they inspect the chain.
pub(crate) const CA_COMMON_NAME: &str = "gatecheck mock ISE CA";

/// Names the server certificate is valid for, so that clients may connect by either loopback
/// address or by `localhost`.
const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Validity of both certificates, counted from one day before the start so that a client whose
/// clock lags a little still accepts them.
const VALIDITY: Duration = Duration::days(30);

/// A freshly generated CA with a TLS configuration for a server certificate that it signed.
pub(crate) struct ServerIdentity {
    /// PEM of the CA certificate, which clients add as a trust root.
    pub(crate) ca_pem: String,
    pub(crate) config: Arc<ServerConfig>,
}

/// Generates a CA and a server certificate signed by it, and builds the TLS server configuration
/// that offers HTTP/2 and HTTP/1.1 over TLS 1.3 and 1.2.
pub(crate) fn generate_identity(
    provider: Arc<CryptoProvider>,
) -> Result<ServerIdentity, MockIseError> {
    let not_before = OffsetDateTime::now_utc().saturating_sub(Duration::days(1));
    let not_after = not_before.saturating_add(VALIDITY);

    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, CA_COMMON_NAME);
    // Path length 0: this CA signs the one server certificate and no intermediate.
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_key = KeyPair::generate()?;
    let ca_certificate = ca_params.self_signed(&ca_key)?;
    let ca_issuer = Issuer::new(ca_params, ca_key);

    let server_names: Vec<String> = SERVER_NAMES.iter().map(|name| name.to_string()).collect();
    let mut server_params = CertificateParams::new(server_names)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.use_authority_key_identifier_extension = true;
    server_params.not_before = not_before;
    server_params.not_after = not_after;
    let server_key = KeyPair::generate()?;
    let server_certificate = server_params.signed_by(&server_key, &ca_issuer)?;

    let private_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(MockIseError::TlsConfig)?
        .with_no_client_auth()
        .with_single_cert(vec![server_certificate.der().clone()], private_key)
        .map_err(MockIseError::TlsConfig)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    Ok(ServerIdentity {
        ca_pem: ca_certificate.pem(),
        config: Arc::new(config),
    })
}
