//! Page parsing and lazy pagination streams.

use crate::common::{KEY, RecordingTransport, client};
use clerk_core::{
    Client, CursorPaginated, Error, Method, Page, Paginated, PaginationError, Request,
    stream_cursor, stream_pages,
};
use futures_util::StreamExt;
use mockito::Matcher;
use serde::Deserialize;
use serde_json::json;

#[derive(Clone, Debug, Deserialize, PartialEq)]
struct User {
    id: String,
}

#[derive(Clone)]
struct ListUsers {
    client: Client,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl ListUsers {
    fn new(client: &Client) -> Self {
        ListUsers {
            client: client.clone(),
            limit: None,
            offset: None,
        }
    }
}

impl Paginated for ListUsers {
    type Item = User;

    fn client(&self) -> &Client {
        &self.client
    }

    fn page_request(&self, offset: u64, limit: u64) -> Request {
        Request::new(Method::GET, "/users")
            .query("limit", limit)
            .query("offset", offset)
    }

    fn start_offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }

    fn page_size(&self) -> u64 {
        self.limit.unwrap_or(clerk_core::DEFAULT_STREAM_PAGE_SIZE)
    }
}

impl CursorPaginated for ListUsers {
    fn page_request_after(&self, after: Option<&str>, limit: u64) -> Request {
        Request::new(Method::GET, "/users")
            .query("limit", limit)
            .query("starting_after", after)
    }

    fn item_id(item: &User) -> Option<&str> {
        Some(&item.id)
    }
}

fn users(range: std::ops::Range<usize>) -> String {
    let items: Vec<_> = range.map(|i| json!({"id": format!("user_{i}")})).collect();
    serde_json::Value::Array(items).to_string()
}

fn ids(items: &[Result<User, Error>]) -> Vec<String> {
    items
        .iter()
        .map(|r| r.as_ref().map(|u| u.id.clone()).unwrap())
        .collect()
}

#[tokio::test]
async fn offset_stream_walks_three_pages_and_stops_on_a_short_page() {
    let mut server = mockito::Server::new_async().await;
    let mut mocks = Vec::new();
    for (offset, range) in [(0, 0..100), (100, 100..200), (200, 200..237)] {
        mocks.push(
            server
                .mock("GET", "/v1/users")
                .match_query(Matcher::Exact(format!("limit=100&offset={offset}")))
                .with_body(users(range))
                .expect(1)
                .create_async()
                .await,
        );
    }
    let (client, _) = client(&server);
    let items: Vec<Result<User, Error>> = stream_pages(ListUsers::new(&client)).collect().await;
    assert_eq!(items.len(), 237);
    let expected: Vec<String> = (0..237).map(|i| format!("user_{i}")).collect();
    assert_eq!(ids(&items), expected);
    for mock in mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn offset_stream_honours_builder_offset_limit_and_total_count() {
    let mut server = mockito::Server::new_async().await;
    let first = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Exact("limit=2&offset=3".into()))
        .with_body(r#"{"data":[{"id":"a"},{"id":"b"}],"total_count":7}"#)
        .expect(1)
        .create_async()
        .await;
    let second = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Exact("limit=2&offset=5".into()))
        .with_body(r#"{"data":[{"id":"c"},{"id":"d"}],"total_count":7}"#)
        .expect(1)
        .create_async()
        .await;
    let beyond = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Exact("limit=2&offset=7".into()))
        .with_body(r#"{"data":[{"id":"e"}],"total_count":7}"#)
        .expect(0)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let list = ListUsers {
        limit: Some(2),
        offset: Some(3),
        ..ListUsers::new(&client)
    };
    let items: Vec<_> = stream_pages(list).collect().await;
    assert_eq!(ids(&items), ["a", "b", "c", "d"]);
    first.assert_async().await;
    second.assert_async().await;
    beyond.assert_async().await;
}

#[tokio::test]
async fn empty_first_page_ends_the_stream() {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Any)
        .with_body(r#"{"data":[],"total_count":0}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let mut stream = stream_pages(ListUsers::new(&client));
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());
    mock.assert_async().await;
}

