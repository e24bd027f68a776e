/**
 * Finding a team or an activity of the catalog by what a person typed: its id, or its English or Korean name,
 * case-insensitive. One rule for every command that names one (`bind`, `run`, `workload`).
 */
import type { Activity, Catalog, SocTeam } from './catalog.types';

/**
 * Finds a SOC team by id, English or Korean name (case-insensitive); failing that, by part of a name or id
 * ("감독" for "SOC 감독", "oversight" for "SOC Oversight": people type the word they use for the team), when
 * exactly one team has it. A part that fits two teams finds none, so a command never picks a team by guess.
 */
export function findTeam(catalog: Catalog, ref: string): SocTeam | undefined {
  const key = normalise(ref);
  if (key === '') return undefined;
  const names = (t: SocTeam) => [t.id, t.name, t.name_ko].map(normalise);
  const exact = catalog.teams.find((t) => names(t).includes(key));
  if (exact) return exact;
  // One character ("팀", "s") is part of nearly every name: too little to go on.
  if ([...key].length < 2) return undefined;
  const partial = catalog.teams.filter((t) => names(t).some((name) => name.includes(key)));
  return partial.length === 1 ? partial[0] : undefined;
}

// Case and spacing aside: "SOC감독", "soc 감독" and "SOC 감독" are the same name.
function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, '');
}

/** Finds an activity by id, English or Korean title (case-insensitive). */
export function findActivity(catalog: Catalog, ref: string): Activity | undefined {
  const key = ref.trim().toLowerCase();
  return catalog.activities.find((a) => a.id === key || a.title.toLowerCase() === key || a.title_ko.toLowerCase() === key);
}
