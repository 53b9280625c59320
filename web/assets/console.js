// The officers' console: the office's queue, oldest first; an application with its files and
// history; and each workflow step the officer's role acts on, its form drawn from the step's
// `action` in GET /v1/catalogue, so a new kind or step needs no change here.
import { add, apply, setupSwitch, t } from './i18n.js';
import { Problem, fileUrl, get, idempotencyKey, post, signIn, signOut, who } from './api.js';
import { collect, fieldFor, followConditions, h, label, showErrors } from './form.js';
import { byLabel, devKey, devKeyField, fileLabel, keepDevKey, problemBox, providerButton, returning, services, show, title } from './page.js';

add({
  screening_record: ['Ce que la comparaison aux listes a trouvé', 'What matching against the lists found'],
  screening_searched: ['Nom cherché : {name}, né(e) en {year} ; liste {version}.', 'Name looked for: {name}, born {year}; list {version}.'],
  score: ['Ressemblance', 'Likeness'],
  no_candidate: ['Personne de la liste ne ressemble à ce voyageur.', 'Nobody on the list resembles this traveller.'],
  field_name_literal: ['Nom identique', 'Same name'],
  field_name_synonym: ['Variante connue du nom', 'Known variant of the name'],
  field_name_phonetic: ['Nom qui se prononce pareil', 'Name that sounds the same'],
  field_name_spelling: ['Orthographe proche', 'Close spelling'],
  field_name_order: ['Noms dans un autre ordre', 'Names in another order'],
  field_name_missing_part: ['Une partie du nom manque', 'Part of the name missing'],
  field_birth_year_match: ['Même année de naissance', 'Same birth year'],
  field_birth_year_unknown: ['Année de naissance inconnue de la liste', 'Birth year not on the list'],
  console_title: ['Console des agents — Guichet', 'Officers console — Guichet'],
  console_name: ['console des agents', 'officers console'],
  console_footer: ['Chaque dossier ouvert est inscrit dans son historique et montré au demandeur.', 'Every application opened is written in its history and shown to the applicant.'],
  sign_in_title: ['Connexion des agents', 'Officers sign-in'],
  sign_in_dev: ['Connexion de développement (hors production) : le rôle et le service que le fournisseur d’identité donnerait.', 'Development sign-in (outside production): the role and office the identity provider would give.'],
  role: ['Rôle', 'Role'],
  office_code: ['Code du service (par exemple TGI-BKO-C3)', 'Office code (for example TGI-BKO-C3)'],
  agent_id: ['Identifiant', 'Identifier'],
  agent_name: ['Nom (imprimé sur les décisions)', 'Name (printed on decisions)'],
  queue_title: ['File de travail — {office}', 'Work queue — {office}'],
  queue_status: ['Dossiers', 'Applications'],
  queue_show: ['Afficher', 'Show'],
  queue_empty: ['Aucun dossier en attente.', 'Nothing waiting.'],
  reference: ['Référence', 'Reference'],
  search_label: ['Référence du dossier ou numéro de document', 'Application reference or document number'],
  search_hint: ['Par exemple GCH-7K2M9QX4TD ou CJ-2026-000123-7. Chaque recherche est inscrite au registre des consultations.', 'For example GCH-7K2M9QX4TD or CJ-2026-000123-7. Every search is written in the register of reads.'],
  search: ['Chercher', 'Search'],
  search_none: ['Aucun dossier de votre service ne porte cette référence ou ce numéro.', 'No application of your office has this reference or number.'],
  search_result: ['Résultat de la recherche', 'Search result'],
  waiting_since: ['En attente depuis', 'Waiting since'],
  kind: ['Document', 'Document'],
  open: ['Ouvrir', 'Open'],
  app_title: ['Dossier {id}', 'Application {id}'],
  applicant: ['Demandeur', 'Applicant'],
  details: ['Demande', 'Application'],
  files: ['Pièces jointes', 'Attachments'],
  file_open: ['Ouvrir {name}', 'Open {name}'],
  accesses: ['Consultations', 'Reads'],
  act: ['Enregistrer', 'Record'],
  done: ['Enregistré.', 'Recorded.'],
  no_action: ["Aucune étape de ce dossier n'attend votre rôle.", 'No step of this application waits for your role.'],
  back: ['Retour à la file', 'Back to the queue'],
  status_approved: ['approuvé', 'approved'], status_rejected: ['refusé', 'refused'],
  status_issued: ['délivré', 'issued'], status_expired: ['expiré', 'expired'], status_cancelled: ['annulé', 'cancelled'],
  field_review: ['Examen', 'Review'], field_examination: ['Examen', 'Examination'], field_signature: ['Signature', 'Signature'],
  field_screening: ['Criblage', 'Screening'], field_consular_review: ['Examen consulaire', 'Consular review'],
});

