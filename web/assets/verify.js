// The verify page: a seal from the link that opened the page, the camera, a photo or a typed
// number; the signature checked here against the published keys; revocation asked of the
// registry when there is a network. The page says which of the two it could do.
import { add, apply, setupSwitch, t } from './i18n.js';
import { verify, sealInCode, linkAddress } from './seal.js';

add({
  page_title: ['Vérifier un document — Guichet', 'Verify a document — Guichet'],
  title: ['Vérifier un document', 'Verify a document'],
  intro: ["Scannez le code QR d'un document délivré par Guichet, choisissez-en une photo, ou saisissez son numéro. La signature est vérifiée sur votre appareil, même sans réseau.",
    'Scan the QR code of a document issued by Guichet, choose a photo of it, or type its number. The signature is checked on your device, even without a network.'],
  scan_title: ['Le code QR', 'The QR code'],
  camera: ['Scanner avec la caméra', 'Scan with the camera'],
  camera_stop: ['Arrêter la caméra', 'Stop the camera'],
  camera_failed: ["La caméra n'a pas pu être ouverte. Choisissez plutôt une photo.", 'The camera could not be opened. Choose a photo instead.'],
  photo_label: ['Ou une photo du document', 'Or a photo of the document'],
  photo_unreadable: ["Aucun code QR n'a pu être lu sur cette photo. Prenez-la de plus près, nette et bien éclairée, ou saisissez le numéro.",
    'No QR code could be read in this photo. Take it closer, sharp and well lit, or type the number.'],
  not_ours: ["Ce code QR n'est pas celui d'un document Guichet.", 'This QR code is not a Guichet document’s.'],
  number_title: ['Le numéro et le code du document', "The document's number and code"],
  number_label: ['Numéro (par exemple CJ-2026-000001-6)', 'Number (for example CJ-2026-000001-6)'],
  code_label: ['Code de vérification, imprimé à côté du numéro (par exemple 7KQ2-M9XD)', 'Verification code, printed beside the number (for example 7KQ2-M9XD)'],
  number_hint: ['Demande une connexion : le registre répond. Un document délivré avant les codes de vérification se vérifie par son code QR ou son fichier.',
    'Needs a connection: the registry answers. A document issued before verification codes is checked by its QR code or its file.'],
  number_submit: ['Vérifier', 'Check'],
  code_format: ['Saisissez le code tel qu’il est imprimé à côté du numéro : huit lettres et chiffres, par exemple 7KQ2-M9XD.',
    'Type the code as printed beside the number: eight letters and digits, for example 7KQ2-M9XD.'],
  verdict_unknown_code: ['Numéro ou code inconnu du registre', 'Number or code unknown to the registry'],
  check_unknown_code: ["Vérifiez le numéro et le code tels qu'ils sont imprimés. Un document délivré avant les codes de vérification se vérifie par son code QR ou son fichier ; un document inconnu doit être signalé.",
    'Check the number and the code as printed. A document issued before verification codes is checked by its QR code or its file; an unknown document must be reported.'],
  f_initials: ['Titulaire (initiales)', 'Holder (initials)'],
  f_birth_year: ['Année de naissance', 'Year of birth'],
  number_format: ['Saisissez le numéro tel qu’il est imprimé : deux lettres, l’année, six chiffres et un caractère de contrôle, par exemple CJ-2026-000001-6.',
    'Type the number as printed: two letters, the year, six digits and a check character, for example CJ-2026-000001-6.'],
  number_mistyped: ['Ce numéro est mal saisi : son dernier caractère, de contrôle, ne correspond pas aux autres. Vérifiez chaque chiffre tel qu’il est imprimé.',
    'This number is mistyped: its last character, a check, does not match the others. Check each digit as printed.'],
  code_mistyped: ['Ce code est mal saisi : vérifiez-le tel qu’il est imprimé à côté du numéro.', 'This code is mistyped: check it as printed beside the number.'],
  registry_busy: ['Trop de vérifications depuis cette connexion : le registre demande d’attendre. Réessayez dans une minute.',
    'Too many checks from this connection: the registry asks to wait. Try again in a minute.'],
  registry_fault: ['Le registre n’a pas pu répondre (incident du service). Réessayez dans un moment ; rien n’est conclu sur le document.',
    'The registry could not answer (a fault of the service). Try again in a moment; nothing is concluded about the document.'],
  number_offline: ['Sans réseau, le registre ne peut pas répondre. Scannez plutôt le code QR : il se vérifie hors ligne.',
    'Without a network the registry cannot answer. Scan the QR code instead: it checks offline.'],
  footer: ['Guichet ne conserve ni le code scanné ni la photo : ils restent sur votre appareil.', 'Guichet keeps neither the scanned code nor the photo: they stay on your device.'],
  offline_ready: ['Cette page et les clés publiques sont enregistrées : la vérification des signatures marche hors ligne.',
    'This page and the public keys are saved: signatures check offline.'],
  offline_unavailable: ['Ce navigateur ne peut pas garder la page hors ligne.', 'This browser cannot keep the page offline.'],
  keys_missing: ["Les clés publiques n'ont pas pu être chargées : connectez-vous une fois au réseau pour les obtenir.",
    'The public keys could not be loaded: connect to a network once to get them.'],
  verdict_valid: ['Document authentique et valide', 'Genuine and valid document'],
  verdict_genuine_offline: ['Signature authentique', 'Genuine signature'],
  verdict_revoked: ['Document révoqué', 'Revoked document'],
  verdict_expired: ['Document expiré', 'Expired document'],
  verdict_unknown: ['Document inconnu du registre', 'Document unknown to the registry'],
  verdict_forged: ['Document NON authentique', 'NOT a genuine document'],
  check_signature: ['Signature vérifiée sur cet appareil avec la clé publique {kid}.', 'Signature checked on this device with public key {kid}.'],
  check_online_valid: ['Registre consulté en ligne : ni révoqué ni expiré.', 'Registry checked online: neither revoked nor expired.'],
  check_online_revoked: ['Registre consulté en ligne : révoqué le {date}.', 'Registry checked online: revoked on {date}.'],
  check_online_expired: ['Registre consulté en ligne : expiré.', 'Registry checked online: expired.'],
  check_online_unknown: ["Registre consulté en ligne : ce document n'y figure pas. Une signature valide sur un document que l'État n'a pas enregistré doit être signalée.",
    'Registry checked online: this document is not in it. A valid signature on a document the State did not register must be reported.'],
  check_unreachable: ["Révocation NON vérifiée : le registre n'a pas répondu (occupé ou indisponible). Réessayez dans un moment pour savoir si le document a été révoqué.",
    'Revocation NOT checked: the registry did not answer (busy or unavailable). Try again in a moment to know whether the document was revoked.'],
  check_offline: ['Révocation NON vérifiée : pas de réseau. Refaites la vérification en ligne pour savoir si le document a été révoqué.',
    'Revocation NOT checked: no network. Check again online to know whether the document was revoked.'],
  check_expired_locally: ['Date de fin de validité dépassée ({date}).', 'Past its last valid day ({date}).'],
  check_elsewhere: ["Attention : ce code renvoie vers une autre adresse que cette page ({address}). Seule cette page-ci fait foi.",
    'Warning: this code links to another address than this page ({address}). Only this page is authoritative.'],
  reason_prefix: ["Ce texte n'est pas un sceau Guichet.", 'This text is not a Guichet seal.'],
  reason_encoding: ['Le sceau est mal formé.', 'The seal is malformed.'],
  reason_structure: ['Le sceau est mal formé.', 'The seal is malformed.'],
  reason_algorithm: ["Le sceau n'est pas signé comme l'État signe.", 'The seal is not signed the way the State signs.'],
  reason_unknown_key: ["Le sceau est signé par une clé que l'État n'a jamais publiée.", 'The seal is signed with a key the State never published.'],
  reason_signature: ['La signature ne correspond pas au contenu : le document a été falsifié.', 'The signature does not match the content: the document was forged.'],
  reason_key_retired: ['Le sceau est signé par une clé retirée avant la date du document.', 'The seal is signed with a key retired before the document’s date.'],
  reason_key_compromised: ["Le sceau est signé par une clé déclarée compromise : ce document ne fait plus foi et doit être délivré à nouveau.",
    'The seal is signed with a key declared compromised: this document no longer stands and must be issued again.'],
  reason_payload: ['Le contenu du sceau est illisible.', "The seal's content does not read."],
  f_number: ['Numéro', 'Number'],
  f_kind: ['Document', 'Document'],
  f_holder: ['Titulaire', 'Holder'],
  f_birth: ['Né(e) le', 'Born on'],
  f_organisation: ['Organisation', 'Organisation'],
  f_registration: ['Immatriculation', 'Registration'],
  f_office: ['Service émetteur', 'Issuing office'],
  f_issued: ['Délivré le', 'Issued on'],
  f_expires: ["Valable jusqu'au", 'Valid until'],
  f_passport: ['Passeport', 'Passport'],
  f_nationality: ['Nationalité', 'Nationality'],
  f_visa: ['Visa', 'Visa'],
  f_valid_from: ['Valable à partir du', 'Valid from'],
  f_stay: ['Durée de séjour', 'Length of stay'],
  days: ['{n} jours', '{n} days'],
  kind_1: ['Extrait de casier judiciaire (bulletin n°3)', 'Criminal record extract (bulletin no. 3)'],
  kind_2: ['Certificat de nationalité malienne', 'Certificate of Malian nationality'],
  kind_7: ['Visa', 'Visa'],
  kind_other: ['Document {prefix}', 'Document {prefix}'],
  visa_type_1: ['tourisme', 'tourism'], visa_type_2: ['famille', 'family'], visa_type_3: ['affaires', 'business'], visa_type_4: ['transit', 'transit'],
  visa_scope_1: ['Mali', 'Mali'], visa_scope_2: ['AES (Burkina Faso, Mali, Niger)', 'AES (Burkina Faso, Mali, Niger)'],
  visa_entries_1: ['entrée unique', 'single entry'], visa_entries_2: ['entrées multiples', 'multiple entries'],
  online_status_valid: ['Registre : document valide.', 'Registry: valid document.'],
  working: ['Vérification…', 'Checking…'],
});

