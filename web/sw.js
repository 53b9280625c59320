// Keeps the verify page, its scripts and the published keys on the device, so a seal checks
// without a network once the page has been opened. Only the verify page's files are kept; every
// other request goes to the network untouched.
const CACHE = 'guichet-verifier-v1';
const PAGE = '/verifier';
const FILES = [PAGE, '/assets/site.css', '/assets/i18n.js', '/assets/seal.js', '/assets/verify.js',
  '/vendor/qr-scanner.min.js', '/vendor/qr-scanner-worker.min.js', '/vendor/qr-scanner-worker.js',
  '/vendor/noble-ed25519.js', '/v1/keys'];
// How long a slow network may take before the kept copy answers.
const PATIENCE_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

// The network first (a new key or a new page version), the kept copy when the network fails or
// is too slow; a fresh answer replaces the kept copy.
async function fresh(request, key) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    if (response.ok) cache.put(key, response.clone());
    return response;
  });
  const kept = cache.match(key);
  const late = new Promise((resolve) => setTimeout(resolve, PATIENCE_MS)).then(() => kept);
  try {
    const response = await Promise.race([network, late.then((k) => k || network)]);
    return response || (await kept) || Response.error();
  } catch {
    return (await kept) || Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const key = url.pathname === '/verify' ? PAGE : url.pathname;
  if (!FILES.includes(key)) return;
  event.respondWith(fresh(event.request, key));
});