const when = (iso) => (iso || '').slice(0, 16).replace('T', ' ');

function account() {
  const me = who();
  document.getElementById('account').replaceChildren(me
    ? h('span', {}, h('span', { class: 'hint' }, `${me.role} · ${me.office || ''} `),
      h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); location.hash = '#/sign-in'; route(); } }, t('sign_out')))
    : h('a', { class: 'button secondary', href: '#/sign-in' }, t('sign_in')));
}

async function signInPage() {
  const provider = await providerButton('#/');
  let roles = null;
  try { roles = (await get('/dev/sign-in')).roles; } catch { /* not outside production */ }
  const nodes = [h('h1', {}, t('sign_in_title'))];
  if (provider) nodes.push(h('p', {}, provider));
  if (!roles) {
    if (!provider) nodes.push(h('p', {}, t('sign_in_unavailable')));
    show(...nodes);
    return;
  }
  const summary = h('div');
  const form = h('form', { id: 'sign-in-form', novalidate: true },
    h('label', { for: 'role' }, t('role')),
    h('select', { id: 'role', name: 'role' }, roles.filter((r) => r !== 'applicant' && r !== 'partner').map((r) => h('option', { value: r }, r))),
    h('label', { for: 'office' }, t('office_code')), h('input', { id: 'office', name: 'office', autocapitalize: 'characters' }),
    h('label', { for: 'sub' }, t('agent_id')), h('input', { id: 'sub', name: 'sub', autocomplete: 'username' }),
    h('label', { for: 'name' }, t('agent_name')), h('input', { id: 'name', name: 'name', autocomplete: 'name' }),
    ...devKeyField(),
    h('button', { type: 'submit' }, t('sign_in')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const key = form.dev_key.value.trim();
      const r = await post('/dev/sign-in', { role: form.role.value, office: form.office.value.trim(), sub: form.sub.value.trim(), name: form.name.value.trim(), key });
      keepDevKey(key);
      await signIn(r.token);
      location.hash = '#/';
    } catch (e) { summary.replaceChildren(problemBox(e)); }
  });
  show(...nodes, h('p', { class: 'hint' }, t('sign_in_dev')), summary, form);
}

// Which applications a role works on by default.
function defaultStatus(role) {
  return role === 'signatory' ? 'awaiting_signature' : 'in_review';
}

// The queue's table: each application by its reference (names stay out of queues).
function workTable(items, byKind) {
  return h('table', { id: 'queue' },
    h('thead', {}, h('tr', {}, [t('reference'), t('kind'), t('status'), t('waiting_since')].map((c) => h('th', { scope: 'col' }, c)),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('open'))))),
    h('tbody', {}, items.map((i) => h('tr', {},
      h('td', {}, h('span', { class: 'reference' }, i.reference)),
      h('td', {}, byKind[i.kind] || label(i.kind)), h('td', {}, t(`status_${i.status}`)), h('td', {}, when(i.waiting_since)),
      h('td', {}, h('a', { href: `#/applications/${i.id}`, 'data-id': i.id }, t('open')))))));
}

