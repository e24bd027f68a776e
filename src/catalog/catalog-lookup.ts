/**
 * Finding a team or an activity of the catalog by what a person typed: its id, or its English or Korean name,
 * case-insensitive. One rule for every command that names one (`bind`, `run`, `workload`).
 */
import type { Activity, Catalog, SocTeam } from './catalog.types';

/** Finds a SOC team by id, English or Korean name (case-insensitive). */
export function findTeam(catalog: Catalog, ref: string): SocTeam | undefined {
  const key = ref.trim().toLowerCase();
  return catalog.teams.find((t) => t.id === key || t.name.toLowerCase() === key || t.name_ko.toLowerCase() === key);
}

/** Finds an activity by id, English or Korean title (case-insensitive). */
export function findActivity(catalog: Catalog, ref: string): Activity | undefined {
  const key = ref.trim().toLowerCase();
  return catalog.activities.find((a) => a.id === key || a.title.toLowerCase() === key || a.title_ko.toLowerCase() === key);
}
