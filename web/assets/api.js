// Calling the API from a page: the signed-in person's token, JSON in and out, and problems
// (RFC 9457, French and English) turned into what a form shows.
import { lang } from './i18n.js';

const KEY = 'guichet-token';
const ME = 'guichet-me';
const PKCE = 'guichet-pkce';

export function token() {
  try { return sessionStorage.getItem(KEY); } catch { return null; }
}

// Keeps the token, and who the API says it is (`GET /v1/me`: the provider's claims mapped).
export async function signIn(t, me) {
  sessionStorage.setItem(KEY, t);
  try {
    sessionStorage.setItem(ME, JSON.stringify(me || await get('/v1/me')));
  } catch (e) {
    signOut();
    throw e;
  }
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(ME);
}

// Who is signed in (`{subject, role, office, name}`, for showing who and where: the API checks
// the token itself), or null once the token has expired.
export function who() {
  const t = token();
  if (!t) return null;
  try {
    const part = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part + '==='.slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    if (claims.exp && claims.exp * 1000 < Date.now()) return null;
    return JSON.parse(sessionStorage.getItem(ME));
  } catch {
    return null;
  }
}

const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// This page's address without query or fragment: where the provider brings the person back.
const back = () => location.origin + location.pathname;

// Sends the person to the identity provider (authorization code with PKCE, S256), remembering
// the verifier, a state against forged returns, and where in the page they were.
export async function toProvider(provider, hash) {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, hash }));
  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: provider.client_id, redirect_uri: back(), scope: provider.scope,
    state, code_challenge: challenge, code_challenge_method: 'S256', ui_locales: lang,
  });
  location.assign(url.href);
}

// On the way back from the provider (`?code=…&state=…`): the code exchanged by the API for a
// checked token. False when this is not such a return.
export async function fromProvider() {
  const q = new URLSearchParams(location.search);
  if (!q.has('code') && !q.has('error')) return false;
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(PKCE)); } catch { /* none */ }
  sessionStorage.removeItem(PKCE);
  // The code leaves the address bar (and the history) whatever happens next.
  history.replaceState(null, '', back() + ((saved && saved.hash) || ''));
  if (!saved || q.get('state') !== saved.state || !q.has('code')) {
    throw new Problem(403, {
      detail: 'La connexion n’a pas abouti : reconnectez-vous.',
      detail_en: 'Signing in did not complete: sign in again.',
    });
  }
  const r = await post('/v1/sign-in', { code: q.get('code'), code_verifier: saved.verifier, redirect_uri: back() });
  await signIn(r.token, r.me);
  return true;
}

// A file the API keeps (a PDF, an attachment), as an address the page can open: its bytes
// here, or where files are in a bucket, the API's short-lived link to it.
export async function fileUrl(path) {
  const headers = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  const r = await fetch(path, { headers });
  const type = r.headers.get('content-type') || '';
  if (!r.ok) throw new Problem(r.status, type.includes('json') ? await r.json().catch(() => null) : null);
  if (type.includes('application/json')) return { url: (await r.json()).url, link: true };
  return { url: URL.createObjectURL(await r.blob()), link: false };
}

export class Problem extends Error {
  constructor(status, body) {
    super(body && (lang === 'en' ? body.detail_en || body.title : body.detail || body.title) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }

  // Field path → message, in the page's language.
  fields() {
    const out = {};
    for (const e of this.body.errors || []) out[e.field] = lang === 'en' ? e.message_en || e.message : e.message;
    return out;
  }
}

export async function call(method, path, body, extra = {}) {
  const headers = { accept: 'application/json', 'accept-language': lang, ...extra };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Problem(0, { detail: 'Pas de réseau : réessayez quand la connexion revient. Rien n’a été perdu.', detail_en: 'No network: try again when the connection is back. Nothing was lost.' });
  }
  const type = r.headers.get('content-type') || '';
  const json = type.includes('json') ? await r.json().catch(() => null) : null;
  if (!r.ok) throw new Problem(r.status, json);
  return json;
}

export const get = (path) => call('GET', path);
export const post = (path, body, extra) => call('POST', path, body, extra);

// A key that makes a retried submission the same submission (the API's Idempotency-Key).
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
