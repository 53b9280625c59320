//! The sandbox provider's payment page: what a mobile-money or card provider shows a citizen,
//! standing in for them on one machine. Paying there sends the provider's notice, signed with the
//! webhook secret, through the same gateway and payment step as any provider's. It exists only
//! where the sandbox does (never in production): elsewhere these addresses are not found.

use super::Payment;
use guichet_core::Error;
use guichet_core::domain::{Application, PaymentReference, PaymentStatus, Status};
use guichet_core::messages::Msg;
use guichet_core::ports::Delivery;
use guichet_core::usecases::payment;
use guichet_http::request::body_bytes;
use guichet_http::response::{page as html_page, see_other};
use guichet_http::{Body, Request, Response};
use guichet_payments::SandboxCheckout;

/// The application a sandbox page is for, when the sandbox exists here.
async fn application(f: &Payment, reference: &str) -> Result<Application, Error> {
    if f.gateways.sandbox_secret().is_none() {
        return Err(Error::NotFound);
    }
    let reference = PaymentReference::parse(reference).map_err(|_| Error::NotFound)?;
    f.applications
        .find_by_payment_reference(&reference)
        .await?
        .ok_or(Error::NotFound)
}

fn back_to_portal(f: &Payment, app: &Application) -> String {
    format!(
        "{}/#/applications/{}",
        f.portal_url.trim_end_matches('/'),
        app.id
    )
}

pub async fn page(f: &Payment, reference: &str) -> Result<Response<Body>, Error> {
    let app = application(f, reference).await?;
    let amount = app.fee.to_string();
    let reference = escape(app.payment_reference.as_str());
    let back = escape(&back_to_portal(f, &app));
    let form = if app.status() == Status::AwaitingPayment {
        format!(
            r#"<form method="post" action="/v1/payments/sandbox/checkout/{reference}">
  <fieldset>
    <legend>Moyen de paiement <span lang="en">/ Means of payment</span></legend>
    <label><input type="radio" name="method" value="orange_money" checked> Orange Money</label>
    <label><input type="radio" name="method" value="moov_money"> Moov Money</label>
    <label><input type="radio" name="method" value="card"> Carte bancaire <span lang="en">/ Card</span></label>
  </fieldset>
  <button type="submit" name="outcome" value="succeeded" id="pay">Payer {amount} <span lang="en">/ Pay</span></button>
  <button type="submit" name="outcome" value="failed" id="fail" class="secondary">Simuler un échec <span lang="en">/ Simulate a failure</span></button>
</form>"#,
            amount = escape(&amount),
        )
    } else {
        format!(
            r#"<p id="not-payable">Cette demande n'attend pas de paiement. <span lang="en">This application is not waiting for a payment.</span></p>
<p><a class="button" href="{back}">Retour <span lang="en">/ Back</span></a></p>"#
        )
    };
    Ok(html_page(
        200,
        format!(
            r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paiement (bac à sable) — Guichet</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/site.css">
</head>
<body>
<header class="band"><span class="brand">Prestataire de paiement — bac à sable <span class="state" lang="en">Payment provider — sandbox</span></span></header>
<main id="main">
<h1>Paiement <span lang="en">/ Payment</span></h1>
<p class="hint">Cette page simule Orange Money, Moov Money et les cartes, hors production. Aucun argent ne circule. <span lang="en">This page stands in for Orange Money, Moov Money and cards, outside production. No money moves.</span></p>
<dl class="facts">
  <dt>Montant <span lang="en">/ Amount</span></dt><dd id="amount">{amount}</dd>
  <dt>Référence <span lang="en">/ Reference</span></dt><dd id="reference">{reference}</dd>
</dl>
{form}
</main>
</body>
</html>
"#,
            amount = escape(&amount),
        ),
    ))
}

pub async fn pay(f: &Payment, req: &Request, reference: &str) -> Result<Response<Body>, Error> {
    let app = application(f, reference).await?;
    let secret = f.gateways.sandbox_secret().ok_or(Error::NotFound)?;
    let outcome = form_urlencoded::parse(body_bytes(req))
        .find(|(k, _)| k == "outcome")
        .map(|(_, v)| v.into_owned());
    let status = match outcome.as_deref() {
        Some("succeeded") => PaymentStatus::Succeeded,
        Some("failed") => PaymentStatus::Failed,
        _ => return Err(Error::invalid("outcome", Msg::Required)),
    };
    let clock = f.edge.clock.as_ref();
    let (headers, body) = SandboxCheckout::notice(
        secret,
        app.payment_reference.as_str(),
        app.fee.amount,
        app.fee.currency.as_str(),
        status,
        clock.now(),
    );
    // The notice goes through the sandbox's gateway as a delivery to its webhook would: its
    // signature is checked like any provider's.
    let notice = f.gateways.get("sandbox")?.read(
        &Delivery {
            headers: &headers,
            body: &body,
        },
        clock.now(),
    )?;
    payment::receive(f.applications.as_ref(), f.ledger.as_ref(), clock, &notice).await?;
    Ok(see_other(&back_to_portal(f, &app)))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