#[tokio::test]
async fn repeated_page_ends_the_stream_with_an_error() {
    let mut server = mockito::Server::new_async().await;
    // A broken server that ignores the offset.
    let mock = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Any)
        .with_body(users(0..100))
        .expect(2)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let items: Vec<_> = stream_pages(ListUsers::new(&client)).collect().await;
    assert_eq!(items.len(), 101);
    assert!(items[..100].iter().all(Result::is_ok));
    match &items[100] {
        Err(Error::Pagination(PaginationError::RepeatedPage { offset })) => {
            assert_eq!(*offset, 100)
        }
        other => panic!("expected a pagination error, got {other:?}"),
    }
    mock.assert_async().await;
}

#[tokio::test]
async fn a_failing_page_yields_its_error_once_then_ends() {
    let mut server = mockito::Server::new_async().await;
    let first = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Exact("limit=2&offset=0".into()))
        .with_body(users(0..2))
        .expect(1)
        .create_async()
        .await;
    let second = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Exact("limit=2&offset=2".into()))
        .with_status(500)
        .with_body(r#"{"errors":[{"code":"internal_clerk_error","message":"oops"}]}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let list = ListUsers {
        limit: Some(2),
        ..ListUsers::new(&client)
    };
    let items: Vec<_> = stream_pages(list).collect().await;
    assert_eq!(items.len(), 3);
    assert_eq!(ids(&items[..2]), ["user_0", "user_1"]);
    let err = items[2].as_ref().unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(err.first_code(), Some("internal_clerk_error"));
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn an_undecodable_item_yields_the_items_before_it_then_the_error() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Any)
        .with_body(r#"{"data":[{"id":"a"},{"id":"b"},{"id":false}],"total_count":3}"#)
        .expect(1)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let items: Vec<_> = stream_pages(ListUsers::new(&client)).collect().await;
    assert_eq!(items.len(), 3);
    assert_eq!(ids(&items[..2]), ["a", "b"]);
    match &items[2] {
        Err(Error::Decode(d)) => assert_eq!(d.path(), Some("data[2].id")),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn cursor_stream_walks_three_pages() {
    let mut server = mockito::Server::new_async().await;
    let pages = [
        ("limit=2", r#"[{"id":"a"},{"id":"b"}]"#),
        ("limit=2&starting_after=b", r#"[{"id":"c"},{"id":"d"}]"#),
        ("limit=2&starting_after=d", r#"[{"id":"e"}]"#),
    ];
    let mut mocks = Vec::new();
    for (query, body) in pages {
        mocks.push(
            server
                .mock("GET", "/v1/users")
                .match_query(Matcher::Exact(query.into()))
                .with_body(body)
                .expect(1)
                .create_async()
                .await,
        );
    }
    let (client, _) = client(&server);
    let list = ListUsers {
        limit: Some(2),
        ..ListUsers::new(&client)
    };
    let items: Vec<_> = stream_cursor(list).collect().await;
    assert_eq!(ids(&items), ["a", "b", "c", "d", "e"]);
    for mock in mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn cursor_stream_stops_on_a_repeated_cursor() {
    let mut server = mockito::Server::new_async().await;
    // A broken server that ignores starting_after.
    let mock = server
        .mock("GET", "/v1/users")
        .match_query(Matcher::Any)
        .with_body(r#"[{"id":"a"},{"id":"b"}]"#)
        .expect(2)
        .create_async()
        .await;
    let (client, _) = client(&server);
    let list = ListUsers {
        limit: Some(2),
        ..ListUsers::new(&client)
    };
    let items: Vec<_> = stream_cursor(list).collect().await;
    assert_eq!(items.len(), 3);
    assert_eq!(ids(&items[..2]), ["a", "b"]);
    match &items[2] {
        Err(Error::Pagination(PaginationError::RepeatedCursor { cursor })) => {
            assert_eq!(cursor, "b")
        }
        other => panic!("expected a pagination error, got {other:?}"),
    }
    mock.assert_async().await;
}

#[tokio::test]
async fn streams_are_lazy() {
    let transport = RecordingTransport::fixed(200, r#"[{"id":"a"}]"#);
    let client = Client::builder()
        .secret_key(KEY)
        .transport(transport.clone())
        .build()
        .unwrap();

    let mut offset_stream = stream_pages(ListUsers::new(&client));
    let mut cursor_stream = stream_cursor(ListUsers::new(&client));
    tokio::task::yield_now().await;
    assert_eq!(transport.sends(), 0, "no request before the first poll");

    assert_eq!(offset_stream.next().await.unwrap().unwrap().id, "a");
    assert_eq!(transport.sends(), 1);
    assert!(offset_stream.next().await.is_none());
    assert_eq!(cursor_stream.next().await.unwrap().unwrap().id, "a");
    assert!(cursor_stream.next().await.is_none());
    assert_eq!(transport.sends(), 2);
    let uris: Vec<String> = transport
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.uri().to_string())
        .collect();
    assert_eq!(
        uris,
        [
            "https://api.clerk.com/v1/users?limit=100&offset=0",
            "https://api.clerk.com/v1/users?limit=100"
        ]
    );
}

#[tokio::test]
async fn page_decodes_all_three_shapes_from_the_wire() {
    let mut server = mockito::Server::new_async().await;
    for (path, body) in [
        ("/v1/array", r#"[{"id":"a"}]"#),
        ("/v1/envelope", r#"{"data":[{"id":"a"}],"total_count":10}"#),
        (
            "/m2m",
            r#"{"m2m_tokens":[{"id":"a"}],"total_count":1,"x":1}"#,
        ),
    ] {
        server
            .mock("GET", path)
            .with_body(body)
            .create_async()
            .await;
    }
    let (client, _) = client(&server);
    let array: Page<User> = client
        .execute(Request::new(Method::GET, "/array"))
        .await
        .unwrap();
    assert_eq!(array.total_count, None);
    assert_eq!(array.len(), 1);
    let envelope: Page<User> = client
        .execute(Request::new(Method::GET, "/envelope"))
        .await
        .unwrap();
    assert_eq!(envelope.total_count, Some(10));
    assert_eq!(envelope.data, [User { id: "a".into() }]);
    let m2m: Page<User> = client
        .execute(Request::new(Method::GET, "/m2m").versioned(false))
        .await
        .unwrap();
    assert_eq!(m2m.total_count, Some(1));
    assert!(!m2m.is_empty());
    let collected: Vec<User> = m2m.into_iter().collect();
    assert_eq!(collected, [User { id: "a".into() }]);
}

#[tokio::test]
async fn a_short_page_does_not_end_the_walk_while_the_total_says_more_remain() {
    // The server caps its pages at 3 items, whatever limit is asked for; the total is 7.
    let mut server = mockito::Server::new_async().await;
    let page = |offset: usize, items: std::ops::Range<usize>| {
        let data: Vec<_> = items.map(|i| json!({"id": format!("user_{i}")})).collect();
        (offset, json!({"data": data, "total_count": 7}).to_string())
    };
    let mut mocks = Vec::new();
    for (offset, body) in [page(0, 0..3), page(3, 3..6), page(6, 6..7)] {
        mocks.push(
            server
                .mock("GET", "/v1/users")
                .match_query(Matcher::AllOf(vec![
                    Matcher::UrlEncoded("limit".into(), "5".into()),
                    Matcher::UrlEncoded("offset".into(), offset.to_string()),
                ]))
                .with_body(body)
                .expect(1)
                .create_async()
                .await,
        );
    }
    let (client, _) = client(&server);
    let mut list = ListUsers::new(&client);
    list.limit = Some(5);
    let items: Vec<_> = stream_pages(list).collect().await;
    assert_eq!(
        ids(&items),
        (0..7).map(|i| format!("user_{i}")).collect::<Vec<_>>()
    );
    for mock in mocks {
        mock.assert_async().await;
    }
}
