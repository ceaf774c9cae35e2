import { readonly, ref } from 'vue';

/**
 * The colour theme: the system's (the default), or light or dark as the visitor chose. A choice is kept in
 * localStorage and shown as data-theme on <html>, which the styles follow; the script at the top of
 * index.html puts a kept choice there before the first paint, so a page never flashes the other theme.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Scheme = 'light' | 'dark';

/** The localStorage key (index.html reads the same one). */
const KEY = 'osusume-theme';
const root = document.documentElement;
const prefersLight = window.matchMedia('(prefers-color-scheme: light)');

function schemeOf(choice: ThemeChoice): Scheme {
  if (choice !== 'system') return choice;
  return prefersLight.matches ? 'light' : 'dark';
}

const datasetChoice = root.dataset.theme;
const chosen = ref<ThemeChoice>(
  datasetChoice === 'light' || datasetChoice === 'dark' ? datasetChoice : 'system',
);
const shown = ref<Scheme>(schemeOf(chosen.value));
prefersLight.addEventListener('change', () => {
  shown.value = schemeOf(chosen.value);
});

/** The visitor's choice. */
export const theme = readonly(chosen);
/** The scheme the page shows now (for what styles cannot colour, such as the map's canvas). */
export const scheme = readonly(shown);

export function chooseTheme(choice: ThemeChoice): void {
  chosen.value = choice;
  shown.value = schemeOf(choice);
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, choice);
  } catch {
    // storage refused (a private window, a policy): the choice holds until the page is left
  }
}

/** A colour of the theme (a variable such as --text) as `element` shows it now, in a form a canvas takes. */
export function themeColour(element: HTMLElement, variable: string): string {
  const before = element.style.color;
  element.style.color = `var(${variable})`;
  const colour = getComputedStyle(element).color;
  element.style.color = before;
  return colour;
}
