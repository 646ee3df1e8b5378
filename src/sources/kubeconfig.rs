//! Where and how to connect, resolved like kubectl: the kubeconfig (`--kubeconfig`, else the `$KUBECONFIG` list,
//! else `~/.kube/config`), its context / cluster / user (`--context`, `--cluster`, `--user`), then kubectl's
//! connection flags on top (`--server`, `--token`, `--certificate-authority`, `--client-certificate`,
//! `--client-key`, `--insecure-skip-tls-verify`, `--tls-server-name`, `--as`, `--as-group`, `--as-uid`). Without
//! a kubeconfig, `--server` alone is enough; else the pod's service account is used (in-cluster).
//!
//! The client is kube's middleware (base URI, credentials including exec plugins, impersonation headers) over a
//! hyper-rustls connector whose certificate check is [`super::tls::KubectlVerifier`], so what kubectl's Go TLS
//! accepts is accepted and nothing more.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kube::client::ConfigExt as _;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// The service account's files in a pod (kube and client-go read the same fixed folder).
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// Environment variable naming another service-account folder; only tests set it (no pod can).
pub const SERVICE_ACCOUNT_DIR_ENV: &str = "ETCD_TRIAGE_SERVICEACCOUNT_DIR";

/// kubectl's connection flags, as given (`None` / empty: keep what the kubeconfig says).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub server: Option<String>,
    pub token: Option<String>,
    pub certificate_authority: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub tls_server_name: Option<String>,
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub impersonate_uid: Option<String>,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
}

/// A client ready to use, with what the manifest records about it.
pub struct Connection {
    pub client: kube::Client,
    /// The API server's URL, without a trailing slash.
    pub server: String,
    /// The kubeconfig context, `in-cluster`, or `flags` (only `--server` and friends).
    pub context: String,
}

/// The configuration cannot be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot load the Kubernetes client configuration: {0}\n\
         On a control-plane node without a kubeconfig, read the logs directly:\n  \
         sudo kubectl etcd-triage analyze /var/log/pods"
    )]
    NotFound(String),
    #[error("cannot use the kubeconfig: {0}")]
    Kubeconfig(String),
    #[error("{flag} {value:?}: {why}")]
    Flag { flag: &'static str, value: String, why: String },
    #[error("in-cluster configuration (service account in {dir}): {why}")]
    InCluster { dir: PathBuf, why: String },
    #[error("building the API client: {0}")]
    Client(String),
}

/// Resolves the configuration and builds the client.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection, ConfigError> {
    let (mut config, context) = base_config(opts).await?;
    apply_flags(&mut config, opts)?;
    config.connect_timeout = Some(opts.connect_timeout);
    // No read timeout: it would also fire on idle pooled connections; each request's head and each body chunk
    // are bounded by --request-timeout by the caller instead.
    config.read_timeout = None;
    let server = config.cluster_url.to_string().trim_end_matches('/').to_string();
    let client = build_client(&config)?;
    Ok(Connection { client, server, context })
}

/// The kubeconfig's context (with `--context/--cluster/--user`), else only the flags (`--server`), else the pod's
/// service account.
async fn base_config(opts: &ConnectOptions) -> Result<(kube::Config, String), ConfigError> {
    let chain = |e: &dyn std::error::Error| super::cluster::error_chain(e);
    let kubeconfig = match &opts.kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|e| ConfigError::Kubeconfig(chain(&e)))?),
        None => match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
            // kubectl merges the files of the list in order (the first to set a value wins) and skips missing ones.
            Some(list) => {
                let mut merged: Option<Kubeconfig> = None;
                for path in std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty() && p.exists()) {
                    let read = |e: kube::config::KubeconfigError| {
                        ConfigError::Kubeconfig(format!("$KUBECONFIG file {}: {}", path.display(), chain(&e)))
                    };
                    let next = Kubeconfig::read_from(&path).map_err(read)?;
                    merged = Some(match merged {
                        None => next,
                        Some(m) => m.merge(next).map_err(read)?,
                    });
                }
                merged
            }
            None => match home_kubeconfig() {
                Some(path) if path.exists() => {
                    Some(Kubeconfig::read_from(&path).map_err(|e| ConfigError::Kubeconfig(chain(&e)))?)
                }
                _ => None,
            },
        },
    };
    let names_given = opts.context.is_some() || opts.cluster.is_some() || opts.user.is_some();
    match kubeconfig {
        // A kubeconfig without a current context still serves --server (kubectl does the same).
        Some(kc) if kc.current_context.is_some() || names_given || opts.server.is_none() => {
            if let Some(user) = &opts.user
                && !kc.auth_infos.iter().any(|a| &a.name == user)
            {
                let why = "no such user in the kubeconfig".to_string();
                return Err(ConfigError::Flag { flag: "--user", value: user.clone(), why });
            }
            let context = opts.context.clone().or_else(|| kc.current_context.clone()).unwrap_or_default();
            let options = KubeConfigOptions {
                context: opts.context.clone(),
                cluster: opts.cluster.clone(),
                user: opts.user.clone(),
            };
            let config = kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| ConfigError::Kubeconfig(chain(&e)))?;
            Ok((config, context))
        }
        _ if names_given => Err(ConfigError::NotFound(
            "--context, --cluster or --user name a kubeconfig entry, but no kubeconfig was found".into(),
        )),
        _ if opts.server.is_some() => {
            // Only the flags: the server is set by apply_flags.
            Ok((kube::Config::new(http::Uri::from_static("https://localhost")), "flags".to_string()))
        }
        _ => {
            let dir = std::env::var_os(SERVICE_ACCOUNT_DIR_ENV)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR));
            if std::env::var_os("KUBERNETES_SERVICE_HOST").is_none() {
                return Err(ConfigError::NotFound(
                    "no kubeconfig (--kubeconfig, $KUBECONFIG or ~/.kube/config), no --server, and not in a cluster \
                     (KUBERNETES_SERVICE_HOST is not set)"
                        .into(),
                ));
            }
            Ok((in_cluster(&dir)?, "in-cluster".to_string()))
        }
    }
}

