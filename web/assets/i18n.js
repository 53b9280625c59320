// The pages' texts in French (the default) and English, and the switch between them. A text is
// [French, English]; `{name}` in it is replaced by the argument of that name.
const texts = {
  republic: ['République du Mali', 'Republic of Mali'],
  switch_to: ['English', 'Français'],
  switch_label: ['Read this page in English', 'Lire cette page en français'],
  skip: ['Aller au contenu', 'Skip to content'],
  offline: ['Hors ligne', 'Offline'],
};

function stored() {
  try { return localStorage.getItem('guichet-lang'); } catch { return null; }
}

export let lang = stored() === 'en' ? 'en' : 'fr';

export function add(more) { Object.assign(texts, more); }

export function t(key, args = {}) {
  const pair = texts[key];
  if (!pair) return key;
  const text = pair[lang === 'en' ? 1 : 0];
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in args ? String(args[name]) : ''));
}

// Every element that names its text (`data-i18n`), and the attributes that do
// (`data-i18n-placeholder`, `data-i18n-label` for aria-label), in the current language.
export function apply(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  const title = document.querySelector('meta[name="i18n-title"]');
  if (title) document.title = t(title.content);
}

// The button that switches language: it names the other language, in that language.
export function setupSwitch(button, onChange) {
  const show = () => {
    button.textContent = t('switch_to');
    button.lang = lang === 'en' ? 'fr' : 'en';
    button.setAttribute('aria-label', t('switch_label'));
  };
  show();
  button.addEventListener('click', () => {
    lang = lang === 'en' ? 'fr' : 'en';
    try { localStorage.setItem('guichet-lang', lang); } catch { /* private mode: this page only */ }
    apply();
    show();
    if (onChange) onChange();
  });
}
