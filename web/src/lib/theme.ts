/**
 * Light and dark themes: the system's preference (`prefers-color-scheme`) unless the user picked one with the
 * toggle, which is remembered in localStorage.
 */
export type Theme = 'light' | 'dark';

const KEY = 'corral.theme';

function system(): Theme {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The theme in effect. */
export function currentTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : system();
}

/** Apply `theme` to the document and remember it when the user chose it. */
export function applyTheme(theme: Theme, remember = false): void {
  document.documentElement.dataset.theme = theme;
  if (remember) localStorage.setItem(KEY, theme);
}
