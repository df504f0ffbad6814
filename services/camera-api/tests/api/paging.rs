//! Paging the camera list deep: cursors walk every camera once in every
//! order, with ties, filters, group limits and cameras added meanwhile;
//! the total is counted only so far.

use std::collections::BTreeSet;
use std::time::Duration;

use camera_api::auth::Role;
use camera_api::cameras::Sort;
use serde_json::Value;

use crate::support::{Response, TestApp, eventually, send};

/// `count` cameras written in SQL, with ties in every order: names repeat
/// (in other case too), few locations and some none, creation and edit
/// times shared by runs of cameras. Groups `g0`, `g1`, `g2` in turn.
async fn seed(app: &TestApp, count: i64) {
    sqlx::query(
        r#"WITH inserted AS (
               INSERT INTO cameras (name, stream_url, location, enabled, groups, created_at, updated_at)
               SELECT CASE WHEN n % 5 = 0 THEN (ARRAY['Twin', 'twin'])[1 + n % 2]
                           ELSE 'Cam ' || (n % 17) || ' #' || n END,
                      'rtsp://192.0.2.1/' || n,
                      CASE WHEN n % 4 = 0 THEN NULL
                           ELSE (ARRAY['Yard', 'yard', 'Dock', 'Lobby'])[1 + n % 3] END,
                      n % 3 <> 0,
                      ARRAY['g' || (n % 3)],
                      timestamptz '2026-12-01' + (n / 6) * interval '1 second',
                      timestamptz '2026-12-01' + (n % 5) * interval '1 minute'
               FROM generate_series(1, $1) AS n
               RETURNING id)
           INSERT INTO camera_provisioning (camera_id) SELECT id FROM inserted"#,
    )
    .bind(count)
    .execute(&app.db)
    .await
    .unwrap();
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|camera| camera["id"].as_i64().unwrap())
        .collect()
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> Response {
    send(client.get(app.url(path))).await
}

/// Every page of `query` by cursor, `limit` at a time, calling `between`
/// after each page; the ids in the order they came.
async fn walk<F, Fut>(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
    limit: usize,
    mut between: F,
) -> Vec<i64>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 0..1_000 {
        let path = match &cursor {
            None => format!("/api/cameras?{query}&limit={limit}"),
            Some(cursor) => format!("/api/cameras?{query}&limit={limit}&cursor={cursor}"),
        };
        let response = get(app, client, &path).await;
        assert_eq!(response.status, 200, "{path}: {}", response.text);
        let page = response.json();
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(ids(&page).len(), limit, "only a full page has a next one");
                cursor = Some(next.to_owned());
            }
            None => return seen,
        }
        between(page_number).await;
    }
    panic!("{query}: the walk did not end");
}

fn assert_each_once(seen: &[i64], expected: &[i64], what: &str) {
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "{what}: a camera came twice");
    assert_eq!(seen, expected, "{what}");
}

#[tokio::test]
async fn a_cursor_walks_every_camera_once_in_every_order() {
    let app = TestApp::spawn().await;
    seed(&app, 95).await;
    for (sort, _) in Sort::VALUES {
        // The order itself is the one the list always had (cameras.rs tests
        // it); one page of everything is the reference.
        let all = ids(&app
            .get(&format!("/api/cameras?sort={sort}&limit=500"))
            .await
            .json());
        assert_eq!(all.len(), 95);
        for limit in [1, 7, 95] {
            let seen = walk(
                &app,
                &app.client,
                &format!("sort={sort}"),
                limit,
                |_| async {},
            )
            .await;
            assert_each_once(&seen, &all, &format!("sort={sort}, {limit} a page"));
        }
    }
}

/// Offsets shift when cameras are added before the page; a cursor stays
/// after the camera it names.
#[tokio::test]
async fn cameras_added_while_paging_neither_repeat_nor_hide_others() {
    let app = TestApp::spawn().await;
    seed(&app, 60).await;
    for (sort, _) in Sort::VALUES {
        let before = ids(&app
            .get(&format!("/api/cameras?sort={sort}&limit=500"))
            .await
            .json());
        let seen = walk(&app, &app.client, &format!("sort={sort}"), 8, |page| {
            let app = &app;
            async move {
                // Names and locations that sort first, last and in between,
                // written in SQL as any other writer could.
                sqlx::query(
                    r#"WITH inserted AS (
                           INSERT INTO cameras (name, stream_url, location)
                           SELECT name || $1, 'rtsp://192.0.2.1/new', $2
                           FROM unnest(ARRAY['Aaa', 'Cam 5 #new', 'zzz']) AS name
                           RETURNING id)
                       INSERT INTO camera_provisioning (camera_id) SELECT id FROM inserted"#,
                )
                .bind(format!(" {sort} {page}"))
                .bind((page % 2 == 0).then_some("Dock"))
                .execute(&app.db)
                .await
                .unwrap();
            }
        })
        .await;
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "sort={sort}: a camera came twice");
        let missed: Vec<i64> = before
            .iter()
            .filter(|id| !unique.contains(id))
            .copied()
            .collect();
        assert!(missed.is_empty(), "sort={sort}: never shown: {missed:?}");
        // What was there keeps its order among what was added.
        let kept: Vec<i64> = seen
            .iter()
            .filter(|id| before.contains(id))
            .copied()
            .collect();
        assert_eq!(kept, before, "sort={sort}");
    }
}