fn home_kubeconfig() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| Path::new(&h).join(".kube").join("config"))
}

/// The pod's service account, as client-go's `rest.InClusterConfig`: the API server from
/// `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`, `token` (re-read as kubelet rotates it), `ca.crt` and
/// `namespace` from `dir`.
pub fn in_cluster(dir: &Path) -> Result<kube::Config, ConfigError> {
    let fail = |why: String| ConfigError::InCluster { dir: dir.to_path_buf(), why };
    let host =
        std::env::var("KUBERNETES_SERVICE_HOST").map_err(|_| fail("KUBERNETES_SERVICE_HOST is not set".into()))?;
    let port =
        std::env::var("KUBERNETES_SERVICE_PORT").map_err(|_| fail("KUBERNETES_SERVICE_PORT is not set".into()))?;
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host };
    let url = format!("https://{host}:{port}");
    let uri: http::Uri = url.parse().map_err(|e| fail(format!("{url}: {e}")))?;
    let token = dir.join("token");
    if !token.is_file() {
        return Err(fail(format!("{} does not exist (is a service account mounted?)", token.display())));
    }
    let ca_path = dir.join("ca.crt");
    let ca = std::fs::read(&ca_path).map_err(|e| fail(format!("reading {}: {e}", ca_path.display())))?;
    let roots = pem_certificates(&ca).map_err(|why| fail(format!("{}: {why}", ca_path.display())))?;
    let mut config = kube::Config::new(uri);
    config.root_cert = Some(roots);
    config.auth_info.token_file = Some(token.to_string_lossy().into_owned());
    if let Ok(ns) = std::fs::read_to_string(dir.join("namespace"))
        && !ns.trim().is_empty()
    {
        config.default_namespace = ns.trim().to_string();
    }
    Ok(config)
}

/// Why a CA file gave no certificates.
#[derive(Debug, thiserror::Error)]
enum PemError {
    #[error("not PEM: {0}")]
    NotPem(#[source] rustls::pki_types::pem::Error),
    #[error("no PEM CERTIFICATE in it")]
    Empty,
}

/// The CERTIFICATE blocks of a PEM file, as DER.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, PemError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        out.push(cert.map_err(PemError::NotPem)?.to_vec());
    }
    if out.is_empty() {
        return Err(PemError::Empty);
    }
    Ok(out)
}

/// kubectl's flags over whatever the kubeconfig or service account said.
fn apply_flags(config: &mut kube::Config, opts: &ConnectOptions) -> Result<(), ConfigError> {
    if let Some(server) = &opts.server {
        let url = if server.contains("://") { server.clone() } else { format!("https://{server}") };
        config.cluster_url = url.parse().map_err(|e: http::uri::InvalidUri| ConfigError::Flag {
            flag: "--server",
            value: server.clone(),
            why: e.to_string(),
        })?;
    }
    if let Some(path) = &opts.certificate_authority {
        let flag = "--certificate-authority";
        let value = path.display().to_string();
        let pem = std::fs::read(path).map_err(|e| ConfigError::Flag {
            flag,
            value: value.clone(),
            why: format!("cannot read it: {e}"),
        })?;
        config.root_cert =
            Some(pem_certificates(&pem).map_err(|e| ConfigError::Flag { flag, value, why: e.to_string() })?);
        config.accept_invalid_certs = false;
    }
    if opts.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
        config.root_cert = None;
    }
    if let Some(name) = &opts.tls_server_name {
        config.tls_server_name = Some(name.clone());
    }
    let auth = &mut config.auth_info;
    if let Some(token) = &opts.token {
        // An explicit token replaces the kubeconfig user's other ways to get one (kubectl sends only it).
        auth.token = Some(token.clone().into());
        auth.token_file = None;
        auth.exec = None;
        auth.auth_provider = None;
        auth.username = None;
        auth.password = None;
    }
    if let Some(cert) = &opts.client_certificate {
        auth.client_certificate = Some(cert.to_string_lossy().into_owned());
        auth.client_certificate_data = None;
    }
    if let Some(key) = &opts.client_key {
        auth.client_key = Some(key.to_string_lossy().into_owned());
        auth.client_key_data = None;
    }
    if let Some(user) = &opts.impersonate {
        auth.impersonate = Some(user.clone());
    }
    if !opts.impersonate_groups.is_empty() {
        auth.impersonate_groups = Some(opts.impersonate_groups.clone());
    }
    if let Some(uid) = &opts.impersonate_uid {
        auth.impersonate_uid = Some(uid.clone());
    }
    Ok(())
}

