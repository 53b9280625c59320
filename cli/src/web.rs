//! The front ends (`web/`) as `guichet serve` answers them, from the copy built into the binary:
//! each page at its address, compressed when the browser takes gzip, revalidated by its hash,
//! under the pages' own Content-Security-Policy. On AWS the same files are served by CloudFront.

use guichet_http::response::PAGES_CSP;
use http::{HeaderMap, Response, StatusCode, header};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

mod built {
    include!(concat!(env!("OUT_DIR"), "/web_files.rs"));
}

/// Each page's address and its file; `/verify` is the verify page's second name.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "/index.html"),
    ("/console", "/console.html"),
    ("/verifier", "/verifier.html"),
    ("/verify", "/verifier.html"),
];

struct Asset {
    body: &'static [u8],
    gzip: Vec<u8>,
    etag: String,
    content_type: &'static str,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn assets() -> &'static HashMap<&'static str, Asset> {
    static ASSETS: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        built::FILES
            .iter()
            .map(|(path, body)| {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                let gzip = gz
                    .write_all(body)
                    .and_then(|()| gz.finish())
                    .unwrap_or_default();
                let etag = format!("\"{}\"", &hex::encode(Sha256::digest(body))[..20]);
                (
                    *path,
                    Asset {
                        body,
                        gzip,
                        etag,
                        content_type: content_type(path),
                    },
                )
            })
            .collect()
    })
}

/// The file a browser gets at `path`: a page by its address (never by its file name), or a
/// script, style or vendored file by its own.
fn find(path: &str) -> Option<&'static Asset> {
    match PAGES.iter().find(|(at, _)| *at == path) {
        Some((_, file)) => assets().get(file),
        None if path.ends_with(".html") => None,
        None => assets().get(path),
    }
}

/// The answer to a GET or HEAD of `path`, or `None` when no front-end file is there.
pub fn answer(path: &str, request: &HeaderMap) -> Option<Response<Vec<u8>>> {
    let asset = find(path)?;
    let gzip = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
        && !asset.gzip.is_empty();
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, asset.content_type)
        .header(header::ETAG, &asset.etag)
        // Always asked again, answered 304 when unchanged: a new version reaches a phone at
        // once, and an unchanged file costs a few hundred bytes.
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "accept-encoding")
        .header(header::CONTENT_SECURITY_POLICY, PAGES_CSP)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer")
        .header(
            "permissions-policy",
            "camera=(self), microphone=(), geolocation=()",
        )
        .header(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    let unchanged = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == asset.etag));
    let response = if unchanged {
        builder.status(StatusCode::NOT_MODIFIED).body(Vec::new())
    } else if gzip {
        builder
            .header(header::CONTENT_ENCODING, "gzip")
            .body(asset.gzip.clone())
    } else {
        builder.body(asset.body.to_vec())
    };
    response.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_answer_at_their_addresses_with_their_policy_and_files_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, "gzip, br".parse().unwrap());
        let page = answer("/verifier", &headers).unwrap();
        assert_eq!(page.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(page.headers()[header::CONTENT_SECURITY_POLICY], PAGES_CSP);
        assert!(answer("/verify", &headers).is_some(), "the alias");
        assert!(
            answer("/verifier.html", &headers).is_none(),
            "a page only by its address"
        );
        assert!(answer("/assets/nothing.js", &headers).is_none());
        let script = answer("/assets/seal.js", &HeaderMap::new()).unwrap();
        assert!(script.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(
            script.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let mut again = HeaderMap::new();
        again.insert(
            header::IF_NONE_MATCH,
            script.headers()[header::ETAG].clone(),
        );
        assert_eq!(
            answer("/assets/seal.js", &again).unwrap().status(),
            StatusCode::NOT_MODIFIED
        );
    }

    /// CloudFront sends the pages the same policy `guichet serve` does, the uploads bucket (where
    /// the portal PUTs files on AWS) added to `connect-src`.
    #[test]
    fn the_template_gives_the_pages_the_same_policy() {
        let template = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../infra/template.yaml"
        ))
        .unwrap();
        let line = template
            .lines()
            .find(|l| l.trim_start().starts_with("ContentSecurityPolicy: !Sub"))
            .expect("the template sets the pages' policy");
        let deployed = line.split('"').nth(1).unwrap();
        let expected = PAGES_CSP.replace(
            "connect-src 'self'",
            "connect-src 'self' https://${UploadsBucket.RegionalDomainName}",
        );
        assert_eq!(deployed, expected);
        // Every page the service answers is a file the deploy script puts at its address.
        let script = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/deploy-web.sh"
        ))
        .unwrap();
        for (page, file) in PAGES.iter().filter(|(p, _)| *p != "/") {
            let put = format!("{}:{}", &file[1..], &page[1..]);
            assert!(script.contains(&put), "deploy-web.sh puts {put}");
        }
    }
}
