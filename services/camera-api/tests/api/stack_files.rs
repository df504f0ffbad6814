//! The stack's files (compose.yaml, mediamtx.yml, haproxy/haproxy.cfg) hold
//! the settings the service depends on. Docker does not run here, so these
//! are read as data; `haproxy -c` checks the edge's configuration for real.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A YAML file as JSON, its merge keys (`<<: *anchor`) applied as compose
/// applies them.
fn yaml(file: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(file)).unwrap();
    let mut value: serde_norway::Value =
        serde_norway::from_str(&text).unwrap_or_else(|err| panic!("{file}: {err}"));
    value.apply_merge().unwrap();
    serde_json::to_value(value).unwrap()
}

fn text(file: &str) -> String {
    std::fs::read_to_string(repo().join(file)).unwrap()
}

/// `${NAME}`, `${NAME:-default}`, `${NAME:?message}` references, outside
/// comments.
fn variables(text: &str) -> BTreeSet<String> {
    let code: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect();
    code.join("\n")
        .split("${")
        .skip(1)
        .filter_map(|rest| {
            let end = rest.find(['}', ':', '-'])?;
            Some(rest[..end].to_owned())
        })
        .collect()
}

/// A compose service's environment as a map.
fn environment(service: &Value) -> HashMap<String, String> {
    service["environment"]
        .as_object()
        .map(|env| {
            env.iter()
                .map(|(key, value)| {
                    let value = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    (key.clone(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Compose's `${VAR}` interpolation, with `.env.example`'s values.
fn interpolate(value: &str, env: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closed ${") + start;
        let inner = &rest[start + 2..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner.split(":?").next().unwrap(), None),
        };
        out.push_str(
            env.get(name)
                .map(String::as_str)
                .or(default)
                .unwrap_or_else(|| panic!("{name} is neither in .env.example nor defaulted")),
        );
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn env_example() -> HashMap<String, String> {
    text(".env.example")
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

fn seconds(duration: &str) -> u64 {
    duration
        .strip_suffix('s')
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("expected whole seconds, got {duration:?}"))
}

#[test]
fn compose_runs_every_part_of_the_stack_pinned_and_checked() {
    let compose = yaml("compose.yaml");
    let services = compose["services"].as_object().unwrap();
    for name in [
        "postgres",
        "mediamtx",
        "camera-api",
        "haproxy",
        "demo-camera",
    ] {
        assert!(services.contains_key(name), "compose has no {name}");
    }

    // Images are pinned to at least a minor version, never `latest` (our
    // own image is built from the checkout).
    for (name, service) in services
        .iter()
        .filter(|(_, service)| service.get("build").is_none())
    {
        let Some(image) = service["image"].as_str() else {
            panic!("{name} has no image");
        };
        let (_, tag) = image
            .rsplit_once(':')
            .unwrap_or_else(|| panic!("{name}: {image} has no tag"));
        assert!(
            tag != "latest" && tag.contains('.'),
            "{name}: {image} is not pinned"
        );
    }
    // Production runs the MediaMTX the tests run (scripts/mediamtx.sh
    // builds the version of the first of these tags): one version.
    let mediamtx_tags: Vec<&str> = services
        .values()
        .filter_map(|service| service["image"].as_str())
        .filter_map(|image| image.strip_prefix("bluenviron/mediamtx:"))
        .map(|tag| tag.trim_end_matches("-ffmpeg"))
        .collect();
    assert!(!mediamtx_tags.is_empty());
    assert!(
        mediamtx_tags.iter().all(|tag| *tag == mediamtx_tags[0]),
        "{mediamtx_tags:?}"
    );
    let built = std::process::Command::new(super::support::mediamtx::binary())
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&built.stdout).trim(),
        format!("v{}", mediamtx_tags[0]),
        "the tests' MediaMTX is the production version"
    );
    assert_eq!(
        services["camera-api"]["build"]["dockerfile"],
        "infra/Dockerfile"
    );
    assert!(repo().join("infra/Dockerfile").is_file());

    // Health checks where something waits on them; PostgreSQL keeps its data.
    for name in ["postgres", "camera-api"] {
        assert!(
            services[name]["healthcheck"]["test"].is_array(),
            "{name} has no health check"
        );
    }
    assert!(
        services["postgres"]["volumes"][0]
            .as_str()
            .unwrap()
            .ends_with(":/var/lib/postgresql/data")
    );
    assert_eq!(
        services["camera-api"]["depends_on"]["postgres"]["condition"],
        "service_healthy"
    );

    // Only the edge is published, Grafana on the host's loopback, and
    // MediaMTX's WebRTC media port (no HTTP proxy can carry it).
    for (name, service) in services {
        assert_eq!(
            service.get("ports").is_some(),
            ["haproxy", "grafana", "mediamtx", "mtx-1", "mtx-2", "mtx-3"].contains(&name.as_str()),
            "{name}'s ports"
        );
    }
    // Exactly the ICE port, UDP and TCP, under the number MediaMTX listens
    // on: it announces that number in its answers, whatever forwards it.
    let mediamtx = yaml("mediamtx.yml");
    let port_of = |key: &str| {
        let address = mediamtx[key].as_str().unwrap();
        address.rsplit(':').next().unwrap().to_owned()
    };
    let (udp, tcp) = (
        port_of("webrtcLocalUDPAddress"),
        port_of("webrtcLocalTCPAddress"),
    );
    let mut published: Vec<&str> = services["mediamtx"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|port| port.as_str().unwrap())
        .collect();
    published.sort_unstable();
    assert_eq!(
        published,
        [format!("{tcp}:{tcp}/tcp"), format!("{udp}:{udp}/udp")],
        "MediaMTX publishes its ICE ports and nothing else"
    );
    for port in services["grafana"]["ports"].as_array().unwrap() {
        assert!(
            port.as_str().unwrap().starts_with("127.0.0.1:"),
            "Grafana published beyond loopback: {port}"
        );
    }
    let ports: Vec<&str> = services["haproxy"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|port| port.as_str().unwrap())
        .collect();
    assert!(
        ports.iter().any(|port| port.ends_with(":8443")),
        "{ports:?}"
    );
}

#[test]
fn composes_nodes_profile_adds_three_nodes_and_a_second_replica() {
    let compose = yaml("compose.yaml");
    let services = compose["services"].as_object().unwrap();
    let in_profile = |name: &str| services[name]["profiles"] == serde_json::json!(["nodes"]);
    // The second replica is the first one, bar its names on the networks.
    let (first, second) = (&services["camera-api"], &services["camera-api-2"]);
    assert!(in_profile("camera-api-2") && !in_profile("camera-api"));
    for key in [
        "environment",
        "volumes",
        "depends_on",
        "healthcheck",
        "image",
    ] {
        assert_eq!(first[key], second[key], "camera-api-2's {key}");
    }
    let aliases = |service: &Value, network: &str| service["networks"][network]["aliases"].clone();
    for network in ["core", "edge"] {
        assert_eq!(aliases(first, network), serde_json::json!(["camera-api-1"]));
        assert_eq!(aliases(second, network), serde_json::json!(["camera-api"]));
    }
    let haproxy = environment(&services["haproxy"]);
    assert_eq!(haproxy["HAP_API_SERVER"], "camera-api-1:8080");
    assert_eq!(haproxy["HAP_API_SERVER_2"], "camera-api-2:8080");

    // Each node runs its own file, in the directory camera-api may rewrite,
    // and publishes its own WebRTC media port as it listens on it.
    let node_dir = environment(first)["CAMPLANE_NODE_CONFIG_DIR"].clone();
    assert!(
        first["volumes"]
            .as_array()
            .unwrap()
            .contains(&Value::from(format!("node-configs:{node_dir}")))
    );
    let mut ports = BTreeSet::new();
    for name in ["mtx-1", "mtx-2", "mtx-3"] {
        let node = &services[name];
        assert!(in_profile(name), "{name}");
        assert_eq!(node["image"], services["mediamtx"]["image"], "{name}");
        assert_eq!(
            node["command"],
            serde_json::json!([format!("{node_dir}/{name}/mediamtx.yml")])
        );
        assert!(
            node["volumes"]
                .as_array()
                .unwrap()
                .contains(&Value::from(format!("node-configs:{node_dir}")))
        );
        let env = environment(node);
        let port = env["MTX_WEBRTCLOCALUDPADDRESS"]
            .trim_start_matches(':')
            .to_owned();
        assert_eq!(env["MTX_WEBRTCLOCALTCPADDRESS"], format!(":{port}"));
        assert_eq!(
            node["ports"],
            serde_json::json!([format!("{port}:{port}/udp"), format!("{port}:{port}/tcp")])
        );
        assert!(ports.insert(port), "{name}'s port is its own");
        assert_eq!(
            aliases(node, "core"),
            serde_json::json!([format!("{name}-core")])
        );
        assert_eq!(
            aliases(node, "edge"),
            serde_json::json!([format!("{name}-edge")])
        );
    }
    // The shipped configuration is copied there for each node.
    let copied = services["mediamtx-config"]["command"][2].as_str().unwrap();
    assert!(copied.contains("for node in mtx-1 mtx-2 mtx-3"), "{copied}");
}

#[test]
fn compose_gives_the_service_a_configuration_it_accepts() {
    let compose = yaml("compose.yaml");
    let example = env_example();
    // Every variable compose needs is documented in .env.example or defaulted.
    for name in variables(&text("compose.yaml")) {
        assert!(
            example.contains_key(&name) || text("compose.yaml").contains(&format!("${{{name}:-")),
            "{name} is neither in .env.example nor defaulted"
        );
    }
    let mut env: HashMap<String, String> = environment(&compose["services"]["camera-api"])
        .into_iter()
        .map(|(key, value)| (key, interpolate(&value, &example)))
        .collect();
    for name in [
        "DATABASE_URL",
        "MEDIAMTX_API_URL",
        "MEDIAMTX_API_USER",
        "MEDIAMTX_API_PASS",
        "MEDIAMTX_RTSP_URL",
        "CAMPLANE_SECRET_KEY",
    ] {
        assert!(env.contains_key(name), "camera-api gets no {name}");
    }
    // The one value .env.example must not hold: a key every copy would
    // share. Compose refuses to start until the operator generates one.
    assert_eq!(example["CAMPLANE_SECRET_KEY"], "");
    assert!(text("compose.yaml").contains("CAMPLANE_SECRET_KEY: ${CAMPLANE_SECRET_KEY:?"));
    env.insert(
        "CAMPLANE_SECRET_KEY".into(),
        crate::support::new_secret_key(),
    );
    // The file camera-api writes paths into is the one MediaMTX runs with,
    // on a volume the two share, kept in memory (it holds camera passwords).
    let services = &compose["services"];
    let config_file = env["MEDIAMTX_CONFIG_FILE"].clone();
    assert_eq!(
        services["mediamtx"]["command"],
        serde_json::json!([config_file])
    );
    let volume_of = |service: &str| {
        services[service]["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|volume| volume.as_str()?.split_once(':'))
            .find(|(_, at)| config_file.starts_with(&format!("{at}/")))
            .map(|(volume, _)| volume.to_owned())
    };
    let volume = volume_of("mediamtx").expect("MediaMTX mounts its configuration file");
    assert_eq!(volume_of("camera-api"), Some(volume.clone()));
    assert_eq!(compose["volumes"][&volume]["driver_opts"]["type"], "tmpfs");
    let scratch = std::env::temp_dir().join(format!("camplane-compose-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::copy(repo().join("mediamtx.yml"), scratch.join("mediamtx.yml")).unwrap();
    env.insert(
        "MEDIAMTX_CONFIG_FILE".into(),
        scratch.join("mediamtx.yml").display().to_string(),
    );
    let accepted = camera_api::config::Config::from_lookup(|name| env.get(name).cloned());
    std::fs::remove_dir_all(&scratch).unwrap();
    if let Err(err) = accepted {
        panic!("camera-api refuses compose's environment: {err}");
    }

    // MediaMTX asks camera-api's hook about every access, on the address
    // and port camera-api listens on in compose, over a network both share.
    let mediamtx = yaml("mediamtx.yml");
    assert_eq!(mediamtx["authMethod"], "http");
    assert_eq!(mediamtx["authHTTPExclude"], serde_json::json!([]));
    let hook = url::Url::parse(mediamtx["authHTTPAddress"].as_str().unwrap()).unwrap();
    assert_eq!(hook.host_str(), Some("camera-api"));
    assert_eq!(hook.path(), "/api/mediamtx/auth");
    let listen = env["CAMPLANE_LISTEN"]
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(hook.port().map(|port| port.to_string()), Some(listen));
    let networks = |service: &str| -> Vec<String> {
        let networks = &compose["services"][service]["networks"];
        match networks.as_array() {
            Some(list) => list
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .collect(),
            None => networks.as_object().unwrap().keys().cloned().collect(),
        }
    };
    assert!(networks("mediamtx").contains(&"core".to_owned()));
    assert!(networks("camera-api").contains(&"core".to_owned()));
    // The service login is the one camera-api checks, from one variable.
    assert!(!env["MEDIAMTX_API_USER"].is_empty() && !env["MEDIAMTX_API_PASS"].is_empty());
    assert!(env["MEDIAMTX_API_URL"].starts_with("http://mediamtx-core:"));
    assert_eq!(
        compose["services"]["mediamtx"]["networks"]["core"]["aliases"][0],
        "mediamtx-core"
    );

    // Recordings: written by MediaMTX where camera-api's setting says (it
    // names them in each path's recordPath), and read and trimmed by
    // camera-api at the same path, on a volume both mount, as one user.
    let recordings = env["CAMPLANE_RECORDINGS_DIR"].clone();
    let recordings_volume = |service: &str| {
        services[service]["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|volume| volume.as_str()?.split_once(':'))
            .find(|(_, at)| *at == recordings)
            .map(|(volume, _)| volume.to_owned())
    };
    let volume = recordings_volume("mediamtx").expect("MediaMTX mounts the recordings");
    assert_eq!(recordings_volume("camera-api"), Some(volume));
    assert_eq!(services["mediamtx"]["user"], "10001:10001");
    assert!(env["MEDIAMTX_PLAYBACK_URL"].starts_with("http://mediamtx-core:"));
    assert_eq!(mediamtx["playback"], Value::Bool(true));

    // MediaMTX trusts HAProxy's X-Forwarded-For, at HAProxy's fixed address.
    let haproxy_ip = compose["services"]["haproxy"]["networks"]["edge"]["ipv4_address"]
        .as_str()
        .unwrap();
    assert!(
        mediamtx["hlsTrustedProxies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|ip| ip == haproxy_ip),
        "hlsTrustedProxies must list HAProxy ({haproxy_ip})"
    );
    assert_eq!(
        mediamtx["webrtcTrustedProxies"],
        mediamtx["hlsTrustedProxies"]
    );
    // The WebRTC media address browsers are told, from one variable.
    assert_eq!(
        compose["services"]["mediamtx"]["environment"]["MTX_WEBRTCADDITIONALHOSTS"],
        "${CAMPLANE_WEBRTC_HOST:-127.0.0.1}"
    );
}

#[test]
fn mediamtx_config_has_what_the_service_relies_on() {
    let config = yaml("mediamtx.yml");
    let yes = Value::Bool(true);
    for key in ["api", "metrics", "rtsp", "hls", "webrtc", "playback"] {
        assert_eq!(config[key], yes, "{key} must be on");
    }
    assert_eq!(config["pprof"], Value::Bool(false));
    // HLS on demand: a muxer per watched camera only, closed when idle.
    assert_eq!(config["hlsAlwaysRemux"], Value::Bool(false));
    assert!(["fmp4", "mpegts"].contains(&config["hlsVariant"].as_str().unwrap()));
    assert!(seconds(config["hlsMuxerCloseAfter"].as_str().unwrap()) > 0);
    assert_eq!(config["rtspTransports"], serde_json::json!(["tcp"]));

    // No all_others (nor any other static path): only provisioned cam_* paths.
    assert_eq!(config["paths"], serde_json::json!({}));

    // pathDefaults match what camera-api provisions (README defaults).
    let defaults = &config["pathDefaults"];
    assert_eq!(defaults["source"], "publisher");
    assert_eq!(defaults["sourceOnDemandStartTimeout"], "10s");
    assert_eq!(defaults["sourceOnDemandCloseAfter"], "10s");
    assert_eq!(defaults["rtspTransport"], "tcp");
    assert_eq!(defaults["maxReaders"], 0);
    assert_eq!(defaults["record"], Value::Bool(false));

    // Nobody is let in by MediaMTX itself: camera-api's hook decides.
    assert_eq!(config["authMethod"], "http");
    assert_eq!(config["authInternalUsers"], serde_json::json!([]));

    // WebRTC's media: UDP, with TCP for networks that block UDP; announced
    // at the address compose names (interfaces hold Docker's internal ones).
    assert_ne!(config["webrtcLocalUDPAddress"], "");
    assert_ne!(config["webrtcLocalTCPAddress"], "");
    assert_eq!(config["webrtcIPsFromInterfaces"], Value::Bool(false));
    assert_eq!(config["webrtcEncryption"], Value::Bool(false));

    // HAProxy waits longer for a first playlist than MediaMTX can take: the
    // source's start, then two segments, which start on keyframes (three
    // GOPs of the longest GOP Camplane supports, 10 s).
    let compose = yaml("compose.yaml");
    let hls_timeout = compose["services"]["haproxy"]["environment"]["HAP_HLS_TIMEOUT"]
        .as_str()
        .unwrap();
    assert!(
        seconds(hls_timeout)
            > seconds(defaults["sourceOnDemandStartTimeout"].as_str().unwrap()) + 3 * 10,
        "HAP_HLS_TIMEOUT must exceed sourceOnDemandStartTimeout plus three 10 s GOPs"
    );
}

/// A throwaway self-signed certificate, for `haproxy -c` and the edge tests.
pub fn self_signed_pem(dir: &Path) -> PathBuf {
    let (key, cert, pem) = (
        dir.join("key.pem"),
        dir.join("cert.pem"),
        dir.join("edge.pem"),
    );
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl is installed (scripts/install-deps.sh)");
    assert!(status.success(), "openssl req failed");
    let mut bytes = std::fs::read(&cert).unwrap();
    bytes.extend(std::fs::read(&key).unwrap());
    std::fs::write(&pem, bytes).unwrap();
    pem
}

#[test]
fn haproxy_accepts_the_config_with_composes_environment() {
    let dir = std::env::temp_dir().join(format!("camplane-haproxy-check-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = self_signed_pem(&dir);
    let compose = yaml("compose.yaml");
    let example = env_example();
    let mut env: HashMap<String, String> = environment(&compose["services"]["haproxy"])
        .into_iter()
        .map(|(key, value)| (key, interpolate(&value, &example)))
        .collect();
    // The container's paths, as seen from this machine.
    env.insert("HAP_CERT".into(), pem.display().to_string());
    env.insert(
        "HAP_LUA".into(),
        repo().join("haproxy/problem.lua").display().to_string(),
    );
    // The maps camera-api writes into the shared volume, empty at first.
    for map in ["hls.map", "webrtc.map", "playback.map"] {
        std::fs::write(dir.join(map), "").unwrap();
    }
    env.insert("HAP_MAPS_DIR".into(), dir.display().to_string());

    // Every variable the config reads is set by compose.
    let config = repo().join("haproxy/haproxy.cfg");
    for name in variables(&text("haproxy/haproxy.cfg")) {
        assert!(
            env.contains_key(&name),
            "compose does not set {name} for haproxy"
        );
    }
    let output = Command::new("haproxy")
        .arg("-c")
        .arg("-f")
        .arg(&config)
        // Only compose's variables (and PATH), so a variable this shell
        // happens to export can't hide a missing one.
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(&env)
        .output()
        .expect("haproxy is installed (scripts/install-deps.sh)");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "haproxy -c failed:\n{stderr}");
    // Compose's service names don't resolve here; anything else is a finding.
    for line in stderr.lines().filter(|line| line.contains("[WARNING]")) {
        assert!(line.contains("could not resolve address"), "{line}");
    }
}

#[test]
fn prometheus_scrapes_the_service_and_mediamtx_where_compose_puts_them() {
    let compose = yaml("compose.yaml");
    let services = &compose["services"];
    let prometheus = yaml("infra/prometheus/prometheus.yml");
    let job = |name: &str| {
        prometheus["scrape_configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|job| job["job_name"] == name)
            .unwrap_or_else(|| panic!("no {name} job"))
            .clone()
    };
    let target = |job: &Value| {
        job["static_configs"][0]["targets"][0]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let api = environment(&services["camera-api"]);
    let metrics_port = api["CAMPLANE_METRICS_LISTEN"].rsplit(':').next().unwrap();
    assert_eq!(
        target(&job("camera-api")),
        format!("camera-api:{metrics_port}")
    );

    let mediamtx_config = yaml("mediamtx.yml");
    assert_eq!(mediamtx_config["metrics"], true);
    let metrics_address = mediamtx_config["metricsAddress"].as_str().unwrap();
    let alias = services["mediamtx"]["networks"]["core"]["aliases"][0]
        .as_str()
        .unwrap();
    let mediamtx = job("mediamtx");
    assert_eq!(target(&mediamtx), format!("{alias}{metrics_address}"));
    // MediaMTX's user with the metrics action, its password from the
    // environment compose hands MediaMTX.
    assert_eq!(
        mediamtx["basic_auth"]["username"].as_str().unwrap(),
        api["MEDIAMTX_API_USER"]
    );
    let secret = mediamtx["basic_auth"]["password_file"]
        .as_str()
        .unwrap()
        .strip_prefix("/run/secrets/")
        .expect("a compose secret");
    assert_eq!(
        compose["secrets"][secret]["environment"],
        "MEDIAMTX_API_PASS"
    );
    assert!(
        services["prometheus"]["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|name| name == secret)
    );
    let networks = |name: &str| services[name]["networks"].to_string();
    assert!(networks("prometheus").contains("core"));

    // The "nodes" profile's nodes, by their core names, with the same login.
    let nodes = job("mediamtx-nodes");
    assert_eq!(nodes["basic_auth"], mediamtx["basic_auth"]);
    let sd = &nodes["dns_sd_configs"][0];
    let port = metrics_address.trim_start_matches(':');
    assert_eq!(sd["port"].to_string(), port);
    let names: Vec<&str> = sd["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    for (name, node) in ["mtx-1", "mtx-2", "mtx-3"].iter().zip(&names) {
        assert_eq!(*node, format!("{name}-core"));
        assert_eq!(
            services[*name]["networks"]["core"]["aliases"][0], *node,
            "{name} answers to its core name"
        );
    }

    let datasource = yaml("infra/grafana/provisioning/datasources/prometheus.yml");
    assert_eq!(
        datasource["datasources"][0]["url"], "http://prometheus:9090",
        "Grafana reads the compose service"
    );
    assert!(networks("grafana").contains("core"));
}

/// A dashboard panel that names a metric the service doesn't export shows
/// "No data" forever; this catches the typo.
#[test]
fn the_dashboard_queries_metrics_the_service_exports() {
    let dashboard: Value =
        serde_json::from_str(&text("infra/grafana/dashboards/camplane.json")).unwrap();
    // Recorded where things happen, or computed per scrape.
    let exported =
        text("services/camera-api/src/metrics.rs") + &text("services/camera-api/src/scrape.rs");
    let mut queried = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            for (start, _) in expr.match_indices("camplane_") {
                let name: String = expr[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                queried.insert(name);
            }
        }
    }
    assert!(queried.len() >= 10, "{queried:?}");
    for name in queried {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        assert!(
            exported.contains(&format!("\"{family}\"")),
            "the dashboard queries {name}, which neither src/metrics.rs nor src/scrape.rs exports"
        );
    }
}
