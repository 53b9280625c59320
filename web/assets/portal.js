// The citizens' portal: what can be asked for and each form, drawn from GET /v1/catalogue (a new
// kind needs no change here); signing in; submitting with the API's own field messages; files;
// paying on a provider's page; following the steps; answering a request for information; the PDF.
import { add, apply, lang, setupSwitch, t } from './i18n.js';
import { Problem, fileUrl, get, idempotencyKey, post, signIn, signOut, token, who } from './api.js';
import { collect, fieldFor, fill, h, label, showErrors } from './form.js';
import { byLabel, devKey, devKeyField, fileLabel, keepDevKey, problemBox, providerButton, returning, services, show, title } from './page.js';

add({
  portal_title: ['Guichet — documents officiels en ligne', 'Guichet — official documents online'],
  verify_link: ['Vérifier un document', 'Verify a document'],
  phone_hint: ['Par exemple 70 12 34 56, ou +33 6 12 34 56 78 hors du Mali.', 'For example 70 12 34 56, or +33 6 12 34 56 78 outside Mali.'],
  footer_privacy: ["Vos données ne servent qu'à traiter votre demande ; chaque consultation par un agent est enregistrée et vous est montrée.",
    'Your data serves only your application; every time an officer opens it is recorded and shown to you.'],
  home_title: ['Demander un document officiel', 'Ask for an official document'],
  home_intro: ["Choisissez le document. Vous payez en ligne et recevez le PDF signé, vérifiable par tous.",
    'Choose the document. You pay online and receive the signed PDF, which anyone can verify.'],
  fee: ['Frais : {fee}', 'Fee: {fee}'],
  ask: ['Demander', 'Ask for it'],
  mine: ['Mes demandes', 'My applications'],
  none_yet: ["Aucune demande pour l'instant.", 'No application yet.'],
  sign_in_title: ['Se connecter', 'Sign in'],
  sign_in_dev: ["Connexion de développement (hors production) : choisissez un identifiant ; il sert de compte sur cette machine.",
    'Development sign-in (outside production): choose an identifier; it is your account on this machine.'],
  sign_in_id: ['Identifiant', 'Identifier'],
  signed_in_as: ['Connecté : {sub}', 'Signed in: {sub}'],
  form_title: ['Demande : {title}', 'Application: {title}'],
  you: ['Vous', 'You'],
  details: ['Votre demande', 'Your application'],
  submit: ['Envoyer la demande', 'Send the application'],
  app_title: ['Demande {reference}', 'Application {reference}'],
  reference: ['Référence de paiement', 'Payment reference'],
  pay_title: ['Payer {fee}', 'Pay {fee}'],
  pay_with: ['Payer avec {provider}', 'Pay with {provider}'],
  provider_sandbox: ['le bac à sable (test)', 'the sandbox (test)'],
  provider_cinetpay: ['Orange Money, Moov Money ou carte', 'Orange Money, Moov Money or card'],
  files: ['Pièces à joindre', 'Files to join'],
  file_send: ['Envoyer le fichier', 'Send the file'],
  file_missing: ['à envoyer', 'to send'],
  info_title: ['Le service vous demande une précision', 'The office asks you for more information'],
  info_answer: ['Votre réponse', 'Your answer'],
  info_reply: ['Répondre au service', 'Answer the office'],
  info_send: ['Répondre', 'Answer'],
  info_correct: ['Corriger les informations de la demande', 'Correct the application'],
  info_files: ['Une pièce à remplacer ? Envoyez-la ci-dessus avant de répondre.', 'A file to replace? Send it above before answering.'],
  decision: ['Décision', 'Decision'],
  download: ['Télécharger le document (PDF)', 'Download the document (PDF)'],
  document_ready: ['Votre document {number} est prêt.', 'Your document {number} is ready.'],
  refresh: ['Actualiser', 'Refresh'],
  back: ['Retour', 'Back'],
  status_approved: ['approuvée, document en préparation', 'approved, document being prepared'],
  status_rejected: ['refusée', 'refused'],
  status_issued: ['document délivré', 'document issued'],
  status_expired: ['expirée (non payée)', 'expired (unpaid)'],
  status_cancelled: ['annulée', 'cancelled'],
});

function money(m) {
  return `${new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR').format(m.amount)} ${m.currency === 'XOF' ? 'FCFA' : m.currency}`;
}

function account() {
  const nav = document.getElementById('account');
  const me = who();
  nav.replaceChildren(me
    ? h('span', {}, h('span', { class: 'visually-hidden' }, t('signed_in_as', { sub: me.name || me.subject })),
      h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); location.hash = '#/'; route(); } }, t('sign_out')))
    : h('a', { class: 'button secondary', href: '#/sign-in', id: 'sign-in-link' }, t('sign_in')));
}

