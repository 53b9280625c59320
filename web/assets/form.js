// Forms drawn from a JSON Schema (the catalogue's `details_schema`, a step's `body_schema`): one
// labelled input per property, named by its path; the values back as JSON; the API's field
// messages shown beside their fields. Shared by the portal and the console.
import { add, lang, t } from './i18n.js';

add({
  errors_title: ['La demande ne peut pas partir : corrigez les champs indiqués.', 'The application cannot be sent: correct the fields shown.'],
  field_required: ['Ce champ est obligatoire.', 'This field is required.'],
  required_mark: ['(obligatoire)', '(required)'],
  optional_mark: ['(facultatif)', '(optional)'],
  choose: ['— choisir —', '— choose —'],
  field_surname: ['Nom', 'Surname'],
  field_given_names: ['Prénoms', 'Given names'],
  field_birth_date: ['Date de naissance', 'Date of birth'],
  field_birth_place: ['Lieu de naissance (commune, ville)', 'Place of birth (town, city)'],
  field_birth_country: ['Pays de naissance', 'Country of birth'],
  field_nina: ['NINA', 'NINA'],
  field_father_name: ['Nom du père', "Father's name"],
  field_mother_name: ['Nom de la mère', "Mother's name"],
  field_email: ['Courriel (pour être prévenu)', 'Email (to be told)'],
  field_phone: ['Téléphone (pour un SMS)', 'Phone (for a text message)'],
  field_purpose: ['Motif', 'Purpose'],
  field_basis: ['Fondement', 'Basis'],
  field_parent: ['Parent malien', 'Malian parent'],
  field_relationship: ['Lien', 'Relationship'],
  field_mission: ['Ambassade ou consulat', 'Embassy or consulate'],
  field_visa_type: ['Type de visa', 'Type of visa'],
  field_scope: ['Validité', 'Valid in'],
  field_entries: ['Entrées', 'Entries'],
  field_arrival_date: ["Date d'arrivée", 'Arrival date'],
  field_departure_date: ['Date de départ', 'Departure date'],
  field_host: ['Hôte', 'Host'],
  field_passport: ['Passeport', 'Passport'],
  field_name: ['Nom', 'Name'],
  field_address: ['Adresse', 'Address'],
  field_mrz: ['Bande MRZ (deux lignes)', 'Machine-readable zone (two lines)'],
  field_number: ['Numéro', 'Number'],
  field_nationality: ['Nationalité (code à 3 lettres)', 'Nationality (3-letter code)'],
  field_sex: ['Sexe', 'Sex'],
  field_expiry_date: ["Date d'expiration", 'Expiry date'],
  add: ['Ajouter', 'Add'],
  remove: ['Retirer', 'Remove'],
  field_convictions: ['Condamnations (aucune : « Néant »)', 'Convictions (none: "Néant")'],
  field_convictions_item: ['Condamnation', 'Conviction'],
  field_date: ['Date', 'Date'],
  field_court: ['Juridiction', 'Court'],
  field_offence: ['Infraction', 'Offence'],
  field_sentence: ['Peine', 'Sentence'],
  field_record: ['Casier', 'Record'],
  field_decision: ['Décision', 'Decision'],
  field_reason: ['Motif', 'Reason'],
  field_outcome: ['Résultat', 'Outcome'],
  field_approve: ['Approuver', 'Approve'],
  field_reject: ['Rejeter', 'Reject'],
  field_request_info: ['Demander une précision', 'Ask for information'],
  field_sign: ['Signer', 'Sign'],
  field_refuse: ['Refuser', 'Refuse'],
  field_clear: ['Rien à signaler', 'Clear'],
  field_refer: ['Transmettre au superviseur', 'Refer to the supervisor'],
  field_deny: ['Refuser', 'Deny'],
  field_father: ['Père', 'Father'],
  field_mother: ['Mère', 'Mother'],
});

export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

// A field's label: the page's words for it, else its name.
export function label(name) {
  const known = t(`field_${name}`);
  return known === `field_${name}` ? String(name).replace(/_/g, ' ') : known;
}

// The keyboard a phone shows for a phone or an email wherever it is asked; what the browser
// may fill in, for the applicant's own fields alone (a parent's or a host's are not theirs).
const KEYBOARDS = { phone: 'tel', email: 'email' };
const AUTOFILL = {
  'applicant.phone': 'tel',
  'applicant.email': 'email',
  'applicant.surname': 'family-name',
  'applicant.given_names': 'given-name',
  'applicant.birth_date': 'bday',
};

const mark = (required) => h('span', { class: 'hint', 'data-mark': '' }, required ? t('required_mark') : t('optional_mark'));

