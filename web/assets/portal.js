// The citizens' portal: what can be asked for and each form, drawn from GET /v1/catalogue (a new
// kind needs no change here); signing in; submitting with the API's own field messages; files;
// paying on a provider's page; following the steps; answering a request for information; the PDF.
import { add, apply, lang, setupSwitch, t } from './i18n.js';
import { Problem, fileUrl, get, idempotencyKey, post, signIn, signOut, token, who } from './api.js';
import { LocalProblem, collect, fieldFor, fill, h, label, missingFields, showErrors } from './form.js';
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
  start_proofs: ['Les pièces à avoir sous la main', 'The proofs to have at hand'],
  start_no_proofs: ['Aucune pièce à joindre.', 'No file to join.'],
  start_fee: ['Les frais', 'The fee'],
  start_fee_varies: ['{fee} ; le montant dépend de ce que vous demandez et vous est dit avant de payer.', '{fee}; the amount depends on what you ask for and is told before you pay.'],
  start_delay: ['Le délai', 'How long it takes'],
  start_days: ['En général {n} jours ouvrés après le paiement et les pièces.', 'Usually {n} working days after payment and the files.'],
  start_button: ['Commencer la demande', 'Start the application'],
  file_rule: ['{types} ; {size} au plus', '{types}; {size} at most'],
  next_title: ['Et maintenant ?', 'What happens next?'],
  next_review: ['Paiement reçu. {office} examine votre demande : comptez en général {n} jours ouvrés.', 'Payment received. {office} examines your application: usually {n} working days.'],
  next_review_no_days: ['Paiement reçu. {office} examine votre demande.', 'Payment received. {office} examines your application.'],
  next_sms: ['Vous recevrez un SMS au {phone} à chaque étape, et quand le document sera prêt.', 'You will get a text message at {phone} at each step, and when the document is ready.'],
  next_email: ['Vous recevrez un courriel à {email} à chaque étape, et quand le document sera prêt.', 'You will get an email at {email} at each step, and when the document is ready.'],
  receipt: ['Télécharger le reçu de paiement', 'Download the payment receipt'],
  paid_with: ['Payé : {amount}, le {date} (transaction {txn}).', 'Paid: {amount}, on {date} (transaction {txn}).'],
  cancel: ['Annuler la demande', 'Cancel the application'],
  cancel_confirm: ['Annuler cette demande ? Elle ne pourra pas être reprise.', 'Cancel this application? It cannot be taken up again.'],
  refund_due: ['Les frais payés vous seront remboursés : {amount}.', 'The fee paid will be refunded to you: {amount}.'],
  refund_done: ['Les frais payés vous ont été remboursés ({amount}).', 'The fee paid was refunded to you ({amount}).'],
  next_come_back: ['Revenez sur cette page pour suivre votre demande.', 'Come back to this page to follow your application.'],
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
  file_none: ["Choisissez d'abord un fichier.", 'Choose a file first.'],
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
      h('a', { class: 'button', href: `#/services/${s.kind}`, 'data-kind': s.kind }, t('ask')))));
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

// A file the service takes, in words: its types and its size limit.
function fileRule(spec) {
  const names = { 'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG' };
  const types = spec.content_types.map((c) => names[c] || c.split('/').pop().toUpperCase());
  const mb = spec.max_bytes / (1024 * 1024);
  const size = `${new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'fr-FR', { maximumFractionDigits: 1 }).format(mb)} ${lang === 'en' ? 'MB' : 'Mo'}`;
  return t('file_rule', { types: types.join(', '), size });
}

