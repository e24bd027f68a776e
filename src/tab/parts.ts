/**
 * Pieces both tab pages draw the same way (the team workload in `tab.ts`, My tasks in `my-tasks.ts`): summary
 * tiles, a task's status badge and due cell, and a table that scrolls sideways on its own.
 */
import type { WorkloadItem } from './api';
import { h } from './dom';
import type { Formats } from './format';
import type { Strings } from './strings';

/**
 * A table in a box that scrolls sideways on its own when the screen is too narrow (Teams mobile), so the page
 * itself never does. The box is focusable so that keyboard users can scroll it too.
 */
export function scrollable(table: HTMLTableElement): HTMLElement {
  return h('div', { class: 'table-scroll', tabindex: 0, role: 'group', 'aria-labelledby': table.getAttribute('aria-labelledby') }, table);
}

/** One summary tile (`data-stat` names it for tests and styles); `alert` draws it in the danger colour. */
export function tile(stat: string, label: string, value: number, extra?: string, alert = false): HTMLElement {
  return h(
    'div',
    { class: `tile${alert ? ' tile-alert' : ''}`, 'data-stat': stat },
    h('dt', {}, label),
    h('dd', { class: 'tile-value' }, value),
    extra ? h('dd', { class: 'tile-extra' }, extra) : null,
  );
}

/** The summary band: a visually hidden heading and the tiles. */
export function summary(s: Strings, ...tiles: HTMLElement[]): HTMLElement {
  return h('section', { class: 'summary', 'aria-labelledby': 'summary-heading' }, h('h2', { id: 'summary-heading', class: 'visually-hidden' }, s.summary), h('dl', { class: 'tiles' }, ...tiles));
}

/** The status cell: a badge in the cards' words ("Snoozed until 14:30"). */
export function statusCell(item: WorkloadItem, s: Strings, fmt: Formats): HTMLTableCellElement {
  const status = item.status === 'snoozed' && item.snoozedUntil ? s.snoozedUntil(fmt.time(item.snoozedUntil)) : s.statusLabel[item.status];
  // data-label: on a phone the row is stacked and each cell says what it is (styles.css).
  return h('td', { 'data-label': s.status }, h('span', { class: `badge badge-${item.status}` }, status));
}

/** The due cell: the date and time, and how long ago or ahead, in red once it has passed. */
export function dueCell(item: WorkloadItem, now: string, s: Strings, fmt: Formats): HTMLTableCellElement {
  const late = Date.parse(item.dueAt) <= Date.parse(now);
  return h('td', { class: 'due', 'data-label': s.due }, h('time', { datetime: item.dueAt }, fmt.dateTime(item.dueAt)), h('span', { class: `sub${late ? ' late' : ''}` }, fmt.fromNow(item.dueAt, now)));
}
