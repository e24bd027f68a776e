/**
 * What the Adaptive Cards SDK says about Teams' people picker (an `Input.ChoiceSet` whose `choices.data` is a
 * `Data.Query` of `graph.microsoft.com/users`, with no static choices). Teams documents it on cards of version 1.2
 * and up (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/people-picker); the SDK's
 * validator files `choices.data` under 1.6 and wants a static choice. Card checks leave out exactly these.
 */
export const PEOPLE_PICKER_NOTES: readonly string[] = [
  'Property "choices.data" is supported in version 1.6, but you are using version 1.5.',
  'An Input.ChoiceSet must have at least one choice defined.',
];

/** The problems a card check found, less the people picker's notes (with or without a "parse: " prefix). */
export function withoutPeoplePickerNotes(problems: readonly string[]): string[] {
  return problems.filter((p) => !PEOPLE_PICKER_NOTES.some((note) => p.endsWith(note)));
}