// Before the form: what the service is, the proofs to have ready, the fee and the usual delay.
async function startPage(kind) {
  const service = (await services()).find((s) => s.kind === kind);
  if (!service) { location.hash = '#/'; return; }
  const about = lang === 'en' ? service.about_en || service.about : service.about;
  const proofs = service.attachments || [];
  const nodes = [h('h1', {}, title(service))];
  if (about) nodes.push(h('p', { id: 'about' }, about));
  nodes.push(h('h2', {}, t('start_proofs')), proofs.length
    ? h('ul', { id: 'proofs' }, proofs.map((a) => h('li', {}, `${fileLabel(service, a.name)} `,
      h('span', { class: 'hint' }, `(${a.required ? t('required_mark').replace(/[()]/g, '') : t('optional_mark').replace(/[()]/g, '')} — ${fileRule(a)})`))))
    : h('p', {}, t('start_no_proofs')));
  nodes.push(h('h2', {}, t('start_fee')), h('p', { id: 'start-fee' },
    (service.fees || []).length ? t('start_fee_varies', { fee: money(service.fee) }) : money(service.fee)));
  if (service.usual_days) nodes.push(h('h2', {}, t('start_delay')), h('p', { id: 'start-delay' }, t('start_days', { n: service.usual_days })));
  nodes.push(h('p', {}, h('a', { class: 'button', id: 'start', href: `#/new/${kind}` }, t('start_button'))));
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
// The applicant's form as a schema: what the catalogue says this kind requires is required.
const APPLICANT = ['surname', 'given_names', 'birth_date', 'birth_place', 'email', 'phone'];
const requiredOf = (service) => service.applicant_required || ['surname', 'given_names', 'birth_date', 'birth_place'];
const applicantSchema = (service) => ({
  properties: Object.fromEntries(APPLICANT.map((k) => [k, k === 'birth_date' ? { type: 'string', format: 'date' } : { type: 'string' }])),
  required: requiredOf(service),
});

// Every required field left empty, in the applicant and the details, before sending.
function missing(form, service) {
  return { ...missingFields(form, 'applicant', applicantSchema(service)), ...missingFields(form, 'details', service.details_schema || {}) };
}

function applicationFields(service) {
  const applicant = APPLICANT;
  const requiredApplicant = requiredOf(service);
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
  const form = h('form', { id: 'application-form', novalidate: true, 'data-kind': kind }, you, details, h('button', { type: 'submit', id: 'submit' }, t('submit')));
  // What was typed before the language changed comes back.
  if (draft && draft.kind === kind) {
    fill(form, 'applicant', draft.applicant);
    fill(form, 'details', draft.details);
  }
  draft = null;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const lacking = missing(form, service);
    if (Object.keys(lacking).length) {
      showErrors(form, new LocalProblem(lacking), summary);
      return;
    }
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

// A file sent is checked in the background: its state is asked again until every file of the
// application is settled, and shown in place (what is being typed stays). Once settled, a page
// with no answer being written is drawn anew if the application moved on.
const watching = new Set();
function watchFiles(id) {
  if (watching.has(id)) return;
  watching.add(id);
  let rounds = 0;
  const here = () => location.hash === `#/applications/${id}`;
  // An answer being written is never drawn over.
  const writing = () => {
    const answer = document.getElementById('answer');
    const corrections = document.getElementById('corrections');
    return Boolean((answer && answer.value.trim()) || (corrections && corrections.open));
  };
  const look = async () => {
    if (!here() || rounds++ > 60) { watching.delete(id); return; }
    let app = null;
    try { app = await get(`/v1/applications/${id}`); } catch { /* asked again on the next round */ }
    if (app && here()) {
      for (const a of app.attachments || []) {
        const state = document.getElementById(`file-state-${a.name}`);
        const error = document.getElementById(`file-error-${a.name}`);
        if (!state) continue;
        state.textContent = t(`file_state_${a.state}`);
        state.dataset.state = a.state;
        state.dataset.attachment = a.id;
        if (error && a.state === 'quarantined') { error.textContent = lang === 'en' ? a.reason_en : a.reason; error.hidden = false; }
      }
      if (!(app.attachments || []).some((a) => a.state === 'pending')) {
        watching.delete(id);
        const drawn = document.getElementById('status');
        if (drawn && drawn.dataset.status !== app.status && !writing()) route();
        return;
      }
    }
    setTimeout(look, 2000);
  };
  setTimeout(look, 1000);
}

async function download(id, number) {
  await saveFile(`/v1/applications/${id}/document`, `${number}.pdf`);
}

// A file of the API saved under `name` (a bucket's link names it itself).
async function saveFile(path, name) {
  const { url, link } = await fileUrl(path);
  // A bucket's link names the file itself (Content-Disposition); bytes here are given a name.
  const a = h('a', link ? { href: url, hidden: true } : { href: url, download: name, hidden: true });
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
  if (app.status === 'in_review' || app.status === 'awaiting_signature') {
    // Paid: what happens now, how long it usually takes, and how they will hear of it.
    const days = service && service.usual_days;
    const told = [h('p', {}, days ? t('next_review', { office: app.office_name, n: days }) : t('next_review_no_days', { office: app.office_name }))];
    if (app.applicant.phone) told.push(h('p', {}, t('next_sms', { phone: app.applicant.phone })));
    if (app.applicant.email) told.push(h('p', {}, t('next_email', { email: app.applicant.email })));
    if (!app.applicant.phone && !app.applicant.email) told.push(h('p', {}, t('next_come_back')));
    nodes.push(h('section', { class: 'card', id: 'next', 'aria-labelledby': 'next-title' }, h('h2', { id: 'next-title' }, t('next_title')), told));
  }
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
      const state = h('span', { id: `file-state-${spec.name}`, 'data-state': joined ? joined.state : 'missing', 'data-attachment': joined && joined.id }, joined ? t(`file_state_${joined.state}`) : t('file_missing'));
      // Why a file was refused, or could not be sent: beside its field, until the next one goes.
      const refused = joined && joined.state === 'quarantined' ? (lang === 'en' ? joined.reason_en : joined.reason) : '';
      const error = h('p', { class: 'field-error', id: `file-error-${spec.name}`, role: 'alert', hidden: !refused }, refused);
      const rule = h('p', { class: 'hint', id: `file-rule-${spec.name}` }, fileRule(spec));
      const input = h('input', { type: 'file', id: `file-${spec.name}`, accept: spec.content_types.join(','), 'aria-describedby': `${rule.id} ${error.id}` });
      const say = (text) => { error.textContent = text; error.hidden = !text; };
      const send = h('button', { type: 'button', class: 'secondary', id: `file-send-${spec.name}`, onclick: async () => {
        if (!input.files[0]) { say(t('file_none')); input.focus(); return; }
        say('');
        try {
          await sendFile(id, spec.name, input.files[0], state);
          watchFiles(id);
        } catch (e) {
          say(e instanceof Problem ? Object.values(e.fields()).join(' ') || e.message : e.message);
        }
      } }, t('file_send'));
      // Accepted stays, unless the office asked for more: then it may be replaced.
      if (joined && joined.state === 'accepted' && app.status !== 'needs_info') box.append(h('p', {}, `${fileLabel(service, spec.name)} : `, state));
      else box.append(h('div', { class: 'field' }, h('label', { for: input.id }, `${fileLabel(service, spec.name)} `, spec.required ? t('required_mark') : t('optional_mark')), rule, h('p', {}, state), error, input, send));
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
    nodes.push(h('section', { class: 'card' }, h('h2', {}, t('decision')), h('p', {}, app.decision.reason || ''),
      app.contest ? h('p', { id: 'contest' }, lang === 'en' ? app.contest.how_en : app.contest.how) : null));
  }
  if (app.payment) {
    const p = app.payment;
    nodes.push(h('section', { class: 'card', id: 'payment' },
      h('p', {}, t('paid_with', { amount: money({ amount: p.amount, currency: p.currency }), date: p.paid_at.slice(0, 10), txn: p.transaction })),
      app.refund ? h('p', { id: 'refund' }, t(app.refund.status === 'refunded' ? 'refund_done' : 'refund_due', { amount: money({ amount: app.refund.amount, currency: app.refund.currency }) })) : null,
      h('button', { type: 'button', class: 'secondary', id: 'receipt', onclick: () => saveFile(p.receipt, `recu-${app.payment_reference}.txt`).catch((e) => notice.replaceChildren(problemBox(e))) }, t('receipt'))));
  }
  if (app.status === 'awaiting_payment' || app.status === 'needs_info') {
    const key = idempotencyKey();
    nodes.push(h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'cancel', onclick: async () => {
      if (!window.confirm(t('cancel_confirm'))) return;
      try { await post(`/v1/applications/${id}/cancel`, {}, { 'idempotency-key': key }); route(); } catch (e) { notice.replaceChildren(problemBox(e)); }
    } }, t('cancel'))));
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
    else if (parts[0] === 'services' && parts[1]) await startPage(parts[1]);
    else if (parts[0] === 'new' && parts[1]) await newApplication(parts[1]);
    else if (parts[0] === 'applications' && parts[1]) await application(parts[1]);
    else await home();
  } catch (e) {
    show(problemBox(e));
  }
  document.body.dataset.ready = hash;
}

// The form being filled, kept when the page is drawn again in the other language.
let draft = null;
function keepDraft() {
  const form = document.getElementById('application-form');
  draft = form ? { kind: form.dataset.kind, applicant: collect(form, 'applicant'), details: collect(form, 'details') } : null;
}

apply();
setupSwitch(document.getElementById('lang'), () => { keepDraft(); apply(); route(); });
window.addEventListener('hashchange', route);
returning().then(async (trouble) => {
  await route();
  if (trouble) document.getElementById('main').prepend(trouble);
});
