import { computed } from 'vue';
import { type LocationQueryRaw, useRoute, useRouter } from 'vue-router';

/** A value of the address's query, '' when it is absent (or repeated). */
export function fromQuery(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * The state of a list page kept in the address, so that a list or a search can be shared and survives a
 * reload: the page, the type and the genre. Changing a filter goes back to the first page.
 */
export function useListAddress() {
  const route = useRoute();
  const router = useRouter();
  /** Sets (or, with '' or undefined, removes) query values; `replace` keeps the browser history as it is. */
  function update(changes: Record<string, string | undefined>, replace = false): void {
    const query: LocationQueryRaw = { ...route.query };
    for (const [name, value] of Object.entries(changes)) {
      if (value) query[name] = value;
      else delete query[name];
    }
    void (replace ? router.replace({ query }) : router.push({ query }));
  }
  const filter = (name: string) =>
    computed({
      get: () => fromQuery(route.query[name]),
      set: (value: string) => update({ [name]: value, page: undefined }),
    });
  return {
    route,
    update,
    page: computed(() => Math.max(1, Number(route.query.page ?? 1) || 1)),
    type: filter('type'),
    genre: filter('genre'),
    goTo: (page: number) => update({ page: String(page) }),
  };
}
