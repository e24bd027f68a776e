/**
 * The catalog's teams and on-demand activities as one line of text, for the replies that tell a person what
 * they could have typed (welcome, bind, workload, run, and their errors).
 */
import type { Catalog } from '../catalog/catalog.types';
import type { Locale } from './cards/card-views';

/** e.g. `secops (SecOps), monitoring (Monitoring)`: the id to type, and the name in the reader's language. */
export function formatTeamList(catalog: Pick<Catalog, 'teams'>, locale: Locale): string {
  return catalog.teams.map((x) => `${x.id} (${locale === 'ko' ? x.name_ko : x.name})`).join(', ');
}

/** The activities `run` may start, as `id (title)`. */
export function formatOnDemandList(catalog: Pick<Catalog, 'activities'>, locale: Locale): string {
  return catalog.activities
    .filter((a) => a.onDemand)
    .map((a) => `${a.id} (${locale === 'ko' ? a.title_ko : a.title})`)
    .join(', ');
}