async function queue(params) {
  const me = who();
  if (!me) { location.hash = '#/sign-in'; return; }
  const status = params.get('status') || defaultStatus(me.role);
  const search = (params.get('q') || '').trim();
  // A search looks through every status; the queue shows one.
  const q = new URLSearchParams(search ? { office: me.office || '', q: search } : { office: me.office || '', status });
  if (params.get('step')) q.set('step', params.get('step'));
  const byKind = Object.fromEntries((await services()).map((s) => [s.kind, title(s)]));
  const picker = h('form', { id: 'queue-form' },
    h('label', { for: 'status' }, t('queue_status')),
    h('select', { id: 'status' }, ['in_review', 'awaiting_signature', 'needs_info'].map((s) =>
      h('option', { value: s, selected: s === status }, t(`status_${s}`)))),
    h('button', { type: 'submit', class: 'secondary' }, t('queue_show')));
  picker.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = `#/?status=${picker.status.value}`; });
  const finder = h('form', { id: 'search-form', role: 'search' },
    h('label', { for: 'q' }, t('search_label')),
    h('p', { class: 'hint', id: 'q-hint' }, t('search_hint')),
    h('input', { id: 'q', name: 'q', value: search, autocapitalize: 'characters', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'q-hint' }),
    h('button', { type: 'submit', class: 'secondary' }, t('search')));
  finder.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const asked = finder.q.value.trim();
    location.hash = asked ? `#/?q=${encodeURIComponent(asked)}` : '#/';
  });
  let body;
  try {
    const work = await get(`/v1/work?${q}`);
    const items = [...work.items].sort((a, b) => a.waiting_since.localeCompare(b.waiting_since));
    if (search) {
      body = items.length
        ? [h('h2', {}, t('search_result')), workTable(items, byKind)]
        : h('p', { id: 'search-none', role: 'status' }, t('search_none'));
    } else {
      body = items.length ? workTable(items, byKind) : h('p', { id: 'queue-empty' }, t('queue_empty'));
    }
  } catch (e) { body = problemBox(e); }
  show(h('h1', {}, t('queue_title', { office: me.office || '' })), finder, picker, ...[body].flat());
}