// One input (or fieldset) for one property of a schema, its id `f-<path>`.
export function fieldFor(path, name, schema, required) {
  const id = `f-${path}`;
  // A kind declared by data names its fields itself: `title` in French, `description` in
  // English. Otherwise the page's words, and the schema's description as a hint.
  const own = schema.title ? (lang === 'en' ? schema.description || schema.title : schema.title) : null;
  const called = own || label(name);
  const hint = !own && schema.description ? h('p', { class: 'hint', id: `${id}-hint` }, schema.description) : null;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  if (schema.type === 'object') {
    const inner = Object.entries(schema.properties || {}).map(([k, s]) =>
      fieldFor(`${path}.${k}`, k, s, (schema.required || []).includes(k)));
    return h('fieldset', { 'data-object': path, 'data-field': path }, h('legend', {}, `${called} `, mark(required)), hint, error, inner);
  }
  if (schema.type === 'array' && schema.items && schema.items.type === 'object') {
    const items = h('div', { class: 'items' });
    let next = 0;
    const addItem = () => {
      const n = next++;
      const item = fieldFor(`${path}.${n}`, `${name}_item`, schema.items, true);
      item.append(h('button', { type: 'button', class: 'secondary', onclick: () => item.remove() }, t('remove')));
      items.append(item);
    };
    return h('fieldset', { 'data-array': path, 'data-field': path, id },
      h('legend', {}, `${called} `, mark(required)), hint, error, items,
      h('button', { type: 'button', class: 'secondary', id: `${id}-add`, onclick: addItem }, t('add')));
  }
  const describedBy = [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' ');
  let input;
  if (Array.isArray(schema.enum)) {
    input = h('select', { id, 'data-path': path, 'aria-describedby': describedBy, required },
      h('option', { value: '' }, t('choose')), schema.enum.map((v) => h('option', { value: v }, label(v))));
  } else if (schema.type === 'string' && (!schema.maxLength || schema.maxLength > 120) && !schema.format && name !== 'phone') {
    input = h('textarea', { id, 'data-path': path, rows: 2, 'aria-describedby': describedBy, required, maxlength: schema.maxLength });
  } else {
    const type = schema.format === 'date' ? 'date' : schema.type === 'integer' || schema.type === 'number' ? 'number' : 'text';
    input = h('input', { id, type: KEYBOARDS[name] || type, autocomplete: AUTOFILL[path], 'data-path': path, 'aria-describedby': describedBy, required, maxlength: schema.maxLength });
  }
  if (schema.type === 'integer' || schema.type === 'number') input.dataset.number = 'true';
  return h('div', { class: 'field', 'data-field': path }, h('label', { for: id }, `${called} `, mark(required)), hint, input, error);
}

// A schema's conditions on the values chosen (`allOf` of `if`/`then`/`else` on a property's
// value, as the catalogue writes a step's body): which properties are not asked (`false`) and
// which are required, beyond the schema's own `required`.
export function conditions(schema, values) {
  const hidden = new Set();
  const required = new Set(schema.required || []);
  const matches = (value, s) => ('const' in s ? value === s.const : Array.isArray(s.enum) ? s.enum.includes(value) : value !== undefined);
  for (const rule of schema.allOf || []) {
    if (!rule.if) continue;
    const holds = Object.entries(rule.if.properties || {}).every(([k, s]) => matches(values[k], s));
    const branch = holds ? rule.then : rule.else;
    for (const name of (branch && branch.required) || []) required.add(name);
    for (const [name, s] of Object.entries((branch && branch.properties) || {})) if (s === false) hidden.add(name);
  }
  return { hidden, required };
}

// Shows the fields of a form drawn from `schema` under `prefix` as its conditions say for what
// is chosen now, and again whenever a choice changes: a field not asked is hidden (and not sent),
// a required one marked so.
export function followConditions(form, prefix, schema) {
  if (!(schema.allOf || []).length) return;
  const update = () => {
    const { hidden, required } = conditions(schema, collect(form, prefix));
    for (const name of Object.keys(schema.properties || {})) {
      const field = form.querySelector(`[data-field='${prefix}.${name}']`);
      if (!field) continue;
      field.hidden = hidden.has(name);
      const mark = field.querySelector('[data-mark]');
      if (mark) mark.textContent = required.has(name) ? t('required_mark') : t('optional_mark');
      const input = form.querySelector(`[data-path='${prefix}.${name}']`);
      if (input) input.required = required.has(name);
    }
  };
  form.addEventListener('change', update);
  update();
}

function place(out, keys, value) {
  let at = out;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) { at[k] = value; return; }
    if (at[k] === undefined) at[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    at = at[k];
  });
}

