use std::path::PathBuf;

use serde_json::Value;

use crate::support::TestApp;

fn committed_spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

/// The committed `docs/openapi.json` (which the console's client is generated
/// from) must be exactly what the service serves. `UPDATE_OPENAPI=1` rewrites it.
#[tokio::test]
async fn the_served_document_matches_the_committed_one() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status, 200);
    let served = response.json();
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));

    let path = committed_spec_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&served).unwrap() + "\n").unwrap();
    }
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("docs/openapi.json"))
            .expect("docs/openapi.json is JSON");
    assert!(
        served == committed,
        "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 make test` and commit it"
    );
}

#[tokio::test]
async fn every_operation_documents_problem_responses() {
    let app = TestApp::spawn().await;
    let spec = app.get("/api/openapi.json").await.json();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not documented as problem+json"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_explorer_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("swagger"),
        "{}",
        &page.text[..page.text.len().min(300)]
    );
    assert!(
        !page.text.contains("https://"),
        "no CDN: these machines are offline"
    );
}