/// kube's middleware stack over a connector that verifies like kubectl.
fn build_client(config: &kube::Config) -> Result<kube::Client, ConfigError> {
    let chain = |e: &dyn std::error::Error| super::cluster::error_chain(e);
    let mut tls = config.rustls_client_config().map_err(|e| ConfigError::Client(chain(&e)))?;
    if !config.accept_invalid_certs
        && let Some(roots) = &config.root_cert
    {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            super::tls::KubectlVerifier::new(roots, provider).map_err(|e| ConfigError::Client(e.to_string()))?;
        tls.dangerous().set_certificate_verifier(Arc::new(verifier));
    }
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(config.connect_timeout);
    let mut builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
    if let Some(name) = &config.tls_server_name {
        let server_name = rustls::pki_types::ServerName::try_from(name.clone()).map_err(|e| ConfigError::Flag {
            flag: "--tls-server-name",
            value: name.clone(),
            why: e.to_string(),
        })?;
        builder = builder.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(server_name));
    }
    let https = builder.enable_http1().wrap_connector(http);
    let http_client: hyper_util::client::legacy::Client<_, kube::client::Body> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
    let auth = config.auth_layer().map_err(|e| ConfigError::Client(chain(&e)))?;
    let headers = config.extra_headers_layer().map_err(|e| ConfigError::Client(chain(&e)))?;
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(auth)
        .layer(headers)
        .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })
        .service(http_client);
    Ok(kube::Client::new(service, config.default_namespace.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(dir: &Path) -> PathBuf {
        let path = dir.join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster:\n    server: https://a.example:6443\n\
             - name: b\n  cluster:\n    server: https://b.example:6443\ncontexts:\n- name: ctx\n  context:\n    \
             cluster: a\n    user: alice\ncurrent-context: ctx\nusers:\n- name: alice\n  user:\n    token: alice-token\n\
             - name: bob\n  user:\n    token: bob-token\n",
        )
        .unwrap();
        path
    }

    fn token(config: &kube::Config) -> Option<String> {
        use secrecy::ExposeSecret as _;
        config.auth_info.token.as_ref().map(|t| t.expose_secret().to_string())
    }

    #[tokio::test]
    async fn flags_override_the_kubeconfig_like_kubectl() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ConnectOptions { kubeconfig: Some(kubeconfig(dir.path())), ..Default::default() };
        let (config, context) = base_config(&opts).await.unwrap();
        assert_eq!((context.as_str(), config.cluster_url.to_string().as_str()), ("ctx", "https://a.example:6443/"));
        assert_eq!(token(&config).as_deref(), Some("alice-token"));

        // --cluster and --user pick other entries of the same kubeconfig.
        let opts = ConnectOptions { cluster: Some("b".into()), user: Some("bob".into()), ..opts };
        let (mut config, _) = base_config(&opts).await.unwrap();
        assert_eq!(config.cluster_url.host(), Some("b.example"));
        assert_eq!(token(&config).as_deref(), Some("bob-token"));

        // --server and --token win over both.
        let flags = ConnectOptions {
            server: Some("https://127.0.0.1:9443".into()),
            token: Some("flag-token".into()),
            impersonate: Some("jane".into()),
            impersonate_groups: vec!["sre".into(), "oncall".into()],
            ..opts.clone()
        };
        apply_flags(&mut config, &flags).unwrap();
        assert_eq!(config.cluster_url.to_string(), "https://127.0.0.1:9443/");
        assert_eq!(token(&config).as_deref(), Some("flag-token"));
        assert_eq!(config.auth_info.impersonate.as_deref(), Some("jane"));
        assert_eq!(config.auth_info.impersonate_groups, Some(vec!["sre".to_string(), "oncall".to_string()]));

        let unknown = ConnectOptions { user: Some("mallory".into()), ..opts };
        let err = base_config(&unknown).await.err().unwrap();
        assert!(err.to_string().contains("--user \"mallory\""), "{err}");
    }

    #[test]
    fn a_bad_certificate_authority_file_names_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.crt");
        std::fs::write(&not_pem, "hello").unwrap();
        let mut config = kube::Config::new(http::Uri::from_static("https://x.example"));
        let opts = ConnectOptions { certificate_authority: Some(not_pem), ..Default::default() };
        let err = apply_flags(&mut config, &opts).unwrap_err().to_string();
        assert!(err.starts_with("--certificate-authority") && err.contains("no PEM CERTIFICATE"), "{err}");
    }
}
