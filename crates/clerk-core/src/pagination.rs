//! Pages and lazy pagination streams.
//!
//! [`Page`] is what a list endpoint returns, whatever its JSON shape. [`stream_pages`] and
//! [`stream_cursor`] turn a list request ([`Paginated`] / [`CursorPaginated`], implemented by the
//! generated list builders) into a stream of items that fetches pages on demand.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::marker::PhantomData;

use futures_core::Stream;

use futures_util::StreamExt;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::client::Client;
use crate::error::{DecodeError, Error, PaginationError};
use crate::request::Request;
use crate::response::{decode_item_error, decode_json};

/// Page size used by the streams when the list builder has no `limit`.
pub const DEFAULT_STREAM_PAGE_SIZE: u64 = 100;

/// Largest `limit` the Backend API accepts.
pub const MAX_PAGE_SIZE: u64 = 500;

/// One page of a list endpoint.
///
/// Deserializes from all three shapes the Backend API uses: a bare array (`total_count` is then
/// `None`), `{"data": [...], "total_count": n}` and `{"m2m_tokens": [...], "total_count": n}`.
/// Other keys of the object are ignored.
///
/// Some lists type `total_count` as a JSON `number` rather than an integer, so it may arrive as
/// `12.0`: a whole, non-negative value in range is the count. Anything else the spec allows
/// there (`12.5`, `-1`, `1e300`, `null`) decodes as `None`, the same as no count at all — it
/// cannot be a number of items, and streams then stop on a short or empty page instead — rather
/// than failing the whole page.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Total number of items across all pages, when the endpoint reports a usable count.
    pub total_count: Option<u64>,
}

impl<T> Page<T> {
    /// A page from its parts.
    pub fn new(data: Vec<T>, total_count: Option<u64>) -> Page<T> {
        Page { data, total_count }
    }

    /// Number of items on this page.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// `true` if the page has no items.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Iterates over the items.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.data.iter()
    }

    /// The items.
    pub fn into_data(self) -> Vec<T> {
        self.data
    }
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            data: Vec::new(),
            total_count: None,
        }
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PageVisitor(PhantomData))
    }
}