function facts(object) {
  const dl = h('dl', { class: 'facts' });
  const walk = (prefix, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix} › ${label(k)}` : label(k), v);
    } else if (value !== null && value !== undefined && value !== '') {
      dl.append(h('dt', {}, prefix), h('dd', {}, Array.isArray(value) ? JSON.stringify(value) : String(value)));
    }
  };
  walk('', object);
  return dl;
}

async function openFile(id, attachment) {
  const { url } = await fileUrl(`/v1/applications/${id}/attachments/${attachment.id}`);
  window.open(url, '_blank', 'noopener');
}

// The steps of this application that wait for this officer's role, with their forms.
function actions(app, service, me, notice) {
  const forms = [];
  for (const spec of (service && service.steps) || []) {
    const state = (app.steps || []).find((s) => s.name === spec.name);
    // Open: for the step's roles; referred: for the role it was referred to alone.
    const mine = state && (state.state === 'referred' ? spec.referred_to === me.role : state.state === 'open' && spec.roles.includes(me.role));
    if (!mine) continue;
    const schema = spec.action.body_schema;
    const summary = h('div');
    // A step that screens has its record at the same address: what matching found, and the
    // outcomes before this one (a referral's reason), read before deciding (each read audited).
    const record = /\/screening$/.test(spec.action.path) ? screeningRecord(spec.action.path.replace('{id}', app.id)) : null;
    const form = h('form', { class: 'card', id: `step-${spec.name}`, novalidate: true },
      h('h2', {}, label(spec.name)), record, summary,
      Object.entries(schema.properties || {}).map(([k, s]) => fieldFor(`body.${k}`, k, s, (schema.required || []).includes(k))),
      h('button', { type: 'submit' }, t('act')));
    // What the chosen decision asks for: the record only with an approval, a reason with a
    // refusal.
    followConditions(form, 'body', schema);
    const key = idempotencyKey();
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await post(spec.action.path.replace('{id}', app.id), collect(form, 'body'), { 'idempotency-key': key });
        await application(app.id);
        document.getElementById('notice').replaceChildren(h('p', { class: 'result valid', role: 'status' }, t('done')));
      } catch (e) {
        if (e instanceof Problem) showErrors(form, e, summary);
        else summary.replaceChildren(problemBox(e));
      }
    });
    forms.push(form);
  }
  return forms.length ? forms : [h('p', { id: 'no-action' }, t('no_action'))];
}

// What matching found for a traveller: the list matched against, the name looked for, each
// candidate with its score and why, and the outcomes so far. Filled in when it arrives.
function screeningRecord(path) {
  const box = h('section', { class: 'screening', id: 'screening-record', 'aria-labelledby': 'screening-title', 'aria-busy': 'true' },
    h('h3', { id: 'screening-title' }, t('screening_record')));
  get(path).then((r) => {
    box.append(h('p', {}, t('screening_searched', { name: r.name, year: r.birth_year || '?', version: (r.list_version || '').slice(0, 12) || '—' })));
    // A list, not a table: it reads on a phone as on a desk.
    box.append(r.candidates.length
      ? h('ol', { id: 'candidates' }, r.candidates.map((c) => h('li', { 'data-entry': c.entry_id },
        h('p', {}, h('strong', {}, `${c.name} (${c.entry_id})`), ` — ${t('score')} ${Math.round(c.score * 100)} %`),
        h('ul', {}, c.features.map((f) => h('li', {}, `${label(f.feature)} : ${f.detail}`))))))
      : h('p', { id: 'no-candidate' }, t('no_candidate')));
    if (r.decisions.length) {
      box.append(h('ul', { id: 'screening-decisions' }, r.decisions.map((d) => h('li', {},
        `${when(d.at)} — ${byLabel(d.by)} : ${label(d.outcome)}${d.reason ? ` — ${d.reason}` : ''}`))));
    }
  }).catch((e) => box.append(problemBox(e))).finally(() => box.removeAttribute('aria-busy'));
  return box;
}

async function application(id) {
  const me = who();
  if (!me) { location.hash = '#/sign-in'; return; }
  let app;
  try { app = await get(`/v1/applications/${id}`); } catch (e) { show(h('h1', {}, t('app_title', { id })), problemBox(e)); return; }
  const service = (await services()).find((s) => s.kind === app.kind);
  const notice = h('div', { id: 'notice', 'aria-live': 'polite' });
  show(
    h('h1', {}, t('app_title', { id: app.payment_reference })),
    h('dl', { class: 'facts' },
      h('dt', {}, t('kind')), h('dd', {}, service ? title(service) : app.kind),
      h('dt', {}, t('status')), h('dd', { id: 'status', 'data-status': app.status }, t(`status_${app.status}`)),
      h('dt', {}, t('office')), h('dd', {}, app.office_name)),
    notice,
    h('h2', {}, t('applicant')), facts(app.applicant),
    h('h2', {}, t('details')), facts(app.details || {}),
    h('h2', {}, t('files')),
    h('ul', { id: 'files' }, (app.attachments || []).map((a) => h('li', {},
      h('button', { type: 'button', class: 'secondary', onclick: () => openFile(app.id, a).catch((e) => notice.replaceChildren(problemBox(e))) },
        t('file_open', { name: fileLabel(service, a.name) })), ` ${t(`file_state_${a.state}`)}`))),
    h('h2', {}, t('steps')),
    h('ol', { id: 'steps' }, (app.steps || []).map((s) => h('li', { 'data-step': s.name, 'data-state': s.state }, `${label(s.name)} — ${t(`step_${s.state}`)}${s.by ? ` (${s.by_name || byLabel(s.by)})` : ''}`))),
    ...actions(app, service, me, notice),
    h('h2', {}, t('history')),
    h('table', {}, h('thead', {}, h('tr', {}, ['date_col', 'status', 'by', 'reason_col'].map((k) => h('th', { scope: 'col' }, t(k))))), h('tbody', {}, (app.history || []).map((e) => h('tr', {}, h('td', {}, when(e.at)), h('td', {}, `${t(`status_${e.from}`)} → ${t(`status_${e.to}`)}`), h('td', {}, byLabel(e.by)), h('td', {}, e.reason || ''))))),
    h('h2', {}, t('accesses')),
    h('ul', {}, (app.accesses || []).map((a) => h('li', {}, `${when(a.at)} — ${byLabel(a.by)}${a.office ? ` (${a.office})` : ''} — ${label(a.what)}`))),
    h('p', {}, h('a', { class: 'button secondary', href: '#/' }, t('back'))));
}

async function route() {
  // A link with the development sign-in's key (opened, or followed within the page) is taken
  // first: it then reads as the sign-in page.
  devKey();
  account();
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const parts = path.split('/').filter(Boolean);
  try {
    if (parts[0] === 'sign-in' || !who()) await signInPage();
    else if (parts[0] === 'applications' && parts[1]) await application(parts[1]);
    else await queue(new URLSearchParams(query || ''));
  } catch (e) { show(problemBox(e)); }
  document.body.dataset.ready = hash;
}

apply();
setupSwitch(document.getElementById('lang'), () => { apply(); route(); });
window.addEventListener('hashchange', route);
returning().then(async (trouble) => {
  await route();
  if (trouble) document.getElementById('main').prepend(trouble);
});
