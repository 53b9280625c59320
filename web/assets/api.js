// Calling the API from a page: the signed-in person's token, JSON in and out, and problems
// (RFC 9457, French and English) turned into what a form shows.
import { lang } from './i18n.js';

const KEY = 'guichet-token';

export function token() {
  try { return sessionStorage.getItem(KEY); } catch { return null; }
}

export function signIn(t) { sessionStorage.setItem(KEY, t); }
export function signOut() { sessionStorage.removeItem(KEY); }

// The claims of the signed-in person's token (for showing who and where; the API checks it).
export function who() {
  const t = token();
  if (!t) return null;
  try {
    const part = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part + '==='.slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    if (claims.exp && claims.exp * 1000 < Date.now()) return null;
    return claims;
  } catch {
    return null;
  }
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
