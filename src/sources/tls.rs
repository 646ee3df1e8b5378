//! Verifies the API server's certificate the way kubectl (Go's crypto/x509) does.
//!
//! rustls (webpki) refuses a server certificate that is itself a CA (`CaUsedAsEndEntity`), so a cluster whose
//! serving certificate is the self-signed `CA:TRUE` certificate given as its CA (what `openssl req -x509` makes by
//! default) is refused, although kubectl connects. Go trusts a leaf that is byte-for-byte one of the configured
//! roots, and still checks its validity period and that it names the host. [`KubectlVerifier`] does exactly
//! that on top of rustls' own verifier, and nothing more: any other certificate goes through webpki unchanged.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

/// Building the verifier failed: a configured CA certificate cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("the certificate authority contains no usable certificate: {0}")]
    NoRoots(String),
    #[error("building the TLS verifier: {0}")]
    Verifier(String),
}

/// rustls' webpki verifier plus Go's rule for a server certificate that is one of the roots.
#[derive(Debug)]
pub struct KubectlVerifier {
    inner: Arc<WebPkiServerVerifier>,
    roots: Vec<CertificateDer<'static>>,
}

impl KubectlVerifier {
    /// A verifier trusting exactly `roots` (DER certificates from the kubeconfig, `--certificate-authority` or the
    /// service account's ca.crt).
    pub fn new(roots: &[Vec<u8>], provider: Arc<CryptoProvider>) -> Result<Self, TlsSetupError> {
        let roots: Vec<CertificateDer<'static>> = roots.iter().map(|r| CertificateDer::from(r.clone())).collect();
        let mut store = RootCertStore::empty();
        let (added, ignored) = store.add_parsable_certificates(roots.iter().cloned());
        if added == 0 {
            return Err(TlsSetupError::NoRoots(format!("{ignored} certificate(s) could not be parsed")));
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
            .build()
            .map_err(|e| TlsSetupError::Verifier(e.to_string()))?;
        Ok(KubectlVerifier { inner, roots })
    }
}

impl ServerCertVerifier for KubectlVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let refused = match self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Ok(verified) => return Ok(verified),
            Err(e) => e,
        };
        if !self.roots.iter().any(|root| root.as_ref() == end_entity.as_ref()) {
            // A CA certificate that is not one of the roots: Go says "signed by unknown authority", and so do we
            // (rustls' CaUsedAsEndEntity would send the user looking for the wrong problem).
            if is_ca_used_as_end_entity(&refused) {
                return Err(Error::InvalidCertificate(CertificateError::UnknownIssuer));
            }
            return Err(refused);
        }
        // Go: a certificate in the root pool is its own chain; its validity period and names are still checked.
        check_validity(end_entity, now)?;
        let parsed = ParsedCertificate::try_from(end_entity)?;
        verify_server_name(&parsed, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn is_ca_used_as_end_entity(e: &Error) -> bool {
    match e {
        Error::InvalidCertificate(CertificateError::Other(other)) => {
            matches!(other.0.downcast_ref::<webpki::Error>(), Some(webpki::Error::CaUsedAsEndEntity))
        }
        _ => false,
    }
}

/// The certificate's notBefore..notAfter must contain `now`, as webpki checks for any other certificate.
fn check_validity(der: &CertificateDer<'_>, now: UnixTime) -> Result<(), Error> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let validity = cert.validity();
    let to_unix = |t: i64| UnixTime::since_unix_epoch(std::time::Duration::from_secs(t.max(0) as u64));
    let (not_before, not_after) = (validity.not_before.timestamp(), validity.not_after.timestamp());
    let time = now.as_secs() as i64;
    if time < not_before {
        let not_before = to_unix(not_before);
        return Err(Error::InvalidCertificate(CertificateError::NotValidYetContext { time: now, not_before }));
    }
    if time > not_after {
        let not_after = to_unix(not_after);
        return Err(Error::InvalidCertificate(CertificateError::ExpiredContext { time: now, not_after }));
    }
    Ok(())
}

/// What went wrong in a TLS verification, for the error message: the reason in words and the flag that fits.
pub fn advice(error: &Error) -> (String, &'static str) {
    let ca = "pass the cluster's CA certificate with --certificate-authority FILE (kubeadm: /etc/kubernetes/pki/ca.crt; \
              or fix certificate-authority-data in the kubeconfig); only as a last resort, and never on an untrusted \
              network, --insecure-skip-tls-verify";
    let name = "when you reach the API server by another name or address than the certificate was issued for (a \
                tunnel, a load balancer, an IP), pass a name it was issued for with --tls-server-name NAME; only as a \
                last resort --insecure-skip-tls-verify";
    let time = "renew the API server's certificate (kubeadm: `kubeadm certs renew apiserver`) or correct this \
                machine's clock; only as a last resort --insecure-skip-tls-verify";
    match error {
        Error::InvalidCertificate(c) => match c {
            CertificateError::NotValidForNameContext { expected, presented } => (
                format!(
                    "the certificate is not valid for {} (it names {})",
                    server_name_text(expected),
                    if presented.is_empty() { "no host".to_string() } else { presented.join(", ") }
                ),
                name,
            ),
            CertificateError::NotValidForName => ("the certificate is not valid for this host".into(), name),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ("the certificate has expired".into(), time)
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                ("the certificate is not valid yet".into(), time)
            }
            CertificateError::UnknownIssuer => {
                ("the certificate is not signed by a certificate authority you trust".into(), ca)
            }
            CertificateError::BadSignature => {
                ("the certificate's signature does not match the configured certificate authority".into(), ca)
            }
            other => (format!("the certificate was refused: {other:?}"), ca),
        },
        other => (other.to_string(), ca),
    }
}

