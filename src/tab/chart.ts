/**
 * The weekly on-time completion chart, drawn as SVG by hand. A chart library would add 50-200 KB to a bundle whose
 * whole job is eight bars; the host's theme reaches the bars through CSS classes (colours are CSS variables).
 *
 * Each week is a `<g role="img">` with a spoken label ("Week of Nov 16: 3 of 4 tasks done on time (75%)"), so a
 * screen reader user hears the same figures that others read off the bars.
 */
import { svg } from './dom';
import type { Formats } from './format';
import type { Strings } from './strings';
import type { Workload } from './api';

const WIDTH = 480;
const HEIGHT = 250;
const MARGIN = { top: 26, right: 8, bottom: 46, left: 44 } as const;
const DAY_MS = 86_400_000;

export function weeklyChart(weeks: Workload['weekly'], now: string, fmt: Formats, s: Strings, labelledBy: string): SVGSVGElement {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const baseline = MARGIN.top + plotH;
  const slot = plotW / Math.max(weeks.length, 1);
  const barW = Math.min(40, slot * 0.62);
  const nowMs = Date.parse(now);

  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart',
    role: 'group',
    'aria-labelledby': labelledBy,
    focusable: 'false',
  });

  const grid = svg('g', { class: 'chart-grid', 'aria-hidden': 'true' });
  for (const ratio of [0, 0.5, 1]) {
    const y = baseline - ratio * plotH;
    grid.append(
      svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y, class: ratio === 0 ? 'chart-axis' : 'chart-gridline' }),
      svg('text', { x: MARGIN.left - 8, y: y + 4, 'text-anchor': 'end', class: 'chart-tick' }, fmt.percent(ratio)),
    );
  }
  root.append(grid);

  weeks.forEach((week, i) => {
    const start = Date.parse(week.weekStart);
    const current = nowMs >= start && nowMs < start + 7 * DAY_MS;
    const weekName = current ? s.thisWeek : s.weekOf(fmt.date(week.weekStart));
    const ratio = week.due > 0 ? week.doneOnTime / week.due : undefined;
    const label = ratio === undefined ? s.noneDue(weekName) : s.weekBar(weekName, week.doneOnTime, week.due, fmt.percent(ratio));
    const cx = MARGIN.left + slot * i + slot / 2;

    const g = svg('g', { class: `chart-week${current ? ' chart-week-current' : ''}`, role: 'img', 'aria-label': label, 'data-week': week.weekStart });
    g.append(svg('title', {}, label));
    if (ratio === undefined) {
      g.append(svg('text', { x: cx, y: baseline - 8, 'text-anchor': 'middle', class: 'chart-value chart-value-none', 'aria-hidden': 'true' }, '–'));
    } else {
      // A 0% week keeps a sliver of bar, so "nothing on time" reads differently from "nothing due".
      const height = Math.max(ratio * plotH, 3);
      g.append(
        svg('rect', { x: cx - barW / 2, y: baseline - height, width: barW, height, rx: 3, class: 'chart-bar' }),
        svg('text', { x: cx, y: baseline - height - 7, 'text-anchor': 'middle', class: 'chart-value', 'aria-hidden': 'true' }, fmt.percent(ratio)),
      );
    }
    g.append(
      svg('text', { x: cx, y: baseline + 18, 'text-anchor': 'middle', class: 'chart-week-label', 'aria-hidden': 'true' }, current ? s.thisWeek : fmt.chartDate(week.weekStart)),
      svg('text', { x: cx, y: baseline + 35, 'text-anchor': 'middle', class: 'chart-week-count', 'aria-hidden': 'true' }, week.due > 0 ? `${week.doneOnTime}/${week.due}` : ''),
    );
    root.append(g);
  });
  return root;
}
