//! Property-based fuzzing, bounded by case counts so the test command stays short: the seal
//! decoder, the document-number parser, and every JSON body a route reads, sent through the real
//! handlers. Whatever comes in: no panic, no 5xx, a problem+json for every refusal.

use guichet_cli::serve::Functions;
use guichet_core::domain::{DocumentNumber, OfficeCode, Principal, Role, SealClaims, Subject};
use guichet_core::ports::SystemClock;
use guichet_http::{Body, Request};
use guichet_seal::{self as seal, SealKey, SealKeys};
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestRunner};
use secrecy::ExposeSecret;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::macros::datetime;

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Cases {
        cases,
        failure_persistence: None,
        ..Cases::default()
    })
}

fn keys() -> SealKeys {
    SealKeys::new(vec![SealKey::from_secret(
        [5; 32],
        datetime!(2026-01-01 0:00 UTC),
    )])
    .unwrap()
}

fn claims() -> SealClaims {
    SealClaims::example()
}

const BASE45: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

#[test]
fn the_seal_decoder_refuses_everything_it_did_not_sign() {
    let keys = keys();
    let good = keys.seal(&claims());
    let cose = base45::decode(good.strip_prefix(seal::PREFIX).unwrap()).unwrap();
    let runs = AtomicUsize::new(0);
    // Any text, any base45 text after the prefix, any bytes encoded.
    runner(20_000)
        .run(
            &prop_oneof![
                any::<String>(),
                proptest::collection::vec(
                    proptest::sample::select(BASE45.as_bytes().to_vec()),
                    0..300
                )
                .prop_map(|b| format!(
                    "{}{}",
                    seal::PREFIX,
                    String::from_utf8(b).unwrap()
                )),
                proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| format!(
                    "{}{}",
                    seal::PREFIX,
                    base45::encode(&b)
                )),
            ],
            |text| {
                runs.fetch_add(1, Ordering::Relaxed);
                prop_assert!(seal::open(&text, &keys).is_err());
                Ok(())
            },
        )
        .unwrap();

    // The real seal with bytes changed: flipped bits, replaced bytes, cut short, extended.
    runner(10_000)
        .run(&(0..cose.len(), any::<u8>(), 0u8..4), |(at, byte, how)| {
            runs.fetch_add(1, Ordering::Relaxed);
            let mut bytes = cose.clone();
            match how {
                0 => bytes[at] ^= byte | 1,
                1 => bytes[at] = byte,
                2 => bytes.truncate(at),
                _ => bytes.insert(at, byte),
            }
            prop_assume!(bytes != cose);
            let text = format!("{}{}", seal::PREFIX, base45::encode(&bytes));
            prop_assert!(
                seal::open(&text, &keys).is_err(),
                "accepted {:?}",
                (at, byte, how)
            );
            Ok(())
        })
        .unwrap();
    assert!(seal::open(&good, &keys).is_ok());
    println!(
        "fuzz: seal decoder, {} inputs",
        runs.load(Ordering::Relaxed)
    );
}

#[test]
fn the_document_number_parser_round_trips_what_it_accepts() {
    let runs = AtomicUsize::new(0);
    runner(10_000)
        .run(
            &prop_oneof![
                any::<String>(),
                "[A-Za-z]{2}-[0-9]{4}-[0-9]{6}-[0-9A-Z]",
                " ?[a-zA-Z0-9 -]{0,24} ?",
            ],
            |text| {
                runs.fetch_add(1, Ordering::Relaxed);
                if let Ok(n) = text.parse::<DocumentNumber>() {
                    let printed = n.to_string();
                    prop_assert_eq!(printed.parse::<DocumentNumber>().unwrap(), n);
                    prop_assert_eq!(printed, text.trim().to_uppercase());
                }
                Ok(())
            },
        )
        .unwrap();
    println!(
        "fuzz: document-number parser, {} inputs",
        runs.load(Ordering::Relaxed)
    );
}