struct PageVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageVisitor<T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list: an array, or an object with a `data` or `m2m_tokens` array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut data = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            data.push(item);
        }
        Ok(Page {
            data,
            total_count: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data: Option<Vec<T>> = None;
        let mut total_count: Option<u64> = None;
        while let Some(key) = map.next_key::<PageKey>()? {
            match key {
                PageKey::Items(name) => {
                    if data.is_some() {
                        return Err(de::Error::duplicate_field(name));
                    }
                    data = Some(map.next_value()?);
                }
                PageKey::TotalCount => total_count = map.next_value::<TotalCount>()?.0,
                PageKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let data = data.ok_or_else(|| de::Error::missing_field("data"))?;
        Ok(Page { data, total_count })
    }
}

/// A `total_count` value: any JSON number or `null`; see [`Page`] for what counts.
struct TotalCount(Option<u64>);

impl<'de> Deserialize<'de> for TotalCount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor;
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = TotalCount;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or null")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TotalCount, E> {
                Ok(TotalCount(Some(v)))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TotalCount, E> {
                Ok(TotalCount(u64::try_from(v).ok()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TotalCount, E> {
                // Every whole number up to 2^53 is exact in an f64; beyond that the value is no
                // longer a trustworthy count.
                const EXACT: f64 = 9_007_199_254_740_992.0;
                let whole = v.fract() == 0.0 && (0.0..=EXACT).contains(&v);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(TotalCount(whole.then_some(v as u64)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<TotalCount, E> {
                Ok(TotalCount(None))
            }

            fn visit_none<E: de::Error>(self) -> Result<TotalCount, E> {
                Ok(TotalCount(None))
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<TotalCount, D::Error> {
                d.deserialize_any(CountVisitor)
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

enum PageKey {
    Items(&'static str),
    TotalCount,
    Other,
}

impl<'de> Deserialize<'de> for PageKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = PageKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<PageKey, E> {
                Ok(match key {
                    "data" => PageKey::Items("data"),
                    "m2m_tokens" => PageKey::Items("m2m_tokens"),
                    "total_count" => PageKey::TotalCount,
                    _ => PageKey::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Offset pagination
// ---------------------------------------------------------------------------------------------

/// A list request that can be walked with `offset`/`limit` (implemented by generated list
/// builders).
pub trait Paginated: Clone + Send + Sync + 'static {
    /// The item type of the list.
    type Item: DeserializeOwned + Send + 'static;

    /// The client that sends the page requests.
    fn client(&self) -> &Client;

    /// The request for one page: all the builder's filters plus the given offset and limit.
    fn page_request(&self, offset: u64, limit: u64) -> Request;

    /// Offset of the first page: the builder's `offset`, or 0.
    fn start_offset(&self) -> u64 {
        0
    }

    /// Items per page: the builder's `limit`, or [`DEFAULT_STREAM_PAGE_SIZE`].
    fn page_size(&self) -> u64 {
        DEFAULT_STREAM_PAGE_SIZE
    }
}

/// A list request that can also be walked with a `starting_after` cursor (the id of the last item
/// of the previous page), which stays fast however deep the walk goes.
pub trait CursorPaginated: Paginated {
    /// The request for one page: the builder's filters, `limit`, and `starting_after` when `after`
    /// is `Some`. It must not send a non-zero `offset` (the API rejects the combination).
    fn page_request_after(&self, after: Option<&str>, limit: u64) -> Request;

    /// The cursor value of an item (its `id`).
    fn item_id(item: &Self::Item) -> Option<&str>;
}

/// Items and what comes after them, shared by both stream flavours.
struct Buffered<T, S> {
    source: S,
    items: VecDeque<T>,
    /// An error to yield once the buffered items are drained; the stream then ends.
    pending_error: Option<Error>,
    finished: bool,
}

impl<T, S> Buffered<T, S> {
    fn new(source: S) -> Self {
        Buffered {
            source,
            items: VecDeque::new(),
            pending_error: None,
            finished: false,
        }
    }

    /// The next thing to yield without fetching, if any: `Some(None)` means the stream is over.
    fn next_ready(&mut self) -> Option<Option<Result<T, Error>>> {
        if let Some(item) = self.items.pop_front() {
            return Some(Some(Ok(item)));
        }
        if let Some(error) = self.pending_error.take() {
            self.finished = true;
            return Some(Some(Err(error)));
        }
        if self.finished {
            return Some(None);
        }
        None
    }

    /// Buffers decoded items and an optional error that ends the stream after them.
    fn push(&mut self, items: VecDeque<T>, error: Option<Error>) {
        self.items = items;
        if error.is_some() {
            self.pending_error = error;
            self.finished = true;
        }
    }
}

/// One fetched page, decoded.
struct FetchedPage<T> {
    /// The items that decoded, in order (all of them unless `error` is set).
    items: VecDeque<T>,
    /// How many items the page held, decoded or not.
    count: usize,
    total_count: Option<u64>,
    /// The first item that failed to decode, with its index and field path; it ends the stream
    /// after the items before it.
    error: Option<Error>,
    /// A fingerprint of the body, for the offset streams' repeated-page guard.
    fingerprint: u64,
}

/// Fetches and decodes one page. Fast path: the body straight into `Page<T>`, one pass. Only
/// when that fails is the page read again, item by item, to keep the items before the failing
/// one and name it (`data[3].email_addresses[0].id`).
async fn fetch_page<T: DeserializeOwned>(
    client: &Client,
    request: Request,
) -> Result<FetchedPage<T>, Error> {
    let response = client.execute_ref(&request).await?;
    let fingerprint = fingerprint(response.body());
    if let Ok(page) = serde_json::from_slice::<Page<T>>(response.body()) {
        return Ok(FetchedPage {
            count: page.data.len(),
            items: VecDeque::from(page.data),
            total_count: page.total_count,
            error: None,
            fingerprint,
        });
    }
    let raw = match serde_json::from_slice::<Page<&RawValue>>(response.body()) {
        Ok(raw) => raw,
        // Not a list at all: the whole-body error, with its path.
        Err(error) => {
            let decoded = decode_json::<Page<IgnoredAny>>(
                response.status(),
                response.headers(),
                response.body(),
            );
            let error = match decoded {
                Err(decode_error) => decode_error,
                Ok(_) => {
                    DecodeError::new(response.status(), None, error.to_string(), response.body())
                }
            };
            return Err(Error::from(error).with_operation(&request.operation()));
        }
    };
    let mut items = VecDeque::with_capacity(raw.data.len());
    let mut error = None;
    for (index, item) in raw.data.iter().enumerate() {
        match serde_json::from_str::<T>(item.get()) {
            Ok(item) => items.push_back(item),
            Err(_) => {
                error = Some(
                    Error::from(decode_item_error::<T>(
                        item.get(),
                        &format!("data[{index}]"),
                        response.status(),
                        response.body(),
                    ))
                    .with_operation(&request.operation()),
                );
                break;
            }
        }
    }
    Ok(FetchedPage {
        items,
        count: raw.data.len(),
        total_count: raw.total_count,
        error,
        fingerprint,
    })
}

/// A 64-bit fingerprint of a page body, word by word: cheap next to decoding it, and enough to
/// tell a server that repeats a page from one that moves on.
fn fingerprint(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |hash: u64, word: u64| (hash ^ word).wrapping_mul(K).rotate_left(29);
    let mut chunks = bytes.chunks_exact(8);
    let mut hash = mix(0, bytes.len() as u64);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = mix(hash, u64::from_le_bytes(word));
    }
    let mut tail = [0u8; 8];
    for (slot, byte) in tail.iter_mut().zip(chunks.remainder()) {
        *slot = *byte;
    }
    mix(hash, u64::from_le_bytes(tail))
}

struct OffsetSource<P> {
    p: P,
    offset: u64,
    /// The fingerprint of the previous page's body.
    previous_page: Option<u64>,
}

/// All items of an offset-paginated list, fetched page by page as the stream is polled.
///
/// - **Lazy**: no request is sent until the stream is first polled.
/// - Starts at [`Paginated::start_offset`] with pages of [`Paginated::page_size`] items (the
///   generated builders clamp it to the operation's maximum, so a page is never short because
///   too much was asked) and advances the offset by the number of items received.
/// - Stops after an empty page, or when the offset reaches `total_count`; without a
///   `total_count`, after a page shorter than the page size. A short page never ends the walk
///   while `total_count` says more items remain.
/// - Loop guard: a page whose items are identical to the previous page's ends the stream with
///   [`Error::Pagination`].
/// - An error (request or decoding) is yielded once, after the items that preceded it, and ends
///   the stream.
/// - The stream is fused: polling it after it ended keeps returning `None`.
pub fn stream_pages<P: Paginated>(
    p: P,
) -> impl Stream<Item = Result<P::Item, Error>> + Send + Unpin + 'static {
    let offset = p.start_offset();
    let state = Buffered::<P::Item, _>::new(OffsetSource {
        p,
        offset,
        previous_page: None,
    });
    Box::pin(
        futures_util::stream::unfold(state, |mut st| async move {
            loop {
                if let Some(next) = st.next_ready() {
                    return next.map(|item| (item, st));
                }
                fetch_offset_page(&mut st).await;
            }
        })
        .fuse(),
    )
}

async fn fetch_offset_page<P: Paginated>(st: &mut Buffered<P::Item, OffsetSource<P>>) {
    let limit = st.source.p.page_size().max(1);
    let offset = st.source.offset;
    let request = st.source.p.page_request(offset, limit);
    let page = match fetch_page::<P::Item>(st.source.p.client(), request).await {
        Ok(page) => page,
        Err(err) => {
            st.pending_error = Some(err);
            return;
        }
    };
    let count = u64::try_from(page.count).unwrap_or(u64::MAX);
    if count == 0 {
        st.finished = true;
        return;
    }
    if st.source.previous_page == Some(page.fingerprint) {
        tracing::debug!(offset, "pagination loop detected");
        st.pending_error = Some(PaginationError::RepeatedPage { offset }.into());
        return;
    }
    st.source.previous_page = Some(page.fingerprint);
    match offset.checked_add(count) {
        Some(next) => {
            st.source.offset = next;
            // A short page ends the walk, unless the total says more remain (a server that caps
            // its pages below the limit asked for): then the walk goes on, and ends on an empty
            // page, the total, or the repeated-page guard.
            let finished = match page.total_count {
                Some(total) => next >= total,
                None => count < limit,
            };
            if finished {
                st.finished = true;
            }
        }
        None => st.finished = true,
    }
    st.push(page.items, page.error);
}

// ---------------------------------------------------------------------------------------------
// Cursor pagination
// ---------------------------------------------------------------------------------------------

struct CursorSource<P> {
    p: P,
    after: Option<String>,
    used: HashSet<String>,
}

/// All items of a cursor-paginated list (`starting_after`), fetched page by page as the stream
/// is polled.
///
/// - **Lazy**: no request is sent until the stream is first polled.
/// - The first page is requested without a cursor, each following one with the id of the last
///   item of the previous page.
/// - Stops after a page that is empty or shorter than [`Paginated::page_size`].
/// - Loop guard: a page whose last item's id was already used as a cursor (the server is repeating
///   itself) ends the stream with [`Error::Pagination`] instead of yielding that page; a full page
///   whose last item has no id ends it with an error after its items.
/// - An error is yielded once, after the items that preceded it, and ends the stream.
/// - The stream is fused: polling it after it ended keeps returning `None`.
pub fn stream_cursor<P: CursorPaginated>(
    p: P,
) -> impl Stream<Item = Result<P::Item, Error>> + Send + Unpin + 'static {
    let state = Buffered::<P::Item, _>::new(CursorSource {
        p,
        after: None,
        used: HashSet::new(),
    });
    Box::pin(
        futures_util::stream::unfold(state, |mut st| async move {
            loop {
                if let Some(next) = st.next_ready() {
                    return next.map(|item| (item, st));
                }
                fetch_cursor_page(&mut st).await;
            }
        })
        .fuse(),
    )
}

async fn fetch_cursor_page<P: CursorPaginated>(st: &mut Buffered<P::Item, CursorSource<P>>) {
    let limit = st.source.p.page_size().max(1);
    let request = st
        .source
        .p
        .page_request_after(st.source.after.as_deref(), limit);
    let page = match fetch_page::<P::Item>(st.source.p.client(), request).await {
        Ok(page) => page,
        Err(err) => {
            st.pending_error = Some(err);
            return;
        }
    };
    let count = u64::try_from(page.count).unwrap_or(u64::MAX);
    if count == 0 {
        st.finished = true;
        return;
    }
    let (items, error) = (page.items, page.error);
    if error.is_some() {
        st.push(items, error);
        return;
    }
    let Some(cursor) = items.back().and_then(P::item_id).map(str::to_owned) else {
        // A short page ends the stream anyway; a full one needs the cursor.
        let error = (count >= limit).then(|| PaginationError::MissingCursor.into());
        st.finished = true;
        st.push(items, error);
        return;
    };
    if !st.source.used.insert(cursor.clone()) {
        // The page ends where an earlier page ended: the server is repeating itself.
        tracing::debug!("pagination loop detected: repeated cursor");
        st.pending_error = Some(PaginationError::RepeatedCursor { cursor }.into());
        return;
    }
    if count < limit {
        st.finished = true;
    }
    st.source.after = Some(cursor);
    st.push(items, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_shapes() {
        let p: Page<u32> = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(p, Page::new(vec![1, 2], None));
        let p: Page<u32> =
            serde_json::from_str(r#"{"object":"list","data":[3],"total_count":9}"#).unwrap();
        assert_eq!(p, Page::new(vec![3], Some(9)));
        let p: Page<u32> =
            serde_json::from_str(r#"{"total_count":1,"m2m_tokens":[4],"x":{"y":[]}}"#).unwrap();
        assert_eq!(p, Page::new(vec![4], Some(1)));
        let p: Page<u32> = serde_json::from_str(r#"{"data":[],"total_count":null}"#).unwrap();
        assert!(p.is_empty());
        assert!(serde_json::from_str::<Page<u32>>(r#"{"total_count":1}"#).is_err());
        assert!(serde_json::from_str::<Page<u32>>(r#"{"data":[1],"m2m_tokens":[2]}"#).is_err());
        assert!(serde_json::from_str::<Page<u32>>(r#""nope""#).is_err());
        assert!(serde_json::from_str::<Page<u32>>(r#"{"data":{}}"#).is_err());
    }

    /// Some lists type `total_count` as `number`: a whole float is the count, anything that is
    /// not a whole non-negative count in range is no count, and neither fails the page.
    #[test]
    fn total_count_typed_number() {
        let count = |json: &str| serde_json::from_str::<Page<u32>>(json).map(|p| p.total_count);
        assert_eq!(
            count(r#"{"data":[],"total_count":12.0}"#).unwrap(),
            Some(12)
        );
        assert_eq!(count(r#"{"data":[],"total_count":0.0}"#).unwrap(), Some(0));
        assert_eq!(count(r#"{"data":[],"total_count":-0.0}"#).unwrap(), Some(0));
        assert_eq!(
            count(r#"{"data":[],"total_count":1e3}"#).unwrap(),
            Some(1000)
        );
        assert_eq!(count(r#"{"data":[],"total_count":12.5}"#).unwrap(), None);
        assert_eq!(count(r#"{"data":[],"total_count":-1}"#).unwrap(), None);
        assert_eq!(count(r#"{"data":[],"total_count":-3.0}"#).unwrap(), None);
        assert_eq!(count(r#"{"data":[],"total_count":1e300}"#).unwrap(), None);
        assert_eq!(
            count(r#"{"data":[],"total_count":18446744073709551615}"#).unwrap(),
            Some(u64::MAX)
        );
        // Decoding through a `serde_json::Value` takes the same path.
        let value = serde_json::json!({ "data": [1], "total_count": 7.0 });
        let page: Page<u32> = serde_json::from_value(value).unwrap();
        assert_eq!(page.total_count, Some(7));
        // Not a number at all is still malformed.
        assert!(count(r#"{"data":[],"total_count":"12"}"#).is_err());
    }
}
