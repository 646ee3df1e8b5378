//! Connecting like kubectl, against the fake API server (tests/support/fakeapi) with the lab's shared-slow
//! capture: kubectl's connection flags over (or without) a kubeconfig, impersonation headers, TLS that accepts
//! what kubectl's Go TLS accepts (a serving certificate that is the configured CA) and refuses the rest (wrong
//! name, expired, unknown issuer) with errors naming the flag that fits, and the in-cluster service account.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use serde_json::Value;
use support::fakeapi::{FakeApi, Rbac, Scenario};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-etcd_triage");
const NOW: &str = "2026-11-25T02:23:00Z";
const TOKEN: &str = "t0ken-for-tests";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shared_slow() -> Scenario {
    let mut s = Scenario::from_fixture(&root().join("tests/fixtures/shared-slow"));
    s.token = Some(TOKEN.into());
    s.rbac = Some(Rbac::from_yaml_file(&root().join("deploy/rbac.yaml")));
    s
}

/// Runs the plugin with no kubeconfig anywhere (`$KUBECONFIG` unset, `$HOME` empty) and not in a cluster, plus
/// `env`.
fn run(args: &[&str], home: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .args(["--now", NOW, "-o", "json"])
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .env("HOME", home)
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run the plugin")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn report(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr:\n{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(o)))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn server_token_and_ca_flags_alone_connect_without_a_kubeconfig() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.crt", &api.ca_pem().unwrap());
    let out =
        run(&["-s", &api.url(), "--token", TOKEN, "--certificate-authority", ca.to_str().unwrap()], dir.path(), &[]);
    let report = report(&out);
    assert_eq!(report["verdict"]["outcome"], "storage_latency", "{:#}", report["verdict"]);
    assert_eq!(report["collections"][0]["context"], "flags");
    assert_eq!(report["collections"][0]["server"], api.url());
    assert!(api.requests().iter().all(|r| r.status != 401), "the token was sent on every request");
}

#[test]
fn flags_take_precedence_over_the_kubeconfig() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    // The kubeconfig names a server that refuses connections and a stale token; the flags fix both, and its
    // certificate-authority-data is still used.
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "stale");
    let text = std::fs::read_to_string(&kubeconfig).unwrap().replace(&api.url(), &support::fakeapi::refused_url());
    std::fs::write(&kubeconfig, text.replace(&format!("token: {TOKEN}"), "token: expired")).unwrap();
    let kc = kubeconfig.to_str().unwrap();
    let without = run(&["--kubeconfig", kc], dir.path(), &[]);
    assert_eq!(without.status.code(), Some(3), "{}", stderr(&without));
    let with = run(&["--kubeconfig", kc, "--server", &api.url(), "--token", TOKEN], dir.path(), &[]);
    let report = report(&with);
    assert_eq!(report["collections"][0]["context"], "stale");
    assert_eq!(report["verdict"]["outcome"], "storage_latency");
}

#[test]
fn an_exec_credential_plugin_supplies_the_token() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "exec");
    // The user gets its token from a credential plugin (as EKS, GKE and OIDC set-ups do), not from the file.
    let plugin = write(
        dir.path(),
        "credential-plugin",
        &format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\
             \"status\":{{\"token\":\"{TOKEN}\"}}}}'\n"
        ),
    );
    std::fs::set_permissions(&plugin, <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755))
        .unwrap();
    let text = std::fs::read_to_string(&kubeconfig).unwrap().replace(
        &format!("    token: {TOKEN}\n"),
        &format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      \
             interactiveMode: Never\n",
            plugin.display()
        ),
    );
    assert!(text.contains("exec:"), "{text}");
    std::fs::write(&kubeconfig, text).unwrap();
    let report = report(&run(&["--kubeconfig", kubeconfig.to_str().unwrap()], dir.path(), &[]));
    assert_eq!(report["verdict"]["outcome"], "storage_latency");
    assert!(api.requests().iter().all(|r| r.status != 401), "the plugin's token is sent");
}

#[test]
fn a_kubeconfig_list_is_merged_in_order_and_missing_files_are_skipped() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    api.write_kubeconfig(&full, "split");
    let text = std::fs::read_to_string(&full).unwrap();
    // The clusters and contexts in one file, the user with its token in another (as `kubectl config` leaves
    // them when credentials are kept apart).
    let (head, users) = text.split_at(text.find("users:").unwrap());
    let first = write(dir.path(), "clusters", head);
    let second = write(dir.path(), "users", &format!("apiVersion: v1\nkind: Config\n{users}"));
    let list = std::env::join_paths([dir.path().join("missing"), first, second]).unwrap();
    let out = run(&[], dir.path(), &[("KUBECONFIG", list.to_str().unwrap())]);
    let report = report(&out);
    assert_eq!(report["collections"][0]["context"], "split");
    assert!(api.requests().iter().all(|r| r.status != 401), "the user's token from the second file is sent");
}