const $ = (id) => document.getElementById(id);
let last = null; // what is shown, re-drawn when the language changes

// The published keys: from the network when there is one (the service worker keeps a copy),
// else the copy this page kept.
async function publishedKeys() {
  try {
    const r = await fetch('/v1/keys');
    if (r.ok) {
      const keys = await r.json();
      try { localStorage.setItem('guichet-keys', JSON.stringify(keys)); } catch { /* quota */ }
      return keys;
    }
  } catch { /* offline */ }
  try { return JSON.parse(localStorage.getItem('guichet-keys')); } catch { return null; }
}

// The registry's word on a document: asked with its seal (read from the code) or with the
// number and the code printed beside it, in the body, so neither is in an address's logs.
async function registry(body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10000);
  try {
    const r = await fetch('/v1/verify', {
      method: 'POST', signal: controller.signal, body: JSON.stringify(body),
      headers: { accept: 'application/json', 'content-type': 'application/json' },
    });
    if (r.status === 200) return await r.json();
    const answer = await r.json().catch(() => null);
    const fields = ((answer && answer.errors) || []).map((e) => e.field);
    return { problem: r.status, fields };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function facts(c) {
  const rows = [['f_number', c.number], ['f_kind', kindName(c)]];
  if (c.person) {
    rows.push(['f_holder', `${c.person.givenNames} ${c.person.surname}`], ['f_birth', c.person.birthDate]);
  }
  if (c.organisation) rows.push(['f_organisation', c.organisation.name], ['f_registration', c.organisation.registration]);
  if (c.visa) {
    const v = c.visa;
    rows.push(['f_passport', v.passport], ['f_nationality', v.nationality],
      ['f_visa', `${t(`visa_type_${v.type}`)}, ${t(`visa_scope_${v.scope}`)}, ${t(`visa_entries_${v.entries}`)}`],
      ['f_valid_from', v.validFrom], ['f_stay', t('days', { n: v.days })]);
  }
  rows.push(['f_office', c.office], ['f_issued', c.issued]);
  if (c.expires) rows.push(['f_expires', c.expires]);
  const dl = el('dl', { class: 'facts' });
  for (const [k, v] of rows) dl.append(el('dt', {}, t(k)), el('dd', {}, v));
  return dl;
}

function kindName(c) {
  const known = t(`kind_${c.kind}`);
  return known === `kind_${c.kind}` ? t('kind_other', { prefix: c.number.slice(0, 2) }) : known;
}

function draw() {
  const box = $('result');
  box.replaceChildren();
  if (!last) return;
  if (last.working) {
    box.append(el('p', { class: 'hint' }, t('working')));
    return;
  }
  if (last.message) {
    box.append(el('div', { class: 'result invalid', role: 'alert' }, el('p', {}, t(last.message))));
    return;
  }
  const { check, online, elsewhere, numberOnly } = last;
  const checks = el('ul', { class: 'checks' });
  let verdict;
  let tone;
  if (numberOnly) {
    const s = online.status;
    verdict = s === 'valid' ? 'verdict_valid' : s === 'revoked' ? 'verdict_revoked' : s === 'expired' ? 'verdict_expired' : 'verdict_unknown_code';
    tone = s === 'valid' ? 'valid' : s === 'expired' ? 'warning' : 'invalid';
    if (s === 'revoked') checks.append(el('li', {}, t('check_online_revoked', { date: (online.revoked_at || '').slice(0, 10) })));
    if (!['valid', 'revoked', 'expired'].includes(s)) checks.append(el('li', {}, t('check_unknown_code')));
  } else if (!check.ok) {
    verdict = 'verdict_forged';
    tone = 'invalid';
    checks.append(el('li', {}, t(`reason_${check.reason}`)));
  } else {
    checks.append(el('li', {}, t('check_signature', { kid: check.kid })));
    const today = new Date().toISOString().slice(0, 10);
    const expired = check.claims.expires && check.claims.expires < today;
    if (!online) {
      verdict = expired ? 'verdict_expired' : 'verdict_genuine_offline';
      tone = 'warning';
      checks.append(el('li', {}, t(last.unreachable ? 'check_unreachable' : 'check_offline')));
    } else if (online.status === 'valid') {
      verdict = 'verdict_valid';
      tone = 'valid';
      checks.append(el('li', {}, t('check_online_valid')));
    } else if (online.status === 'revoked') {
      verdict = 'verdict_revoked';
      tone = 'invalid';
      checks.append(el('li', {}, t('check_online_revoked', { date: (online.revoked_at || '').slice(0, 10) })));
    } else if (online.status === 'expired') {
      verdict = 'verdict_expired';
      tone = 'warning';
      checks.append(el('li', {}, t('check_online_expired')));
    } else {
      verdict = 'verdict_unknown';
      tone = 'invalid';
      checks.append(el('li', {}, t('check_online_unknown')));
    }
    if (expired) checks.append(el('li', {}, t('check_expired_locally', { date: check.claims.expires })));
  }
  if (elsewhere) checks.append(el('li', {}, t('check_elsewhere', { address: elsewhere })));
  const result = el('div', { class: `result ${tone}`, id: 'verdict', 'data-verdict': verdict, 'data-online': online ? 'yes' : 'no' },
    el('p', { class: 'verdict' }, t(verdict)), checks);
  if (check && check.ok) result.append(facts(check.claims));
  if (numberOnly) {
    const rows = el('dl', { class: 'facts' }, el('dt', {}, t('f_number')), el('dd', {}, online.number || ''));
    if (online.title) rows.append(el('dt', {}, t('f_kind')), el('dd', {}, online.title));
    if (online.holder) {
      rows.append(el('dt', {}, t('f_initials')), el('dd', {}, online.holder.initials || ''),
        el('dt', {}, t('f_birth_year')), el('dd', {}, online.holder.birth_date || ''));
    }
    if (online.organisation) rows.append(el('dt', {}, t('f_organisation')), el('dd', {}, online.organisation.name));
    if (online.issued_at) rows.append(el('dt', {}, t('f_issued')), el('dd', {}, online.issued_at.slice(0, 10)));
    if (online.expires_at) rows.append(el('dt', {}, t('f_expires')), el('dd', {}, online.expires_at.slice(0, 10)));
    result.append(rows);
  }
  box.append(result);
  result.setAttribute('tabindex', '-1');
  result.focus();
}

async function checkCode(text) {
  const seal = sealInCode(text);
  if (!seal) {
    last = { message: 'not_ours' };
    draw();
    return;
  }
  last = { working: true };
  draw();
  const keys = await publishedKeys();
  if (!keys) {
    last = { message: 'keys_missing' };
    draw();
    return;
  }
  const check = await verify(seal, keys);
  const address = linkAddress(text);
  // This page, under either of its names, is the one that vouches; a link to another address
  // may be a forger's page.
  const here = [`${location.origin}/verifier`, `${location.origin}/verify`];
  const elsewhere = address && !here.includes(address) ? address : null;
  const online = check.ok ? await registry({ seal }) : null;
  // No answer at all is no network; an answer that is not a verdict (429, 5xx) is a registry
  // that could not say, which is not the same advice.
  last = { check, online: online && !online.problem ? online : null, unreachable: Boolean(online && online.problem), elsewhere };
  draw();
}

// A field's message shown beside it, or cleared; says whether the field is right.
function field(id, ok, message) {
  const input = $(id);
  const error = $(`${id}-error`);
  error.hidden = ok;
  error.textContent = ok ? '' : t(message);
  if (ok) input.removeAttribute('aria-invalid'); else input.setAttribute('aria-invalid', 'true');
  return ok;
}

async function checkNumber(event) {
  event.preventDefault();
  const number = $('number').value.trim().toUpperCase();
  const code = $('code').value.trim().toUpperCase().replace(/[\s-]/g, '');
  // Every field told at once, the first wrong one focused.
  const numberOk = field('number', /^[A-Z]{2}-\d{4}-\d{6}-[0-9A-Z]$/.test(number), 'number_format');
  const codeOk = field('code', /^[0-9A-HJ-NP-TV-Z]{8}$/.test(code.replace(/O/g, '0').replace(/[IL]/g, '1')), 'code_format');
  if (!numberOk || !codeOk) {
    // What was shown answered another entry: it goes.
    last = null;
    draw();
    $(numberOk ? 'code' : 'number').focus();
    return;
  }
  last = { working: true };
  draw();
  const online = await registry({ number, code });
  // Typed again meanwhile: this answer is the old entry's.
  if ($('number').value.trim().toUpperCase() !== number
    || $('code').value.trim().toUpperCase().replace(/[\s-]/g, '') !== code) {
    last = null;
    draw();
    return;
  }
  if (online && online.problem === 422) {
    // The registry read a typing mistake (the number's check character): said beside it.
    last = null;
    draw();
    const onCode = online.fields.includes('code') && !online.fields.includes('number');
    field(onCode ? 'code' : 'number', false, onCode ? 'code_mistyped' : 'number_mistyped');
    $(onCode ? 'code' : 'number').focus();
    return;
  }
  last = !online ? { message: 'number_offline' }
    : !online.problem ? { numberOnly: true, online }
      : { message: online.problem === 429 ? 'registry_busy' : 'registry_fault' };
  draw();
}

let scanner = null;
async function startCamera() {
  try {
    const { default: QrScanner } = await import('../vendor/qr-scanner.min.js');
    const video = $('video');
    video.hidden = false;
    scanner = new QrScanner(video, (r) => { stopCamera(); checkCode(r.data); }, { returnDetailedScanResult: true });
    await scanner.start();
    $('camera-stop').hidden = false;
  } catch {
    stopCamera();
    last = { message: 'camera_failed' };
    draw();
  }
}

function stopCamera() {
  // Let go of the camera at once (its light goes off), not after the library's pause.
  if (scanner) { scanner.pause(true); scanner.destroy(); scanner = null; }
  $('video').hidden = true;
  $('camera-stop').hidden = true;
}

async function readPhoto() {
  const file = $('photo').files[0];
  if (!file) return;
  last = { working: true };
  draw();
  let text;
  try {
    const { default: QrScanner } = await import('../vendor/qr-scanner.min.js');
    text = (await QrScanner.scanImage(file, { returnDetailedScanResult: true, alsoTryWithoutScanRegion: true })).data;
  } catch {
    last = { message: 'photo_unreadable' };
    draw();
    return;
  }
  await checkCode(text);
}

async function keepOffline() {
  const mode = $('mode');
  if (!('serviceWorker' in navigator)) {
    mode.textContent = t('offline_unavailable');
    return;
  }
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    if (await publishedKeys()) {
      mode.dataset.i18n = 'offline_ready';
      mode.textContent = t('offline_ready');
      document.body.dataset.offline = 'ready';
    }
  } catch {
    mode.textContent = t('offline_unavailable');
  }
}

apply();
setupSwitch($('lang'), draw);
$('camera').addEventListener('click', startCamera);
$('camera-stop').addEventListener('click', stopCamera);
$('photo').addEventListener('change', readPhoto);
$('number-form').addEventListener('submit', checkNumber);
// A new entry: the verdict shown was another's.
for (const id of ['number', 'code']) {
  $(id).addEventListener('input', () => { if (last) { last = null; draw(); } });
}
$('photo').addEventListener('click', () => { last = null; draw(); });
window.addEventListener('hashchange', () => checkCode(location.href));
if (location.hash.length > 1) checkCode(location.href);
keepOffline();
