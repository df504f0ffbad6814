//! The rule of which cameras a principal sees exists twice, as
//! `Principal::sees` in Rust and `camplane_sees` in SQL; they must agree.

use camera_api::auth::{Principal, PrincipalKind, Role};
use sqlx::{Connection, PgConnection};

use crate::support::TestDatabase;

async fn migrated() -> (TestDatabase, PgConnection) {
    let database = TestDatabase::create().await;
    let mut conn = PgConnection::connect(database.url()).await.unwrap();
    camera_api::db::MIGRATOR.run(&mut conn).await.unwrap();
    (database, conn)
}

fn groups(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

#[tokio::test]
async fn rust_and_sql_agree_on_who_sees_a_camera() {
    let (_database, mut conn) = migrated().await;
    let principals: [Option<&[&str]>; 5] = [
        None,
        Some(&[]),
        Some(&["dock"]),
        Some(&["dock", "lobby"]),
        Some(&["Dock"]),
    ];
    let cameras: [&[&str]; 5] = [
        &[],
        &["dock"],
        &["lobby", "vault"],
        &["vault"],
        &["dock", "x"],
    ];
    for principal_groups in principals {
        let principal = Principal {
            kind: PrincipalKind::Token {
                id: 1,
                name: "ci".into(),
            },
            role: Role::Viewer,
            groups: principal_groups.map(groups),
        };
        for camera_groups in cameras {
            let camera_groups = groups(camera_groups);
            let sql: Option<bool> = sqlx::query_scalar("SELECT camplane_sees($1, $2)")
                .bind(principal.groups.as_deref())
                .bind(&camera_groups)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(
                sql,
                Some(principal.sees(&camera_groups)),
                "principal {principal_groups:?}, camera {camera_groups:?}"
            );
        }
    }
}

/// PostgreSQL inlines `camplane_sees` only while it stays a plain SQL
/// expression; wrapped in anything opaque, the list of a limited principal
/// would scan every camera instead of using the index on `groups`.
#[tokio::test]
async fn the_rule_in_sql_still_uses_the_groups_index() {
    let (_database, mut conn) = migrated().await;
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (FORMAT TEXT) SELECT id FROM cameras WHERE camplane_sees('{dock}', groups)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("cameras_groups"), "{plan}");
}