// The form's values under `prefix` as JSON: empty inputs left out, lists as arrays (an empty list
// is a list: "no conviction" is an answer).
export function collect(root, prefix) {
  const out = {};
  const under = (path) => path.startsWith(`${prefix}.`);
  // A field its conditions do not ask for is not an answer.
  const asked = (e) => !e.closest('[data-field][hidden]');
  for (const list of root.querySelectorAll('[data-array]')) {
    if (under(list.dataset.array) && asked(list)) place(out, list.dataset.array.slice(prefix.length + 1).split('.'), []);
  }
  for (const input of root.querySelectorAll('[data-path]')) {
    const path = input.dataset.path;
    const value = input.value.trim();
    if (!under(path) || !value || !asked(input)) continue;
    place(out, path.slice(prefix.length + 1).split('.'), input.dataset.number ? Number(value) : value);
  }
  // Items removed from a list leave holes: close them.
  const close = (v) => {
    if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(close);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, close(x)]));
    return v;
  };
  return close(out);
}

// Puts `value` (JSON, as the API answers it) into the form's fields under `prefix`: what a
// correction starts from. A list gets one item per element.
export function fill(root, prefix, value) {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    const add = root.querySelector(`[id='f-${prefix}-add']`);
    value.forEach((v, i) => {
      if (add && !root.querySelector(`[data-path^='${prefix}.${i}.']`)) add.click();
      fill(root, `${prefix}.${i}`, v);
    });
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) fill(root, `${prefix}.${k}`, v);
  } else {
    const input = root.querySelector(`[data-path='${prefix}']`);
    if (input) input.value = String(value);
  }
}

// The nearest field's error line for an API path (`record.convictions[0].date`), and what the
// summary's link takes the reader to: the input, or a group's first input.
function errorLine(path) {
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  while (parts.length) {
    const at = parts.join('.');
    const e = document.getElementById(`f-${at}-error`);
    if (e) {
      const own = document.getElementById(`f-${at}`);
      const group = document.querySelector(`[data-field='${at}']`);
      const input = own && own.matches('input, select, textarea') ? own
        : (group && group.querySelector('input, select, textarea, button')) || own;
      return { error: e, input };
    }
    parts.pop();
  }
  return { error: null, input: null };
}

// What a form drawn from `schema` under `prefix` lacks before it is sent: each required field
// left empty, as the server would name it (a group that is optional and left empty asks
// nothing; one begun asks for its required fields).
export function missingFields(form, prefix, schema, required = schema.required || []) {
  const values = collect(form, prefix);
  const found = {};
  const walk = (path, s, value, needed) => {
    for (const [name, inner] of Object.entries(s.properties || {})) {
      const v = value ? value[name] : undefined;
      const isRequired = needed.includes(name);
      const at = `${path}.${name}`;
      const field = form.querySelector(`[data-field='${at}']`);
      if (field && field.closest('[hidden]')) continue;
      if (inner.type === 'object') {
        if (v !== undefined || isRequired) walk(at, inner, v, inner.required || []);
        if (v === undefined && isRequired && !Object.keys(inner.properties || {}).length) found[at] = t('field_required');
      } else if (isRequired && (v === undefined || v === '')) {
        found[at] = t('field_required');
      }
    }
  };
  walk(prefix, schema, values, required);
  return found;
}

// Errors found in the page, shown as the API's are.
export class LocalProblem {
  constructor(fields) { this.found = fields; this.message = t('errors_title'); }

  fields() { return this.found; }
}

// The API's problem on the form: each message beside its field, and a summary that links them.
export function showErrors(form, problem, summary) {
  for (const e of form.querySelectorAll('.field-error')) { e.hidden = true; e.textContent = ''; }
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  const fields = problem.fields();
  const list = h('ul');
  for (const [path, message] of Object.entries(fields)) {
    const { error, input } = errorLine(path);
    if (input) input.setAttribute('aria-invalid', 'true');
    if (error) { error.textContent = message; error.hidden = false; }
    const name = label(path.replace(/\[\d+\]/g, '').split('.').pop());
    list.append(h('li', {}, input
      ? h('a', { href: `#${input.id}`, onclick: (ev) => { ev.preventDefault(); input.focus(); } }, `${name} : ${message}`)
      : `${name} : ${message}`));
  }
  const box = h('div', { class: 'result invalid', role: 'alert', id: 'form-errors', tabindex: '-1' },
    h('p', { class: 'verdict' }, Object.keys(fields).length ? t('errors_title') : problem.message), list);
  summary.replaceChildren(box);
  box.focus();
}