#[test]
fn impersonation_flags_send_the_impersonate_headers_on_every_request() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "lab");
    let args = [
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--as",
        "jane@example.com",
        "--as-group",
        "sre-oncall",
        "--as-group",
        "system:authenticated",
        "--as-uid",
        "1234",
    ];
    report(&run(&args, dir.path(), &[]));
    let requests = api.requests();
    assert!(requests.len() > 10, "{}", requests.len());
    for r in &requests {
        assert_eq!(r.impersonate_user.as_deref(), Some("jane@example.com"), "{} {}", r.method, r.path);
        assert_eq!(r.impersonate_groups, ["sre-oncall", "system:authenticated"], "{}", r.path);
        assert_eq!(r.impersonate_uid.as_deref(), Some("1234"), "{}", r.path);
    }
    // Without impersonation no header is sent.
    let plain = FakeApi::start_https(shared_slow());
    plain.write_kubeconfig(&kubeconfig, "lab");
    report(&run(&["--kubeconfig", kubeconfig.to_str().unwrap()], dir.path(), &[]));
    assert!(plain.requests().iter().all(|r| r.impersonate_user.is_none() && r.impersonate_groups.is_empty()));
    // Groups without a user: a usage error before any request, as the API server would refuse it.
    let out = run(&["--kubeconfig", kubeconfig.to_str().unwrap(), "--as-group", "sre"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--as-group") && stderr(&out).contains("--as"), "{}", stderr(&out));
}

/// A self-signed `CA:TRUE` certificate (as `openssl req -x509` makes), valid for `names`, and its key.
fn self_signed_ca(names: &[&str], not_after_year: i32) -> (Vec<u8>, Vec<u8>, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    for name in names {
        params.subject_alt_names.push(match name.parse::<std::net::IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName((*name).try_into().unwrap()),
        });
    }
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, "kube-apiserver");
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(not_after_year, 1, 1);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.der().to_vec(), key.serialize_der(), cert.pem())
}

fn tls_api(names: &[&str], not_after_year: i32) -> FakeApi {
    let (der, key, pem) = self_signed_ca(names, not_after_year);
    FakeApi::start_tls(shared_slow(), vec![der], key, pem)
}

fn run_against(api: &FakeApi, dir: &Path, extra: &[&str]) -> Output {
    let kubeconfig = dir.join("config");
    api.write_kubeconfig(&kubeconfig, "selfsigned");
    let mut args = vec!["--kubeconfig", kubeconfig.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args, dir, &[])
}

#[test]
fn a_serving_certificate_that_is_its_own_ca_is_trusted_like_kubectl_does() {
    let api = tls_api(&["127.0.0.1", "kubernetes.default.svc"], 2100);
    let dir = tempfile::tempdir().unwrap();
    let report = report(&run_against(&api, dir.path(), &[]));
    assert_eq!(report["verdict"]["outcome"], "storage_latency");
}

#[test]
fn a_wrong_hostname_is_refused_and_tls_server_name_fixes_it() {
    // The certificate names only kubernetes.default.svc; the server is reached at 127.0.0.1 (a tunnel).
    let api = tls_api(&["kubernetes.default.svc"], 2100);
    let dir = tempfile::tempdir().unwrap();
    let refused = run_against(&api, dir.path(), &[]);
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(3), "{err}");
    assert!(err.contains("not valid for 127.0.0.1") && err.contains("kubernetes.default.svc"), "{err}");
    assert!(err.contains("--tls-server-name"), "{err}");
    assert!(!err.contains("cannot reach") && !err.contains("/var/log/pods"), "not called unreachable: {err}");
    assert!(refused.stdout.is_empty());
    assert!(api.requests().is_empty(), "nothing was sent over the refused connection");

    let fixed = run_against(&api, dir.path(), &["--tls-server-name", "kubernetes.default.svc"]);
    assert_eq!(report(&fixed)["verdict"]["outcome"], "storage_latency");
}

#[test]
fn an_expired_certificate_is_refused_even_when_it_is_the_ca() {
    let api = tls_api(&["127.0.0.1"], 2021);
    let dir = tempfile::tempdir().unwrap();
    let out = run_against(&api, dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("has expired"), "{err}");
    assert!(err.contains("--insecure-skip-tls-verify") && !err.contains("cannot reach"), "{err}");
}

#[test]
fn an_unknown_issuer_asks_for_the_ca_and_insecure_skip_tls_verify_is_the_last_resort() {
    let api = tls_api(&["127.0.0.1"], 2100);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    api.write_kubeconfig(&kubeconfig, "other-ca");
    // Trust another CA than the one that made the serving certificate.
    let (_, _, other_pem) = self_signed_ca(&["127.0.0.1"], 2100);
    let other = write(dir.path(), "other.crt", &other_pem);
    let kc = kubeconfig.to_str().unwrap();
    let out = run(&["--kubeconfig", kc, "--certificate-authority", other.to_str().unwrap()], dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("not signed by a certificate authority you trust"), "{err}");
    assert!(err.contains("--certificate-authority"), "{err}");
    let insecure = run(&["--kubeconfig", kc, "--insecure-skip-tls-verify"], dir.path(), &[]);
    assert_eq!(report(&insecure)["verdict"]["outcome"], "storage_latency");
    // kubectl refuses a CA file together with --insecure-skip-tls-verify; so does the plugin.
    let both = run(
        &["--kubeconfig", kc, "--insecure-skip-tls-verify", "--certificate-authority", other.to_str().unwrap()],
        dir.path(),
        &[],
    );
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
}