/// JSON built from the contract's own field names (so the fuzzer gets past "unknown field" and
/// into the validation behind it) and from anything at all.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        proptest::sample::select(vec![
            "kind",
            "applicant",
            "details",
            "surname",
            "given_names",
            "birth_date",
            "birth_place",
            "birth_country",
            "nina",
            "father_name",
            "mother_name",
            "email",
            "phone",
            "purpose",
            "decision",
            "reason",
            "record",
            "convictions",
            "date",
            "court",
            "offence",
            "sentence",
            "message",
            "seal",
            "provider_txn",
            "payment_reference",
            "amount",
            "currency",
            "status",
        ])
        .prop_map(str::to_owned),
        ".{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        proptest::sample::select(vec![
            "criminal_record_extract",
            "approve",
            "reject",
            "request_info",
            "1990-04-12",
            "2019-02-30",
            "Bamako",
            "ML",
            "XOF",
            "succeeded",
            "failed",
            "Traoré",
            "GCH1:",
            "12345678901234A",
        ])
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(|i| json!(i)),
        ".{0,30}".prop_map(Value::String),
        json_value(),
    ]
    .boxed()
}

/// A valid body with some of its fields dropped or replaced by anything: this is what reaches
/// the checks behind the parser.
fn near(valid: &Value) -> BoxedStrategy<Value> {
    match valid {
        Value::Object(fields) => {
            let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
                .iter()
                .map(|(k, v)| {
                    let k = k.clone();
                    prop_oneof![
                        8 => near(v).prop_map(move |v| Some((k.clone(), v))),
                        1 => Just(None),
                    ]
                    .boxed()
                })
                .collect();
            fields
                .prop_map(|fs| Value::Object(fs.into_iter().flatten().collect()))
                .boxed()
        }
        Value::Array(items) => {
            let items: Vec<BoxedStrategy<Value>> = items.iter().map(near).collect();
            items.prop_map(Value::Array).boxed()
        }
        v => prop_oneof![5 => Just(v.clone()), 1 => leaf()].boxed(),
    }
}

/// Near a valid body, any JSON, or any bytes.
fn body(valid: Value) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => near(&valid).prop_map(|v| serde_json::to_vec(&v).unwrap()),
        2 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

fn applicant() -> Value {
    json!({ "surname": "Keïta", "given_names": "Mariam", "birth_date": "1992-01-15",
            "birth_place": "Bamako", "birth_country": "ML", "nina": "12345678901234A",
            "father_name": "Sékou Keïta", "email": "m@example.ml", "phone": "+22370000000" })
}

struct Target {
    f: Functions,
    payment_secret: Vec<u8>,
    citizen: String,
    clerk: String,
    in_review: String,
}

fn token(f: &Functions, role: Role, office: Option<&str>, sub: &str) -> String {
    let who = Principal {
        subject: Subject::parse(sub).unwrap(),
        role,
        office: office.map(|o| OfficeCode::parse(o).unwrap()),
        name: None,
        state: None,
        mfa: true,
    };
    f.submit
        .edge
        .auth
        .mint(
            &who,
            time::Duration::hours(1),
            time::OffsetDateTime::now_utc(),
        )
        .unwrap()
}

fn request(method: &str, path: &str, token: Option<&str>, ct: &str, body: Vec<u8>) -> Request {
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", ct);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    // A new key each time, as a client sends with every request that creates something.
    if method == "POST" {
        b = b.header("idempotency-key", ulid::Ulid::new().to_string());
    }
    b.body(Body::Binary(body)).unwrap()
}

static STATUSES: std::sync::Mutex<std::collections::BTreeMap<u16, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// What every answer must be, whatever was sent.
fn well_formed(resp: &http::Response<Body>) -> Result<(), TestCaseError> {
    let status = resp.status().as_u16();
    *STATUSES.lock().unwrap().entry(status).or_default() += 1;
    prop_assert!(status < 500, "answered {}", status);
    if status >= 400 {
        prop_assert_eq!(&resp.headers()["content-type"], "application/problem+json");
        let problem: Value = serde_json::from_slice(resp.body().as_ref()).unwrap();
        prop_assert_eq!(problem["status"].as_u64(), Some(u64::from(status)));
    }
    Ok(())
}

