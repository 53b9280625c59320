// Reading and checking a seal in the browser, as docs/seal.md describes it byte by byte: the
// link or the bare seal, base45, COSE_Sign1 over CBOR claims, Ed25519 against the published keys
// (WebCrypto, or a small library where the browser lacks Ed25519). Nothing here needs a network.

const PREFIX = 'GCH1:';
const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

// The seal a QR code or a link carries: the bare seal, or the text after `#`, percent-decoded.
export function sealInCode(text) {
  text = (text || '').trim();
  if (text.startsWith(PREFIX)) return text;
  const hash = text.indexOf('#');
  if (hash < 0) return null;
  let seal;
  try { seal = decodeURIComponent(text.slice(hash + 1)); } catch { return null; }
  if (!seal.startsWith(PREFIX)) return null;
  for (const c of seal) if (!BASE45.includes(c)) return null;
  return seal;
}

// The address a link points to (before `#`), or null for a bare seal.
export function linkAddress(text) {
  const hash = (text || '').indexOf('#');
  return hash < 0 ? null : text.slice(0, hash).trim();
}

export function base45(text) {
  const out = [];
  const value = (c) => {
    const v = BASE45.indexOf(c);
    if (v < 0) throw new Error('encoding');
    return v;
  };
  for (let i = 0; i < text.length; i += 3) {
    const chunk = text.slice(i, i + 3);
    if (chunk.length === 1) throw new Error('encoding');
    let n = value(chunk[0]) + value(chunk[1]) * 45;
    if (chunk.length === 3) {
      n += value(chunk[2]) * 2025;
      if (n > 0xffff) throw new Error('encoding');
      out.push(n >> 8, n & 0xff);
    } else {
      if (n > 0xff) throw new Error('encoding');
      out.push(n);
    }
  }
  return new Uint8Array(out);
}

// A CBOR reader for what a seal holds: integers, byte and text strings, arrays, maps, tags, and
// the simple values; definite lengths only (the seal never uses others).
class Reader {
  constructor(bytes) { this.b = bytes; this.i = 0; }
  byte() {
    if (this.i >= this.b.length) throw new Error('structure');
    return this.b[this.i++];
  }
  length(info) {
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!size) throw new Error('structure');
    let n = 0;
    for (let k = 0; k < size; k++) n = n * 256 + this.byte();
    if (n > Number.MAX_SAFE_INTEGER) throw new Error('structure');
    return n;
  }
  bytes(n) {
    if (this.i + n > this.b.length) throw new Error('structure');
    const out = this.b.subarray(this.i, this.i + n);
    this.i += n;
    return out;
  }
  item(depth = 0) {
    if (depth > 16) throw new Error('structure');
    const head = this.byte();
    const major = head >> 5;
    const info = head & 31;
    switch (major) {
      case 0: return this.length(info);
      case 1: return -1 - this.length(info);
      case 2: return this.bytes(this.length(info));
      case 3: return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(this.length(info)));
      case 4: {
        const n = this.length(info);
        const out = [];
        for (let k = 0; k < n; k++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        const n = this.length(info);
        const out = new Map();
        for (let k = 0; k < n; k++) {
          const key = this.item(depth + 1);
          out.set(key, this.item(depth + 1));
        }
        return out;
      }
      case 6: return { tag: this.length(info), value: this.item(depth + 1) };
      default:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw new Error('structure');
    }
  }
}

export function cbor(bytes) {
  const r = new Reader(bytes);
  const v = r.item();
  if (r.i !== bytes.length) throw new Error('structure');
  return v;
}

function head(major, n) {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 0xff];
  return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

