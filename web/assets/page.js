// What the portal and the console share around their own screens: the main region, the
// catalogue read once, a problem shown as an alert, and the texts both use (statuses, steps,
// signing in). A page's own `add` comes after these and may say a text its own way.
import { add, lang, t } from './i18n.js';
import { h, label } from './form.js';
import { fromProvider, get, toProvider } from './api.js';

add({
  loading: ['Chargement…', 'Loading…'],
  account_nav: ['Compte', 'Account'],
  sign_in: ['Se connecter', 'Sign in'],
  sign_out: ['Se déconnecter', 'Sign out'],
  sign_in_unavailable: ["La connexion n'est pas ouverte sur ce serveur.", 'Signing in is not open on this server.'],
  sign_in_provider: ["Se connecter avec son compte de l'État", 'Sign in with your State account'],
  status: ['État', 'Status'],
  office: ['Service', 'Office'],
  steps: ['Étapes', 'Steps'],
  history: ['Historique', 'History'],
  accesses: ['Consultations par les agents', 'Reads by officers'],
  step_open: ['en cours', 'in progress'],
  step_waiting: ['à venir', 'to come'],
  step_done: ['fait', 'done'],
  step_rejected: ['refusé', 'refused'],
  step_referred: ['transmis', 'referred'],
  status_awaiting_payment: ['en attente de paiement', 'awaiting payment'],
  status_in_review: ["en cours d'examen", 'in review'],
  status_awaiting_signature: ['en attente de signature', 'awaiting signature'],
  status_needs_info: ['précision demandée', 'information requested'],
  file_state_pending: ['en cours de vérification', 'being checked'],
  file_state_accepted: ['acceptée', 'accepted'],
  file_state_quarantined: ['refusée', 'refused'],
  by: ['Par', 'By'],
  dev_key: ['Clé de développement', 'Development key'],
  dev_key_hint: ["Affichée par « guichet serve » au démarrage ; ses liens vers le portail et la console la portent.", 'Printed by “guichet serve” at start; its links to the portal and the console carry it.'],
  by_applicant: ['le demandeur', 'the applicant'],
  by_clerk: ['le greffe', 'the registry'],
  by_signatory: ['le signataire', 'the signatory'],
  by_consular_officer: ["l'officier consulaire", 'the consular officer'],
  by_screening_officer: ['un agent de criblage', 'a screening officer'],
  by_screening_supervisor: ['le superviseur du criblage', 'the screening supervisor'],
  by_security_services: ['les services de sécurité', 'the security services'],
  by_border_officer: ['la police aux frontières', 'the border police'],
  by_admin: ["l'administration", 'the administration'],
  by_office: ['le service', 'the office'],
  by_payment: ['le paiement', 'the payment'],
  by_issue: ['la délivrance', 'issuance'],
  by_attachments: ['la vérification des pièces', 'the check of files'],
  by_reconcile: ['le rapprochement', 'reconciliation'],
  reason_col: ['Motif', 'Reason'],
  date_col: ['Date', 'Date'],
});

// A file the kind asks for, by the words its catalogue entry gives (else its name).
export const fileLabel = (service, name) => {
  const spec = ((service && service.attachments) || []).find((a) => a.name === name) || {};
  return (lang === 'en' ? spec.label_en : spec.label) || spec.label || label(name);
};

const main = () => document.getElementById('main');

let catalogue = null;
export async function services() {
  if (!catalogue) catalogue = await get('/v1/catalogue');
  return catalogue.services;
}

// The development sign-in's key, from the link `guichet serve` printed (`#dev-key=…`, a
// fragment: never sent to a server), kept for the tab; the link then reads as the sign-in page.
const DEV_KEY = 'guichet-dev-key';
export function devKey() {
  const m = location.hash.match(/^#dev-key=([0-9A-Za-z]+)$/);
  if (m) {
    sessionStorage.setItem(DEV_KEY, m[1]);
    history.replaceState(null, '', `${location.pathname}${location.search}#/sign-in`);
  }
  return sessionStorage.getItem(DEV_KEY) || '';
}
export const keepDevKey = (key) => sessionStorage.setItem(DEV_KEY, key);

// The development sign-in form's key field, filled from the link when it carried one.
export const devKeyField = () => [
  h('label', { for: 'dev-key' }, t('dev_key')),
  h('input', { id: 'dev-key', name: 'dev_key', type: 'password', autocomplete: 'off', value: devKey(), 'aria-describedby': 'dev-key-hint' }),
  h('p', { class: 'hint', id: 'dev-key-hint' }, t('dev_key_hint')),
];

// Who acted, in words: a role or a step of the service, never its code.
export function byLabel(by) {
  const key = `by_${by}`;
  const said = t(key);
  return said === key ? label(by) : said;
}

export const title = (service) => (lang === 'en' ? service.title_en : service.title);

// A screen in the main region; the tab's title follows its heading.
export function show(...nodes) {
  main().replaceChildren(...nodes);
  const heading = main().querySelector('h1');
  if (heading) document.title = `${heading.textContent} — Guichet`;
}

// A problem from the API (or the network), in the page's language, read out when it appears.
export const problemBox = (e) => h('div', { class: 'result invalid', role: 'alert' }, h('p', {}, e.message));

// The identity provider's sign-in, where the deployment has one: a button that goes there and
// comes back to `hash`. Null where there is none (the development sign-in may remain).
export async function providerButton(hash) {
  let options = {};
  try { options = await get('/v1/sign-in'); } catch { /* no provider */ }
  if (!options.provider) return null;
  return h('button', { type: 'button', id: 'provider-sign-in', onclick: () => toProvider(options.provider, hash).catch((e) => show(problemBox(e))) }, t('sign_in_provider'));
}

// Back from the identity provider: signed in (or told why not) before the page routes.
export async function returning() {
  try { await fromProvider(); } catch (e) { return problemBox(e); }
  return null;
}