fn server_name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    fn self_signed_ca(names: &[&str], not_after: (i32, u8, u8)) -> Vec<u8> {
        let mut params = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        params.self_signed(&KeyPair::generate().unwrap()).unwrap().der().to_vec()
    }

    fn verify(root: &[u8], leaf: &[u8], host: &str) -> Result<ServerCertVerified, Error> {
        let verifier = KubectlVerifier::new(&[root.to_vec()], provider()).unwrap();
        let name = ServerName::try_from(host.to_string()).unwrap();
        verifier.verify_server_cert(&CertificateDer::from(leaf.to_vec()), &[], &name, &[], UnixTime::now())
    }

    #[test]
    fn a_serving_certificate_that_is_the_configured_ca_is_trusted_with_its_names_and_dates_checked() {
        let ca = self_signed_ca(&["api.example", "127.0.0.1"], (2100, 1, 1));
        assert!(verify(&ca, &ca, "api.example").is_ok());
        assert!(verify(&ca, &ca, "127.0.0.1").is_ok(), "IP SANs count");
        let wrong = verify(&ca, &ca, "other.example").unwrap_err();
        assert!(
            matches!(wrong, Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })),
            "{wrong:?}"
        );
        let (reason, flag) = advice(&wrong);
        assert!(reason.contains("other.example") && reason.contains("api.example"), "{reason}");
        assert!(flag.contains("--tls-server-name"), "{flag}");

        let expired = self_signed_ca(&["api.example"], (2021, 1, 1));
        let err = verify(&expired, &expired, "api.example").unwrap_err();
        assert!(matches!(err, Error::InvalidCertificate(CertificateError::ExpiredContext { .. })), "{err:?}");
        assert!(advice(&err).0.contains("expired"));
    }

    #[test]
    fn a_ca_certificate_that_is_not_one_of_the_roots_is_still_refused() {
        let trusted = self_signed_ca(&["api.example"], (2100, 1, 1));
        let other = self_signed_ca(&["api.example"], (2100, 1, 1));
        let err = verify(&trusted, &other, "api.example").unwrap_err();
        assert!(matches!(err, Error::InvalidCertificate(CertificateError::UnknownIssuer)), "{err:?}");
        let (reason, flag) = advice(&err);
        assert!(flag.contains("--certificate-authority"), "{reason}: {flag}");
    }
}
