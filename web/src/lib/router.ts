/**
 * Client-side routing over the History API: each page has a real URL (`/models`, `/playground`), the back
 * button works, and links stay ordinary `<a href>` elements (middle-click opens a new tab).
 */
import { writable } from 'svelte/store';

/** The current path, e.g. `/models`. */
export const path = writable(location.pathname);

window.addEventListener('popstate', () => path.set(location.pathname));

/** Go to `to` (a path, with an optional query) without reloading. */
export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path.set(location.pathname);
}

/** Click handler for in-app links: plain left clicks navigate in place, others behave as usual. */
export function link(event: MouseEvent): void {
  const a = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(a.pathname + a.search);
}
