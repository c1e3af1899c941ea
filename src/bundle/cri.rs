//! Container log paths as the kubelet builds them (cri-log.md §1), wherever
//! they appear in a bundle (sosreport `var/log/pods`, kind `pods/`, Rancher
//! `podlogs/`, a bare copy of `/var/log`).
//!
//! Namespace, pod and container names cannot contain `_`, which is what
//! makes these names parseable.

/// `namespace/pod/container` from a path ending in
/// `<ns>_<pod>_<uid>/<container>/<restart>.log[.<YYYYMMDD-HHMMSS>][.gz]` or
/// `containers/<pod>_<ns>_<container>-<id>.log`.
pub(super) fn source_from_path(path: &str) -> Option<String> {
    let mut rev = path.rsplit('/');
    let file = rev.next()?;
    let dir = rev.next()?;
    if is_restart_log(file) {
        let pod_dir = rev.next()?;
        if let Some((ns, pod)) = pod_dir_names(pod_dir) {
            if !dir.is_empty() && !dir.contains('_') {
                return Some(format!("{ns}/{pod}/{dir}"));
            }
        }
    }
    if matches!(dir, "containers" | "containers-varlogs") {
        return containers_link_name(file);
    }
    None
}

/// `0.log`, `3.log.20240610-101500`, `3.log.20240610-101500.gz` (and the `.tmp`
/// leftovers of interrupted rotation).
fn is_restart_log(file: &str) -> bool {
    let digits = file.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && file[digits..].starts_with(".log")
}

/// `<ns>_<pod>_<uid>`: exactly three non-empty parts, the UID made of hex
/// digits and dashes (a UUID, or a static pod's 32-hex config hash).
fn pod_dir_names(dir: &str) -> Option<(&str, &str)> {
    let mut parts = dir.split('_');
    let (ns, pod, uid) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || ns.is_empty() || pod.is_empty() {
        return None;
    }
    let uid_ok = uid.len() >= 8 && uid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    uid_ok.then_some((ns, pod))
}

/// `<pod>_<ns>_<container>-<id>.log` (the id may be cut short: the whole
/// name is limited to 255 characters).
fn containers_link_name(file: &str) -> Option<String> {
    let stem = file.strip_suffix(".log")?;
    let mut parts = stem.split('_');
    let (pod, ns, rest) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || pod.is_empty() || ns.is_empty() {
        return None;
    }
    let (container, id) = rest.rsplit_once('-')?;
    let id_ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit());
    (id_ok && !container.is_empty()).then(|| format!("{ns}/{pod}/{container}"))
}

/// `namespace/pod/container` from a Docker container name of a pod
/// (`k8s_<container>_<pod>_<ns>_<uid>_<attempt>`, dockershim/RKE1).
pub(super) fn source_from_docker_name(name: &str) -> Option<String> {
    let rest = name.strip_prefix("k8s_")?;
    let parts: Vec<&str> = rest.split('_').collect();
    if parts.len() != 5 || parts[..3].iter().any(|p| p.is_empty()) {
        return None;
    }
    Some(format!("{}/{}/{}", parts[2], parts[1], parts[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_log_directories() {
        let uid = "1b6f0e2c-7d3a-4b8e-9f10-2a3b4c5d6e7f";
        assert_eq!(
            source_from_path(&format!(
                "var/log/pods/kube-system_kube-proxy-x7k2p_{uid}/kube-proxy/0.log"
            )),
            Some("kube-system/kube-proxy-x7k2p/kube-proxy".to_string())
        );
        assert_eq!(
            source_from_path(&format!("n/pods/ns_p_{uid}/c/3.log.20240610-101500.gz")),
            Some("ns/p/c".to_string())
        );
        assert_eq!(
            source_from_path("kube-system_etcd-cp1_0123456789abcdef0123456789abcdef/etcd/1.log"),
            Some("kube-system/etcd-cp1/etcd".to_string())
        );
        assert_eq!(source_from_path(&format!("ns_p_{uid}/c/current.log")), None);
        assert_eq!(source_from_path("a_b/c/0.log"), None);
        assert_eq!(source_from_path("ns_p_not-a-uid!/c/0.log"), None);
    }

    #[test]
    fn container_link_names() {
        let id = "4f8e0c1d2b3a49c8a7f6e5d4c3b2a1f04f8e0c1d2b3a49c8a7f6e5d4c3b2a1f0";
        assert_eq!(
            source_from_path(&format!(
                "var/log/containers/coredns-5d78c9869d-abcde_kube-system_coredns-{id}.log"
            )),
            Some("kube-system/coredns-5d78c9869d-abcde/coredns".to_string())
        );
        assert_eq!(
            source_from_path("containers/p_ns_my-app-4f8e.log"),
            Some("ns/p/my-app".to_string())
        );
        assert_eq!(source_from_path("containers/readme.log"), None);
        assert_eq!(source_from_path("other/p_ns_c-4f8e.log"), None);
    }

    #[test]
    fn docker_names() {
        assert_eq!(
            source_from_docker_name("k8s_coredns_coredns-abc_kube-system_1b6f0e2c_0"),
            Some("kube-system/coredns-abc/coredns".to_string())
        );
        assert_eq!(source_from_docker_name("kubelet"), None);
        assert_eq!(source_from_docker_name("k8s_POD_x_y"), None);
    }
}