async function home() {
  const list = h('ul', { class: 'services' });
  for (const s of await services()) {
    list.append(h('li', {}, h('section', { class: 'card' },
      h('h2', {}, title(s)), h('p', {}, t('fee', { fee: money(s.fee) })),
      h('a', { class: 'button', href: `#/new/${s.kind}`, 'data-kind': s.kind }, t('ask')))));
  }
  const nodes = [h('h1', {}, t('home_title')), h('p', {}, t('home_intro')), list];
  if (token()) {
    const mine = h('section', { 'aria-labelledby': 'mine-title' }, h('h2', { id: 'mine-title' }, t('mine')));
    try {
      const apps = await get('/v1/applications');
      const byKind = Object.fromEntries((await services()).map((s) => [s.kind, title(s)]));
      mine.append(apps.items.length
        ? h('ul', { id: 'mine' }, apps.items.map((a) => h('li', {}, h('a', { href: `#/applications/${a.id}` },
          `${byKind[a.kind] || a.kind}, ${a.created_at.slice(0, 10)} — ${t(`status_${a.status}`)}`))))
        : h('p', {}, t('none_yet')));
    } catch (e) { mine.append(problemBox(e)); }
    nodes.push(mine);
  }
  show(...nodes);
}

async function signInPage() {
  const provider = await providerButton('#/');
  let dev = true;
  try { await get('/dev/sign-in'); } catch { dev = false; }
  const nodes = [h('h1', {}, t('sign_in_title'))];
  if (provider) nodes.push(h('p', {}, provider));
  if (!dev) {
    if (!provider) nodes.push(h('p', {}, t('sign_in_unavailable')));
    show(...nodes);
    return;
  }
  const error = h('p', { class: 'field-error', id: 'sub-error', hidden: true });
  const form = h('form', { id: 'sign-in-form', novalidate: true },
    h('label', { for: 'sub' }, t('sign_in_id')),
    h('input', { id: 'sub', name: 'sub', autocomplete: 'username', required: true, 'aria-describedby': 'sub-error' }),
    ...devKeyField(),
    error, h('button', { type: 'submit' }, t('sign_in')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const key = form.dev_key.value.trim();
      const r = await post('/dev/sign-in', { role: 'applicant', sub: form.sub.value.trim(), key });
      keepDevKey(key);
      await signIn(r.token);
      location.hash = '#/';
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  });
  show(...nodes, h('p', { class: 'hint' }, t('sign_in_dev')), form);
}

// The applicant's fields and the kind's details (drawn from its schema), as fieldsets.
function applicationFields(service) {
  const applicant = ['surname', 'given_names', 'birth_date', 'birth_place', 'email', 'phone'];
  const requiredApplicant = ['surname', 'given_names', 'birth_date'];
  const you = h('fieldset', {}, h('legend', {}, t('you')),
    applicant.map((k) => fieldFor(`applicant.${k}`, k,
      k === 'birth_date' ? { type: 'string', format: 'date' }
        : k === 'phone' ? { type: 'string', maxLength: 30, description: t('phone_hint') }
          : { type: 'string', maxLength: 100 }, requiredApplicant.includes(k))));
  const schema = service.details_schema || {};
  const details = Object.keys(schema.properties || {}).length
    ? h('fieldset', {}, h('legend', {}, t('details')),
      Object.entries(schema.properties).map(([k, s]) => fieldFor(`details.${k}`, k, s, (schema.required || []).includes(k))))
    : null;
  return [you, details];
}

// What was given, without the blanks the API answers as null.
const given = (o) => Object.fromEntries(Object.entries(o || {}).filter(([, v]) => v !== null && v !== undefined));

