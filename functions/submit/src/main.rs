//! Lambda entry point: wires the handler to the runtime, nothing more.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    guichet::telemetry::init("submit");
    let ctx = guichet::bootstrap::context().await?;
    lambda_http::run(lambda_http::service_fn(move |req| {
        let ctx = ctx.clone();
        async move { Ok::<_, std::convert::Infallible>(guichet_submit::handle(&ctx, req).await) }
    }))
    .await
}