#[tokio::test]
async fn a_cursor_keeps_the_filters_and_the_callers_groups() {
    let app = TestApp::spawn().await;
    seed(&app, 120).await;
    let limited = app.client_as(Role::Viewer, Some(&["g1"])).await;
    for query in [
        "sort=name&q=yard",
        "sort=-location&enabled=true",
        "sort=-updated_at&q=twin&enabled=true",
        "sort=created_at&ids=3,1,4,15,9,2,6,5,35,8",
    ] {
        for (client, groups) in [(&app.client, None), (&limited, Some("g1"))] {
            let all = get(&app, client, &format!("/api/cameras?{query}&limit=500")).await;
            let all = all.json();
            let seen = walk(&app, client, query, 3, |_| async {}).await;
            assert_each_once(&seen, &ids(&all), query);
            assert_eq!(all["total"], seen.len(), "{query}");
            assert!(!seen.is_empty(), "{query} matches some");
            if let Some(group) = groups {
                let outside: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM cameras WHERE id = ANY($1) AND NOT $2 = ANY(groups)",
                )
                .bind(&seen)
                .bind(group)
                .fetch_one(&app.db)
                .await
                .unwrap();
                assert_eq!(outside, 0, "{query}: a camera outside {group} was listed");
            }
        }
    }
}

#[tokio::test]
async fn a_cursor_that_is_not_one_given_out_is_a_422_naming_it() {
    let app = TestApp::spawn().await;
    seed(&app, 10).await;
    let first = app.get("/api/cameras?sort=name&limit=2").await.json();
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let tampered = format!("{}x{}", &cursor[..4], &cursor[5..]);
    for (query, field) in [
        ("sort=name&cursor=nonsense".to_owned(), "cursor"),
        (format!("sort=name&cursor={tampered}"), "cursor"),
        (
            format!("sort=name&cursor={}", &cursor[..cursor.len() - 3]),
            "cursor",
        ),
        (format!("sort=-name&cursor={cursor}"), "cursor"),
        (format!("cursor={cursor}"), "cursor"),
        (format!("sort=name&offset=2&cursor={cursor}"), "offset"),
    ] {
        let response = app.get(&format!("/api/cameras?{query}")).await;
        assert_eq!(response.invalid_fields(), [field], "{query}");
        assert_eq!(
            response.problem(422)["type"],
            "urn:camplane:problem:validation"
        );
    }
    let other_sort = app
        .get(&format!("/api/cameras?sort=-name&cursor={cursor}"))
        .await;
    let detail = other_sort.problem(422)["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("sort=name, not sort=-name"), "{detail}");
    assert_eq!(
        app.get(&format!("/api/cameras?sort=name&cursor={cursor}"))
            .await
            .status,
        200
    );
}

/// Asked to (`count=true`), the list counts every match; else the total is
/// what the page shows.
#[tokio::test]
async fn the_total_is_exact_when_counted() {
    let app = TestApp::spawn().await;
    seed(&app, 1_600).await;
    let total = |page: Value| (page["total"].as_i64().unwrap(), page["total_exact"].clone());
    let first = app.get("/api/cameras?limit=10&count=true").await.json();
    assert_eq!(total(first), (1_600, Value::Bool(true)));
    let deep = app
        .get("/api/cameras?limit=500&offset=200&count=true")
        .await
        .json();
    assert_eq!(total(deep), (1_600, Value::Bool(true)));
    let few = app.get("/api/cameras?q=%23123&count=true").await.json();
    assert_eq!(
        total(few.clone()),
        (ids(&few).len() as i64, Value::Bool(true)),
        "#123, #1231…"
    );
    // Uncounted: one past the page while more follow, all on the last page.
    let first = app.get("/api/cameras?limit=10").await.json();
    assert_eq!(total(first), (11, Value::Bool(false)));
    let last = app.get("/api/cameras?limit=500&offset=1500").await.json();
    assert_eq!(total(last), (1_600, Value::Bool(true)));
    let page = app.get("/api/cameras?sort=name&limit=10").await.json();
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = app
        .get(&format!("/api/cameras?sort=name&limit=10&cursor={cursor}"))
        .await
        .json();
    assert_eq!(total(next), (11, Value::Bool(false)), "from a cursor");
    // A page past the end counts, either way.
    let past_end = app.get("/api/cameras?limit=50&offset=5000").await.json();
    assert_eq!(total(past_end), (1_600, Value::Bool(true)));

    // Paging by offset while `offset < total` still reaches every camera,
    // counted or not.
    for count in ["true", "false"] {
        let (mut offset, mut seen) = (0, 0);
        loop {
            let page = app
                .get(&format!(
                    "/api/cameras?limit=500&offset={offset}&count={count}"
                ))
                .await
                .json();
            seen += ids(&page).len();
            offset += 500;
            if offset >= page["total"].as_i64().unwrap() {
                break;
            }
        }
        assert_eq!(seen, 1_600, "count={count}");
    }
}

/// A search that keeps few cameras, or a caller's groups, reads them
/// through their own indexes rather than walking the order to them; the
/// pages are the same either way. One or two letters match the start of
/// the name only.
#[tokio::test]
async fn few_matches_far_along_the_order_page_as_the_order_says() {
    let app = TestApp::spawn().await;
    seed(&app, 1_600).await;
    let limited = app.client_as(Role::Viewer, Some(&["g1"])).await;
    for (query, client, expected) in [
        // #159, #1590 to #1599: eleven cameras spread through the names.
        ("sort=name&q=%23159", &app.client, "name LIKE '%#159%'"),
        ("sort=-name&q=%23159", &app.client, "name LIKE '%#159%'"),
        ("sort=name&q=tw", &app.client, "lower(name) LIKE 'tw%'"),
        ("sort=-location&q=TW", &app.client, "lower(name) LIKE 'tw%'"),
        // "am" is in every "Cam …" and "ya" in every Yard, but starts none.
        ("sort=name&q=am", &app.client, "false"),
        ("sort=location&q=ya", &app.client, "false"),
        (
            "sort=-name&q=%23159",
            &limited,
            "name LIKE '%#159%' AND groups = '{g1}'",
        ),
        ("sort=-updated_at", &limited, "groups = '{g1}'"),
    ] {
        let sort = query.split('&').next().unwrap().trim_start_matches("sort=");
        let (_, order) = Sort::VALUES.iter().find(|(name, _)| *name == sort).unwrap();
        let order = match order {
            Sort::Name => "lower(name), id",
            Sort::NameDesc => "lower(name) DESC, id",
            Sort::Location => "location IS NULL, lower(location), id",
            Sort::LocationDesc => "location IS NOT NULL DESC, lower(location) DESC, id",
            Sort::UpdatedAtDesc => "updated_at DESC, id",
            other => panic!("{other:?} is not expected here"),
        };
        // Fixed fragments from this test only.
        let expected: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM cameras WHERE {expected} ORDER BY {order}"
        )))
        .fetch_all(&app.db)
        .await
        .unwrap();
        let seen = walk(&app, client, query, 4, |_| async {}).await;
        assert_each_once(&seen, &expected, query);
    }
}

