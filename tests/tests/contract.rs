//! The port contract, run unchanged on both adapter sets: the embedded one (SQLite, files) and
//! the AWS one (DynamoDB, S3) on moto server.

use guichet_aws::{DynamoStore, S3BlobStore};
use guichet_core::ports::{BlobStore, Download};
use guichet_tests::contract::*;
use guichet_tests::moto::emulator;

#[tokio::test]
async fn the_embedded_adapters_keep_the_port_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = guichet_local::Db::open(&dir.path().join("contract.sqlite")).unwrap();
    let store = guichet_local::SqliteStore::new(db);
    applications_keep_their_contract(&store).await;
    payments_keep_their_contract(&store, &store).await;
    documents_keep_their_contract(&store, &store).await;
    blobs_keep_their_contract(&guichet_local::FileBlobStore::new(dir.path().join("blobs"))).await;
    seal_keys_keep_their_contract(&guichet_local::secrets::KeyFiles {
        dir: dir.path().join("keys"),
    })
    .await;
}

#[tokio::test]
async fn secrets_manager_keeps_the_seal_key_contract() {
    let (sdk, resources) = emulator().provision().await;
    seal_keys_keep_their_contract(&guichet_aws::ManagedSecretKeys {
        client: aws_sdk_secretsmanager::Client::new(&sdk),
        arn: resources.secrets_arn,
    })
    .await;
}

async fn dynamo() -> DynamoStore {
    let (sdk, resources) = emulator().provision().await;
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), resources.table)
}

async fn s3() -> (aws_sdk_s3::Client, S3BlobStore, String) {
    let (sdk, resources) = emulator().provision().await;
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let store = S3BlobStore::new(client.clone(), &resources.documents_bucket, None);
    (client, store, resources.documents_bucket)
}

#[tokio::test]
async fn dynamodb_keeps_the_application_contract() {
    applications_keep_their_contract(&dynamo().await).await;
}

#[tokio::test]
async fn dynamodb_keeps_the_payment_contract() {
    let store = dynamo().await;
    payments_keep_their_contract(&store, &store).await;
}

#[tokio::test]
async fn dynamodb_keeps_the_document_contract() {
    let store = dynamo().await;
    documents_keep_their_contract(&store, &store).await;
}

#[tokio::test]
async fn s3_keeps_the_blob_contract() {
    let (_, blobs, _) = s3().await;
    blobs_keep_their_contract(&blobs).await;
}

#[tokio::test]
async fn s3_documents_are_encrypted_and_downloaded_through_a_short_lived_url() {
    let (client, blobs, bucket) = s3().await;
    let key = "documents/2026/CJ-2026-000001-0.pdf";
    blobs
        .put_if_absent(key, b"%PDF-1.7 test".to_vec(), "application/pdf")
        .await
        .unwrap();
    let head = client
        .head_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert!(
        head.server_side_encryption().is_some(),
        "stored encrypted at rest"
    );
    assert_eq!(head.content_type(), Some("application/pdf"));
    let Some(Download::Redirect(url)) = blobs.download(key, "CJ-2026-000001-0.pdf").await.unwrap()
    else {
        panic!("S3 answers with a URL, not the bytes");
    };
    assert!(url.contains("X-Amz-Expires=300"), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"%PDF-1.7 test");
    // A key that could escape its prefix is refused before any request.
    assert!(blobs.get("documents/../secrets").await.is_err());
}
