//! The second of the server's two pure steps: turn an [`Outcome`] into the hyper
//! response — status, headers and the precomputed body. HEAD gets the same headers
//! as GET and no body; a 304 keeps the validators, `Cache-Control` and `Vary`.

use bytes::Bytes;
use http::header::{
    HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    LAST_MODIFIED, VARY,
};
use http::{Response, StatusCode};
use http_body_util::Full;

use super::resolve::Outcome;
use super::set::{Coding, Resource};
use super::Health;

/// What every response of one server shares.
#[derive(Debug, Clone)]
pub struct Context {
    /// `public, max-age=N` from `serve.max_age`.
    pub cache_control: HeaderValue,
}

impl Context {
    pub fn new(max_age: u64) -> Context {
        Context {
            cache_control: HeaderValue::from_str(&format!("public, max-age={max_age}"))
                .expect("digits and ASCII make a valid header value"),
        }
    }
}

const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");
const ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("Accept-Encoding");

/// Builds the response for an outcome. `health` is only read for `/healthz`.
pub fn respond(outcome: Outcome, ctx: &Context, health: &Health) -> Response<Full<Bytes>> {
    match outcome {
        Outcome::Found {
            resource,
            coding,
            head,
        } => {
            let variant = resource
                .variant(coding)
                .expect("resolve only picks codings the resource has");
            let mut res = body_response(StatusCode::OK, variant.body.clone(), head);
            validators(&mut res, &resource, coding, ctx);
            let h = res.headers_mut();
            h.insert(CONTENT_TYPE, HeaderValue::from_static(resource.media_type));
            if let Some(token) = coding.token() {
                h.insert(CONTENT_ENCODING, HeaderValue::from_static(token));
            }
            res
        }
        Outcome::NotModified { resource, coding } => {
            let mut res = Response::new(Full::new(Bytes::new()));
            *res.status_mut() = StatusCode::NOT_MODIFIED;
            validators(&mut res, &resource, coding, ctx);
            res
        }
        Outcome::Health { head } => {
            let body = serde_json::to_vec_pretty(&health.to_json())
                .expect("a JSON value always serializes");
            let mut res = body_response(StatusCode::OK, Bytes::from(body), head);
            res.headers_mut().insert(CONTENT_TYPE, JSON);
            res.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Outcome::NotFound => text(StatusCode::NOT_FOUND, "not found\n".to_string()),
        Outcome::MethodNotAllowed => {
            let mut res = text(
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed: use GET or HEAD\n".to_string(),
            );
            res.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            res
        }
        Outcome::BadRequest(why) => text(StatusCode::BAD_REQUEST, format!("bad request: {why}\n")),
    }
}

/// A response with `Content-Length` set from `body`, the body itself left out for HEAD.
fn body_response(status: StatusCode, body: Bytes, head: bool) -> Response<Full<Bytes>> {
    let len = HeaderValue::from(body.len());
    let mut res = Response::new(Full::new(if head { Bytes::new() } else { body }));
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_LENGTH, len);
    res
}

fn text(status: StatusCode, message: String) -> Response<Full<Bytes>> {
    let mut res = body_response(status, Bytes::from(message), false);
    res.headers_mut().insert(CONTENT_TYPE, TEXT);
    res
}

/// `ETag`, `Last-Modified`, `Cache-Control` and `Vary`: sent alike on 200 and 304.
fn validators(res: &mut Response<Full<Bytes>>, r: &Resource, coding: Coding, ctx: &Context) {
    let variant = r
        .variant(coding)
        .expect("resolve only picks codings the resource has");
    let h = res.headers_mut();
    h.insert(ETAG, variant.etag_header.clone());
    if let Some(lm) = &r.last_modified_header {
        h.insert(LAST_MODIFIED, lm.clone());
    }
    h.insert(CACHE_CONTROL, ctx.cache_control.clone());
    h.insert(VARY, ACCEPT_ENCODING);
}