/// The list is kept in memory and follows every write, whoever makes it:
/// here SQL stands for another replica. A transaction that stays open
/// while later ones commit is still seen once it commits, though the list
/// caught up in between.
#[tokio::test]
async fn the_list_follows_writes_made_elsewhere() {
    let app = TestApp::spawn().await;
    seed(&app, 20).await;
    let names = || async {
        app.get("/api/cameras?sort=name&limit=500").await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|camera| {
                let state = camera["provisioning"]["state"].as_str().unwrap().to_owned();
                (
                    camera["id"].as_i64().unwrap(),
                    (camera["name"].as_str().unwrap().to_owned(), state),
                )
            })
            .collect::<std::collections::BTreeMap<i64, (String, String)>>()
    };
    let before = names().await;
    assert_eq!(before.len(), 20);
    let first: Vec<i64> = before.keys().copied().take(4).collect();

    let mut open = app.db.begin().await.unwrap();
    sqlx::query("UPDATE cameras SET name = 'Aaa late' WHERE id = $1")
        .bind(first[0])
        .execute(&mut *open)
        .await
        .unwrap();
    for (statement, id) in [
        "UPDATE cameras SET name = 'Aaa renamed' WHERE id = $1",
        "DELETE FROM cameras WHERE id = $1",
        "UPDATE camera_provisioning SET state = 'error', detail = 'refused' WHERE camera_id = $1",
    ]
    .into_iter()
    .zip(&first[1..])
    {
        sqlx::query(statement)
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let (renamed, deleted, failing) = (first[1], first[2], first[3]);
    let caught_up = |names: &std::collections::BTreeMap<i64, (String, String)>| {
        names
            .get(&renamed)
            .is_some_and(|(name, _)| name == "Aaa renamed")
            && !names.contains_key(&deleted)
            && names
                .get(&failing)
                .is_some_and(|(_, state)| state == "error")
    };
    assert!(
        eventually(Duration::from_secs(10), || async {
            caught_up(&names().await)
        })
        .await,
        "{:?}",
        names().await
    );
    assert_eq!(
        names().await[&first[0]].0,
        before[&first[0]].0,
        "not committed yet"
    );

    open.commit().await.unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            names().await[&first[0]].0 == "Aaa late"
        })
        .await,
        "the late commit never showed"
    );
}