#[test]
fn in_a_pod_the_service_account_is_used() {
    let api = FakeApi::start_https(shared_slow());
    let dir = tempfile::tempdir().unwrap();
    let sa = dir.path().join("serviceaccount");
    std::fs::create_dir(&sa).unwrap();
    write(&sa, "token", TOKEN);
    write(&sa, "ca.crt", &api.ca_pem().unwrap());
    write(&sa, "namespace", "etcd-triage\n");
    let port = api.url().rsplit(':').next().unwrap().to_string();
    let env = [
        ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
        ("KUBERNETES_SERVICE_PORT", port.as_str()),
        ("ETCD_TRIAGE_SERVICEACCOUNT_DIR", sa.to_str().unwrap()),
    ];
    let report = report(&run(&[], dir.path(), &env));
    assert_eq!(report["collections"][0]["context"], "in-cluster");
    assert_eq!(report["verdict"]["outcome"], "storage_latency");
    let (denied, unauthorised) = api
        .requests()
        .iter()
        .fold((0, 0), |(d, u), r| (d + usize::from(r.denied_by_rbac), u + usize::from(r.status == 401)));
    assert_eq!((denied, unauthorised), (0, 0), "the service account's token is sent, deploy/rbac.yaml suffices");

    // Without the token file the error says what is missing, not that the server is unreachable.
    std::fs::remove_file(sa.join("token")).unwrap();
    let out = run(&[], dir.path(), &env);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("token") && stderr(&out).contains("service account"), "{}", stderr(&out));
}

#[test]
fn nothing_to_connect_with_says_so_and_points_to_the_node_local_way() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("no kubeconfig") && err.contains("not in a cluster"), "{err}");
    assert!(err.contains("analyze /var/log/pods"), "{err}");
}

#[test]
fn the_job_manifest_runs_collect_under_the_read_only_role_into_a_volume() {
    #[derive(serde::Deserialize)]
    struct Doc {
        kind: String,
        metadata: Value,
        #[serde(default)]
        spec: Value,
        #[serde(default)]
        subjects: Vec<Value>,
        #[serde(default, rename = "roleRef")]
        role_ref: Value,
    }
    let text = std::fs::read_to_string(root().join("deploy/job.yaml")).unwrap();
    let docs: Vec<Doc> = text
        .split("\n---")
        .filter(|d| d.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')))
        .map(|d| serde_saphyr::from_str(d).unwrap_or_else(|e| panic!("deploy/job.yaml: {e}\n{d}")))
        .collect();
    let find = |kind: &str| docs.iter().find(|d| d.kind == kind).unwrap_or_else(|| panic!("no {kind}"));
    let sa = find("ServiceAccount");
    let (sa_name, sa_ns) = (sa.metadata["name"].as_str().unwrap(), sa.metadata["namespace"].as_str().unwrap());
    // Bound to the ClusterRole of deploy/rbac.yaml, and nothing else.
    let rbac = std::fs::read_to_string(root().join("deploy/rbac.yaml")).unwrap();
    let binding = find("ClusterRoleBinding");
    let role = binding.role_ref["name"].as_str().unwrap();
    assert!(rbac.contains(&format!("kind: ClusterRole\nmetadata:\n  name: {role}\n")), "{role}");
    assert!(
        binding
            .subjects
            .iter()
            .any(|s| s["kind"] == "ServiceAccount" && s["name"] == sa_name && s["namespace"] == sa_ns),
        "{:?}",
        binding.subjects
    );
    assert!(!docs.iter().any(|d| d.kind == "ClusterRole" || d.kind == "Role"), "no role beyond rbac.yaml's");

    let job = find("Job");
    assert_eq!(job.metadata["namespace"], sa_ns);
    let pod = &job.spec["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], sa_name);
    let container = pod["initContainers"]
        .as_array()
        .into_iter()
        .chain(pod["containers"].as_array())
        .flatten()
        .find(|c| c["args"][0] == "collect")
        .unwrap_or_else(|| panic!("no container runs collect: {pod:#}"));
    let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(args.first(), Some(&"collect"), "{args:?}");
    let output = args.iter().position(|a| *a == "-o" || *a == "--out-dir").map(|i| args[i + 1]).unwrap();
    // The bundle is written into a mounted volume that the pod declares.
    let mount = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| output.starts_with(m["mountPath"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("{output} is on no volume mount"));
    assert!(pod["volumes"].as_array().unwrap().iter().any(|v| v["name"] == mount["name"]), "{pod:#}");
    // The plugin accepts the arguments as given.
    let cli = std::iter::once("kubectl-etcd_triage").chain(args.iter().copied());
    <kubectl_etcd_triage::cli::Cli as clap::Parser>::try_parse_from(cli).expect("the Job's args parse");
}