/// A nationality certificate by descent, as a citizen submits it.
fn certificate_body() -> Value {
    json!({ "kind": "nationality_certificate", "applicant": applicant(),
        "details": { "basis": "born_in_mali_to_malian_parent", "parent": { "surname": "Keïta",
            "given_names": "Sékou", "birth_date": "1960-05-02", "birth_place": "Kita",
            "relationship": "father" } } })
}

#[test]
fn every_body_a_route_reads_gets_an_answer_and_never_a_5xx() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = guichet_cli::settings::Settings::development(dir.path());
    settings.http.rate_limits = guichet_http::limits::RateLimits::unlimited();
    let backend = rt
        .block_on(guichet_cli::backend::open_local(&settings))
        .unwrap();
    let f = Functions::wire(
        &backend,
        &settings,
        Arc::new(SystemClock),
        "127.0.0.1:8080".parse().unwrap(),
    )
    .unwrap();
    // Upload URLs point where `guichet serve` would listen; no request is sent there here.
    if let Some(uploads) = &backend.local_uploads {
        uploads.set_base_url("http://127.0.0.1:8080".into());
    }
    let citizen = token(&f, Role::Applicant, None, "fuzz-citizen");
    let clerk = token(&f, Role::Clerk, Some("TGI-BKO-C3"), "fuzz-clerk");
    // One application in review, for the decision route to chew on.
    let created = rt.block_on(guichet_submit::handle(
        &f.submit,
        request(
            "POST",
            "/v1/applications",
            Some(&citizen),
            "application/json",
            serde_json::to_vec(&json!({ "kind": "criminal_record_extract",
                "applicant": { "surname": "Keïta", "given_names": "Mariam", "birth_date": "1992-01-15", "birth_place": "Bamako" } }))
            .unwrap(),
        ),
    ));
    let created: Value = serde_json::from_slice(created.body().as_ref()).unwrap();
    // And a nationality certificate awaiting payment, for the attachment route.
    let certificate = rt.block_on(guichet_submit::handle(
        &f.submit,
        request(
            "POST",
            "/v1/applications",
            Some(&citizen),
            "application/json",
            serde_json::to_vec(&certificate_body()).unwrap(),
        ),
    ));
    let certificate: Value = serde_json::from_slice(certificate.body().as_ref()).unwrap();
    let certificate = certificate["id"].as_str().unwrap().to_owned();
    let t = Target {
        in_review: created["id"].as_str().unwrap().to_owned(),
        payment_secret: backend.payment_secret.expose_secret().as_bytes().to_vec(),
        f,
        citizen,
        clerk,
    };
    let runs = AtomicUsize::new(0);
    // A fresh runner per route: a runner counts its cases across runs.
    let r = || runner(2000);
    let json_ct = "application/json";

    let submit = json!({ "kind": "criminal_record_extract", "applicant": applicant(),
                         "details": { "purpose": "Emploi" } });
    r().run(&body(submit), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let req = request("POST", "/v1/applications", Some(&t.citizen), json_ct, b);
        well_formed(&rt.block_on(guichet_submit::handle(&t.f.submit, req)))
    })
    .unwrap();
    r().run(&body(certificate_body()), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let req = request("POST", "/v1/applications", Some(&t.citizen), json_ct, b);
        well_formed(&rt.block_on(guichet_submit::handle(&t.f.submit, req)))
    })
    .unwrap();
    let attachment = json!({ "name": "birth_certificate", "content_type": "application/pdf",
        "size": 182044, "sha256": "a".repeat(64) });
    r().run(&body(attachment), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let path = format!("/v1/applications/{certificate}/attachments");
        let req = request("POST", &path, Some(&t.citizen), json_ct, b);
        well_formed(&rt.block_on(guichet_submit::handle(&t.f.submit, req)))
    })
    .unwrap();
    let resubmit = json!({ "applicant": applicant(), "details": {}, "message": "Corrigé" });
    r().run(&body(resubmit), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let path = format!("/v1/applications/{}/resubmit", t.in_review);
        let req = request("POST", &path, Some(&t.citizen), json_ct, b);
        well_formed(&rt.block_on(guichet_submit::handle(&t.f.submit, req)))
    })
    .unwrap();
    let decision = json!({ "decision": "request_info", "reason": "Précisez",
        "record": { "convictions": [{ "date": "2019-03-14", "court": "TGI de Kati",
                                      "offence": "Vol", "sentence": "Un an" }] } });
    r().run(&body(decision), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let path = format!("/v1/applications/{}/decision", t.in_review);
        let req = request("POST", &path, Some(&t.clerk), json_ct, b);
        well_formed(&rt.block_on(guichet_review::handle(&t.f.review, req)))
    })
    .unwrap();
    let signature = json!({ "decision": "refuse", "reason": "Pièce illisible" });
    r().run(&body(signature), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let path = format!("/v1/applications/{}/signature", t.in_review);
        let req = request("POST", &path, Some(&t.clerk), json_ct, b);
        well_formed(&rt.block_on(guichet_review::handle(&t.f.review, req)))
    })
    .unwrap();
    // No such document: bodies are parsed and their reason checked before the lookup.
    let signatory = token(&t.f, Role::Signatory, Some("TGI-BKO-C3"), "fuzz-signatory");
    r().run(&body(json!({ "reason": "Faux acte de naissance" })), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let path = "/v1/documents/CJ-2026-000001-6/revoke";
        let req = request("POST", path, Some(&signatory), json_ct, b);
        well_formed(&rt.block_on(guichet_review::handle(&t.f.review, req)))
    })
    .unwrap();
    // Signed, so the parser behind the signature check is what gets fuzzed.
    let notice = json!({ "provider_txn": "t-1", "payment_reference": created["payment_reference"],
                         "amount": 750, "currency": "XOF", "status": "succeeded" });
    r().run(&body(notice), |b| {
        runs.fetch_add(1, Ordering::Relaxed);
        let t_now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = guichet_payments::sign(&t.payment_secret, "sandbox", &b, t_now);
        let mut req = request("POST", "/v1/payments/webhook/sandbox", None, json_ct, b);
        req.headers_mut()
            .insert("guichet-signature", signature.parse().unwrap());
        well_formed(&rt.block_on(guichet_payment::handle(&t.f.payment, req)))
    })
    .unwrap();
    let seal = json!({ "seal": keys().seal(&claims()) });
    r().run(&(body(seal), any::<bool>()), |(b, as_pdf)| {
        runs.fetch_add(1, Ordering::Relaxed);
        let ct = if as_pdf { "application/pdf" } else { json_ct };
        let req = request("POST", "/v1/verify", None, ct, b);
        well_formed(&rt.block_on(guichet_verify::handle(&t.f.verify, req)))
    })
    .unwrap();
    r().run(&"[A-Za-z0-9._~%-]{0,40}", |number| {
        runs.fetch_add(1, Ordering::Relaxed);
        let req = request(
            "GET",
            &format!("/v1/verify/{number}"),
            None,
            json_ct,
            vec![],
        );
        well_formed(&rt.block_on(guichet_verify::handle(&t.f.verify, req)))
    })
    .unwrap();
    let statuses = STATUSES.lock().unwrap().clone();
    println!(
        "fuzz: request bodies through the handlers, {} requests, answered {statuses:?}",
        runs.load(Ordering::Relaxed)
    );
    // Deep enough to be worth it: some bodies got all the way through.
    assert!(statuses.get(&201).is_some_and(|n| *n > 0), "{statuses:?}");
}