async function newApplication(kind) {
  if (!token()) { location.hash = '#/sign-in'; return; }
  const service = (await services()).find((s) => s.kind === kind);
  if (!service) { location.hash = '#/'; return; }
  const [you, details] = applicationFields(service);
  const summary = h('div', { id: 'summary' });
  const key = idempotencyKey();
  const form = h('form', { id: 'application-form', novalidate: true }, you, details, h('button', { type: 'submit', id: 'submit' }, t('submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = form.querySelector('#submit');
    button.disabled = true;
    try {
      const body = { kind, applicant: collect(form, 'applicant') };
      const d = collect(form, 'details');
      if (Object.keys(d).length) body.details = d;
      const created = await post('/v1/applications', body, { 'idempotency-key': key });
      location.hash = `#/applications/${created.id}`;
    } catch (e) {
      if (e instanceof Problem) showErrors(form, e, summary);
      else summary.replaceChildren(problemBox(e));
    } finally {
      button.disabled = false;
    }
  });
  show(h('h1', {}, t('form_title', { title: title(service) })), h('p', {}, t('fee', { fee: money(service.fee) })), summary, form);
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sendFile(id, name, file, status) {
  const bytes = await file.arrayBuffer();
  const ticket = await post(`/v1/applications/${id}/attachments`, {
    name, content_type: file.type || 'application/octet-stream', size: file.size, sha256: await sha256Hex(bytes),
  });
  const r = await fetch(ticket.upload_url, { method: 'PUT', headers: ticket.upload_headers, body: bytes });
  if (!r.ok) throw new Problem(r.status, await r.json().catch(() => null));
  status.textContent = t('file_state_pending');
}

async function download(id, number) {
  const { url, link } = await fileUrl(`/v1/applications/${id}/document`);
  // A bucket's link names the file itself (Content-Disposition); bytes here are given a name.
  const a = h('a', link ? { href: url, hidden: true } : { href: url, download: `${number}.pdf`, hidden: true });
  document.body.append(a);
  a.click();
  setTimeout(() => { if (!link) URL.revokeObjectURL(url); a.remove(); }, 1000);
}

async function application(id) {
  if (!token()) { location.hash = '#/sign-in'; return; }
  let app;
  try { app = await get(`/v1/applications/${id}`); } catch (e) { show(h('h1', {}, t('app_title', { reference: '' })), problemBox(e)); return; }
  const service = (await services()).find((s) => s.kind === app.kind);
  const notice = h('div', { id: 'notice', 'aria-live': 'polite' });
  const nodes = [
    h('h1', {}, t('app_title', { reference: app.payment_reference })),
    h('dl', { class: 'facts' },
      h('dt', {}, t('f_kind_label')), h('dd', {}, service ? title(service) : app.kind),
      h('dt', {}, t('status')), h('dd', { id: 'status', 'data-status': app.status }, t(`status_${app.status}`)),
      h('dt', {}, t('office')), h('dd', {}, app.office_name),
      h('dt', {}, t('reference')), h('dd', {}, app.payment_reference)),
    notice,
  ];
  if (app.status === 'needs_info') {
    // The office's question first: what to answer, and which files to send again.
    const reason = app.decision && app.decision.reason;
    nodes.push(h('section', { class: 'card', 'aria-labelledby': 'info-title' }, h('h2', { id: 'info-title' }, t('info_title')),
      reason ? h('p', { id: 'info-reason' }, reason) : null));
  }
  if (app.status === 'awaiting_payment') {
    const box = h('section', { class: 'card', 'aria-labelledby': 'pay-title' }, h('h2', { id: 'pay-title' }, t('pay_title', { fee: money(app.fee) })));
    const { providers } = await get('/v1/payments/providers');
    for (const p of providers) {
      // One key per provider's button: pressed again after an error, it asks for the same page.
      const key = idempotencyKey();
      box.append(h('button', { type: 'button', id: `pay-${p}`, onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          const r = await post(`/v1/applications/${id}/payment`, { provider: p }, { 'idempotency-key': key });
          location.assign(r.checkout_url);
        } catch (e) { notice.replaceChildren(problemBox(e)); ev.target.disabled = false; }
      } }, t('pay_with', { provider: t(`provider_${p}`) === `provider_${p}` ? p : t(`provider_${p}`) })));
    }
    nodes.push(box);
  }
  const specs = (service && service.attachments) || [];
  if (specs.length && !['issued', 'rejected', 'expired', 'cancelled'].includes(app.status)) {
    const box = h('section', { class: 'card', 'aria-labelledby': 'files-title' }, h('h2', { id: 'files-title' }, t('files')));
    for (const spec of specs) {
      const joined = (app.attachments || []).filter((a) => a.name === spec.name).pop();
      const state = h('span', { id: `file-state-${spec.name}` }, joined ? t(`file_state_${joined.state}`) : t('file_missing'));
      const reason = joined && joined.state === 'quarantined' ? h('p', { class: 'field-error' }, lang === 'en' ? joined.reason_en : joined.reason) : null;
      const input = h('input', { type: 'file', id: `file-${spec.name}`, accept: spec.content_types.join(',') });
      const send = h('button', { type: 'button', class: 'secondary', id: `file-send-${spec.name}`, onclick: async () => {
        if (!input.files[0]) return;
        try { await sendFile(id, spec.name, input.files[0], state); } catch (e) { notice.replaceChildren(problemBox(e)); }
      } }, t('file_send'));
      // Accepted stays, unless the office asked for more: then it may be replaced.
      if (joined && joined.state === 'accepted' && app.status !== 'needs_info') box.append(h('p', {}, `${fileLabel(service, spec.name)} : `, state));
      else box.append(h('div', { class: 'field' }, h('label', { for: input.id }, `${fileLabel(service, spec.name)} `, spec.required ? t('required_mark') : t('optional_mark')), h('p', {}, state), reason, input, send));
    }
    nodes.push(box);
  }
  if (app.status === 'needs_info') {
    const summary = h('div', { id: 'answer-summary' });
    const [you, details] = service ? applicationFields(service) : [null, null];
    const corrections = h('details', { id: 'corrections' }, h('summary', {}, t('info_correct')), you, details);
    const form = h('form', { id: 'answer-form', class: 'card', novalidate: true }, h('h2', {}, t('info_reply')), summary,
      h('div', { class: 'field' }, h('label', { for: 'answer' }, t('info_answer')), h('textarea', { id: 'answer', rows: 3, maxlength: 1000 })),
      service ? corrections : null,
      specs.length ? h('p', { class: 'hint' }, t('info_files')) : null,
      h('button', { type: 'submit' }, t('info_send')));
    fill(form, 'applicant', given(app.applicant));
    fill(form, 'details', app.details);
    const before = { applicant: JSON.stringify(collect(form, 'applicant')), details: JSON.stringify(collect(form, 'details')) };
    const key = idempotencyKey();
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { message: form.answer.value.trim() };
      // Only what changed is sent: the whole identity (what was given, corrected), the details.
      const applicant = collect(form, 'applicant');
      if (JSON.stringify(applicant) !== before.applicant) body.applicant = { ...given(app.applicant), ...applicant };
      const d = collect(form, 'details');
      if (JSON.stringify(d) !== before.details) body.details = d;
      try {
        await post(`/v1/applications/${id}/resubmit`, body, { 'idempotency-key': key });
        route();
      } catch (e) {
        if (e instanceof Problem) showErrors(form, e, summary);
        else summary.replaceChildren(problemBox(e));
      }
    });
    nodes.push(form);
  }
  if (app.decision && app.status === 'rejected') {
    nodes.push(h('section', { class: 'card' }, h('h2', {}, t('decision')), h('p', {}, app.decision.reason || '')));
  }
  if (app.document) {
    nodes.push(h('section', { class: 'card' }, h('p', {}, t('document_ready', { number: app.document.number })),
      app.document.verification_code ? h('p', { id: 'verification-code' }, t('verification_code', { code: app.document.verification_code })) : null,
      h('button', { type: 'button', id: 'download', onclick: () => download(id, app.document.number).catch((e) => notice.replaceChildren(problemBox(e))) }, t('download'))));
  }
  nodes.push(h('h2', {}, t('steps')), h('ol', { id: 'steps' }, (app.steps || []).map((s) => h('li', {}, `${label(s.name)} — ${t(`step_${s.state}`)}`))));
  nodes.push(h('h2', {}, t('history')), h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, t('status')))),
    h('tbody', {}, (app.history || []).map((e) => h('tr', {}, h('td', {}, e.at.slice(0, 16).replace('T', ' ')), h('td', {}, t(`status_${e.to}`)))))));
  if ((app.accesses || []).length) {
    nodes.push(h('h2', {}, t('accesses')), h('ul', {}, app.accesses.map((a) => h('li', {}, `${a.at.slice(0, 16).replace('T', ' ')} — ${byLabel(a.by)}${a.office ? ` (${a.office})` : ''}`))));
  }
  nodes.push(h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'refresh', onclick: () => route() }, t('refresh')), h('a', { class: 'button secondary', href: '#/' }, t('back'))));
  show(...nodes);
}

add({
  f_kind_label: ['Document', 'Document'],
  verification_code: ['Code de vérification : {code}. Qui vérifie le document par son numéro le saisit avec lui ; il est imprimé à côté du numéro.',
    'Verification code: {code}. Whoever checks the document by its number types it with the number; it is printed beside the number.'],
});

async function route() {
  // A link with the development sign-in's key (opened, or followed within the page) is taken
  // first: it then reads as the sign-in page.
  devKey();
  account();
  const hash = location.hash.replace(/^#/, '') || '/';
  const parts = hash.split('/').filter(Boolean);
  try {
    if (parts[0] === 'sign-in') await signInPage();
    else if (parts[0] === 'new' && parts[1]) await newApplication(parts[1]);
    else if (parts[0] === 'applications' && parts[1]) await application(parts[1]);
    else await home();
  } catch (e) {
    show(problemBox(e));
  }
  document.body.dataset.ready = hash;
}

apply();
setupSwitch(document.getElementById('lang'), () => { apply(); route(); });
window.addEventListener('hashchange', route);
returning().then(async (trouble) => {
  await route();
  if (trouble) document.getElementById('main').prepend(trouble);
});