// COSE's Sig_structure: ["Signature1", protected, h'' (no external data), payload].
function sigStructure(protectedBytes, payload) {
  const label = new TextEncoder().encode('Signature1');
  const parts = [head(4, 4), head(3, label.length), label, head(2, protectedBytes.length), protectedBytes,
    head(2, 0), head(2, payload.length), payload];
  const size = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function fromBase64url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const date = (n) => {
  if (typeof n !== 'number') return null;
  const s = String(n).padStart(8, '0');
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
};

// The claims of docs/seal.md's table, by name; null when they do not read.
export function claims(map) {
  if (!(map instanceof Map)) return null;
  const text = (k) => (typeof map.get(k) === 'string' ? map.get(k) : null);
  const c = {
    number: text(1), kind: map.get(2), office: text(6), issued: date(map.get(7)),
    expires: map.has(8) ? date(map.get(8)) : null,
  };
  if (!c.number || typeof c.kind !== 'number' || !c.office || !c.issued) return null;
  const holderType = map.has(9) ? map.get(9) : 1;
  if (holderType === 1) {
    c.person = { surname: text(3), givenNames: text(4), birthDate: date(map.get(5)) };
    if (c.person.surname === null || c.person.givenNames === null || !c.person.birthDate) return null;
  } else if (holderType === 2) {
    c.organisation = { name: text(10), registration: text(11) };
    if (!c.organisation.name || !c.organisation.registration) return null;
  } else {
    return null;
  }
  if (map.has(12)) {
    c.visa = {
      passport: text(12), nationality: text(13), type: map.get(14), scope: map.get(15),
      entries: map.get(16), validFrom: date(map.get(17)), days: map.get(18),
    };
    const v = c.visa;
    if (!v.passport || !v.nationality || ![1, 2, 3, 4].includes(v.type) || ![1, 2].includes(v.scope)
      || ![1, 2].includes(v.entries) || !v.validFrom || typeof v.days !== 'number') return null;
  }
  return c;
}

async function ed25519(publicKey, signature, message, fallback) {
  try {
    if (fallback) throw new DOMException('asked for the fallback', 'NotSupportedError');
    const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    return { ok: await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message), engine: 'webcrypto' };
  } catch (e) {
    if (e && e.name !== 'NotSupportedError' && !(e instanceof TypeError) && e.name !== 'SyntaxError') throw e;
    // The browser has no Ed25519: the same check in a small library, strict as RFC 8032 is.
    const noble = await import('../vendor/noble-ed25519.js');
    return { ok: await noble.verifyAsync(signature, message, publicKey, { zip215: false }), engine: 'fallback' };
  }
}

// Checks `text` (a seal or a link) against `keys` (a JWK Set as GET /v1/keys serves it).
// Answers { ok: true, claims, kid, engine } or { ok: false, reason } where reason is one of
// prefix, encoding, structure, algorithm, unknown_key, key_compromised, signature, key_retired,
// payload.
export async function verify(text, keys, options = {}) {
  const seal = sealInCode(text);
  if (!seal) return { ok: false, reason: 'prefix' };
  let bytes;
  try { bytes = base45(seal.slice(PREFIX.length)); } catch { return { ok: false, reason: 'encoding' }; }
  let sign1;
  try { sign1 = cbor(bytes); } catch { return { ok: false, reason: 'structure' }; }
  if (sign1 && sign1.tag === 18) sign1 = sign1.value;
  if (!Array.isArray(sign1) || sign1.length !== 4 || !(sign1[0] instanceof Uint8Array)
    || !(sign1[2] instanceof Uint8Array) || !(sign1[3] instanceof Uint8Array)) return { ok: false, reason: 'structure' };
  const [protectedBytes, , payload, signature] = sign1;
  let header;
  try { header = cbor(protectedBytes); } catch { return { ok: false, reason: 'structure' }; }
  if (!(header instanceof Map) || header.get(1) !== -8) return { ok: false, reason: 'algorithm' };
  const kidBytes = header.get(4);
  if (!(kidBytes instanceof Uint8Array)) return { ok: false, reason: 'unknown_key' };
  const kid = new TextDecoder().decode(kidBytes);
  const jwk = (keys && Array.isArray(keys.keys) ? keys.keys : [])
    .find((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && k.kid === kid);
  if (!jwk) return { ok: false, reason: 'unknown_key' };
  // A key declared compromised leaves the set with only its id: whatever it sealed is refused.
  if (jwk.status === 'compromised') return { ok: false, reason: 'key_compromised' };
  if (signature.length !== 64) return { ok: false, reason: 'signature' };
  const check = await ed25519(fromBase64url(jwk.x), signature, sigStructure(protectedBytes, payload), options.fallback);
  if (!check.ok) return { ok: false, reason: 'signature' };
  let c;
  try { c = claims(cbor(payload)); } catch { c = null; }
  if (!c) return { ok: false, reason: 'payload' };
  // A retired key that leaked cannot seal documents dated after its last day of issue.
  if (jwk.status === 'retired' && jwk.signs_until && c.issued > jwk.signs_until) return { ok: false, reason: 'key_retired' };
  return { ok: true, claims: c, kid, engine: check.engine };
}
