/**
 * Adaptive Card templates compiled once into functions, and bound many times. The templates in `cards/` stay the
 * single source of what a card says; this only changes how they are expanded.
 *
 * Why: adaptivecards-templating evaluates every `${…}` through adaptive-expressions, which builds a memory and an
 * options object per expression and finds each property by lower-casing every key of the object it is read from.
 * A reminder card has about 60 expressions: rendering it took a tenth of a card action's CPU time (bench/RESULTS.md).
 *
 * The subset compiled is the one the templates use, with the engine's semantics: paths (`$root.a.b`, `label`
 * from the current `$data`, `x[y]`), literals, `!`, `&&`, `||`, the comparisons, and the functions `empty`, `count`,
 * `string`, `replace` and `if`; `$data` (repeat over a list, or a new scope) and `$when` (drop the element unless
 * true). A template using anything else is refused with `UnsupportedTemplate`, and the renderer expands that
 * template with the engine instead (slower, same card). test/unit/card-template.test.ts compares every card in
 * every state and both languages with the engine's expansion, so a drift between the two fails there.
 */

/** The template uses a construct this compiler does not know: expand it with adaptivecards-templating instead. */
export class UnsupportedTemplate extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTemplate';
  }
}

/** What an expansion needs besides the data: what to put for a field the data lacks, and a list of such fields. */
export interface Expansion {
  /** Paths that were read for a value and were not in the data (the engine's `getUndefinedFieldValueSubstitutionString`). */
  readonly unbound: string[];
  /** Put in place of an unbound value, as the engine's substitution hook would. */
  readonly unboundMarker: string;
}

/** A compiled template: the data (`$root`) in, the expanded JSON out. Throws on an expression that fails. */
export type CompiledTemplate = (root: unknown, expansion: Expansion) => unknown;

export function compileTemplate(json: unknown): CompiledTemplate {
  const node = compileNode(json);
  return (root, expansion) => node({ root, data: root, index: undefined, expansion });
}

interface Scope {
  readonly root: unknown;
  /** `$data`: the current element of a `$data` list, or the root. */
  readonly data: unknown;
  readonly index: number | undefined;
  readonly expansion: Expansion;
}

/** A node's expansion; `undefined` drops a property, `null` an array item (as the engine does). */
type NodeFn = (scope: Scope) => unknown;

const RESERVED = new Set(['$data', '$when', '$root', '$index', '$host', '$_acTemplateVersion']);

function compileNode(node: unknown): NodeFn {
  if (typeof node === 'string') return compileString(node);
  if (Array.isArray(node)) return compileArray(node);
  if (typeof node === 'object' && node !== null) return compileObject(node as Record<string, unknown>);
  return () => node;
}

function compileArray(items: readonly unknown[]): NodeFn {
  const compiled = items.map(compileNode);
  return (scope) => {
    const out: unknown[] = [];
    for (const item of compiled) {
      const value = item(scope);
      if (value === null) continue;
      if (Array.isArray(value)) out.push(...value);
      else out.push(value);
    }
    return out;
  };
}

function compileObject(node: Record<string, unknown>): NodeFn {
  const fields = Object.keys(node)
    .filter((key) => !RESERVED.has(key))
    .map((key) => [key, compileNode(node[key])] as const);
  const expandOne = (scope: Scope): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (const [key, field] of fields) {
      const value = field(scope);
      if (value !== undefined) result[key] = value;
    }
    return result;
  };
  const when = node['$when'] === undefined ? undefined : compileWhen(node['$when']);
  const dataSource = node['$data'];
  if (dataSource === undefined) {
    return (scope) => (when && !when(scope) ? null : expandOne(scope));
  }
  if (typeof dataSource !== 'string') throw new UnsupportedTemplate('a $data that is not an expression');
  const data = compileString(dataSource);
  return (scope) => {
    const value = data(scope);
    const list = Array.isArray(value) ? value : [value];
    const results: Record<string, unknown>[] = [];
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const inner: Scope = {
        root: scope.root,
        data: item !== undefined ? item : scope.data,
        index: Array.isArray(value) ? i : scope.index,
        expansion: scope.expansion,
      };
      if (when && !when(inner)) continue;
      results.push(expandOne(inner));
    }
    if (results.length === 0) return null;
    return results.length === 1 ? results[0] : results;
  };
}

/** `$when`: true only for the boolean true; a failed or non-boolean evaluation drops the element. */
function compileWhen(source: unknown): (scope: Scope) => boolean {
  // As the engine: a `$when` that is not one expression (a constant, text around it) is dropped, an empty one kept.
  if (source === '' || source === null || source === false || source === 0) return () => true;
  const parts = typeof source === 'string' && source.includes('${') ? splitInterpolated(source) : [];
  const only = parts.length === 1 ? parts[0] : undefined;
  if (typeof only !== 'object') return () => false;
  const expr = only.expr;
  return (scope) => condition(expr, scope) === true;
}

function compileString(text: string): NodeFn {
  if (!text.includes('${')) return () => text;
  const parts = splitInterpolated(text);
  if (parts.length === 1 && typeof parts[0] === 'object') {
    // A string that is one expression produces the expression's own type (a list, a number, a boolean).
    const expr = parts[0].expr;
    return (scope) => evaluateOrThrow(expr, scope);
  }
  return (scope) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const value = evaluateOrThrow(part.expr, scope);
      if (value === undefined || value === null) throw new Error(`\${${part.source}} has no value to put in text`);
      out += String(value);
    }
    return out;
  };
}

function evaluateOrThrow(expr: Expr, scope: Scope): unknown {
  try {
    return expr(scope, true);
  } catch (err) {
    if (err instanceof EvaluationError) throw new Error(err.message);
    throw err;
  }
}

/** An expression that failed as the engine's would (a bad argument): `$when` takes it as false. */
class EvaluationError extends Error {}

/** `subst`: whether a missing field is reported and replaced (the engine turns it off inside conditions). */
type Expr = (scope: Scope, subst: boolean) => unknown;

/** Literal text and `${…}` expressions, in order. */
function splitInterpolated(text: string): Array<string | { readonly source: string; readonly expr: Expr }> {
  if (text.includes('\\') || text.includes('`')) throw new UnsupportedTemplate(`escapes in "${text}"`);
  const parts: Array<string | { source: string; expr: Expr }> = [];
  let at = 0;
  while (at < text.length) {
    const start = text.indexOf('${', at);
    if (start < 0) {
      parts.push(text.slice(at));
      break;
    }
    if (start > at) parts.push(text.slice(at, start));
    const end = closingBrace(text, start + 2);
    const source = text.slice(start + 2, end);
    parts.push({ source, expr: parseExpression(source) });
    at = end + 1;
  }
  return parts;
}

function closingBrace(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new UnsupportedTemplate(`an unclosed \${ in "${text}"`);
}

// ---- expressions -------------------------------------------------------------------------------------------

type Token = { readonly kind: 'num'; readonly value: number } | { readonly kind: 'str'; readonly value: string } | { readonly kind: 'id'; readonly value: string } | { readonly kind: 'op'; readonly value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (['&&', '||', '==', '!=', '<=', '>='].includes(two)) {
      tokens.push({ kind: 'op', value: two });
      i += 2;
      continue;
    }
    if ('!<>()[].,'.includes(ch)) {
      tokens.push({ kind: 'op', value: ch });
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = source.indexOf(ch, i + 1);
      if (end < 0) throw new UnsupportedTemplate(`an unclosed string in \${${source}}`);
      tokens.push({ kind: 'str', value: source.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const number = /^\d+(\.\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'num', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const id = /^[$A-Za-z_][$\w]*/.exec(source.slice(i));
    if (id) {
      tokens.push({ kind: 'id', value: id[0] });
      i += id[0].length;
      continue;
    }
    throw new UnsupportedTemplate(`"${ch}" in \${${source}}`);
  }
  return tokens;
}

/** Parses one `${…}` body; anything outside the subset is `UnsupportedTemplate`. */
export function parseExpression(source: string): Expr {
  const tokens = tokenize(source);
  let at = 0;
  const peek = (value?: string): Token | undefined => {
    const token = tokens[at];
    return value === undefined || (token?.kind === 'op' && token.value === value) ? token : undefined;
  };
  const expect = (value: string) => {
    if (!peek(value)) throw new UnsupportedTemplate(`expected "${value}" in \${${source}}`);
    at++;
  };

  const or = (): Expr => {
    let left = and();
    while (peek('||')) {
      at++;
      const l = left;
      const r = and();
      left = (scope) => truthy(condition(l, scope)) || truthy(condition(r, scope));
    }
    return left;
  };
  const and = (): Expr => {
    let left = comparison();
    while (peek('&&')) {
      at++;
      const l = left;
      const r = comparison();
      left = (scope) => truthy(condition(l, scope)) && truthy(condition(r, scope));
    }
    return left;
  };
  const comparison = (): Expr => {
    const left = unary();
    const op = tokens[at];
    if (op?.kind === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(op.value)) {
      at++;
      const right = unary();
      return compare(op.value, left, right);
    }
    return left;
  };
  const unary = (): Expr => {
    if (peek('!')) {
      at++;
      const operand = unary();
      // The engine: a failed operand makes `!` true.
      return (scope) => {
        try {
          return !truthy(operand(scope, false));
        } catch (err) {
          if (err instanceof EvaluationError) return true;
          throw err;
        }
      };
    }
    return postfix();
  };
  const postfix = (): Expr => {
    const token = tokens[at];
    if (token?.kind !== 'id') return primary();
    at++;
    if (peek('(')) return call(token.value);
    if (token.value === 'true' || token.value === 'false' || token.value === 'null') {
      const value = token.value === 'null' ? null : token.value === 'true';
      return () => value;
    }
    // A path: names and `[index]`s, read from `$root`, `$index` or the current `$data`.
    const steps: Array<string | Expr> = [token.value];
    let text = token.value;
    for (;;) {
      if (peek('.')) {
        at++;
        const name = tokens[at];
        if (name?.kind !== 'id') throw new UnsupportedTemplate(`a "." without a name in \${${source}}`);
        at++;
        steps.push(name.value);
        text += `.${name.value}`;
      } else if (peek('[')) {
        at++;
        const index = or();
        expect(']');
        steps.push(index);
        text += '[…]';
      } else break;
    }
    return pathExpr(steps, text);
  };
  const primary = (): Expr => {
    const token = tokens[at];
    if (!token) throw new UnsupportedTemplate(`an incomplete \${${source}}`);
    at++;
    if (token.kind === 'num' || token.kind === 'str') {
      const value = token.value;
      return () => value;
    }
    if (token.kind === 'op' && token.value === '(') {
      const inner = or();
      expect(')');
      return inner;
    }
    throw new UnsupportedTemplate(`"${token.value}" in \${${source}}`);
  };
  const call = (name: string): Expr => {
    expect('(');
    const args: Expr[] = [];
    if (!peek(')')) {
      args.push(or());
      while (peek(',')) {
        at++;
        args.push(or());
      }
    }
    expect(')');
    return functionCall(name, args, source);
  };

  const expr = or();
  if (at !== tokens.length) throw new UnsupportedTemplate(`unexpected "${tokens[at]?.value}" in \${${source}}`);
  return expr;
}

/** An operand of a condition: evaluated without substitution; a failure is the engine's false. */
function condition(expr: Expr, scope: Scope): unknown {
  try {
    return expr(scope, false);
  } catch (err) {
    if (err instanceof EvaluationError) return false;
    throw err;
  }
}

/** The engine's `isLogicTrue`: false, null and undefined are false, everything else (0 and '' too) is true. */
function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return value !== null && value !== undefined;
}

function compare(op: string, left: Expr, right: Expr): Expr {
  return (scope) => {
    let a: unknown;
    let b: unknown;
    try {
      a = left(scope, false);
      b = right(scope, false);
    } catch (err) {
      // The engine's comparisons answer false when an operand fails.
      if (err instanceof EvaluationError) return false;
      throw err;
    }
    if (op === '==') return equals(a, b);
    if (op === '!=') return !equals(a, b);
    const comparable = (isNumber(a) && isNumber(b)) || (typeof a === 'string' && typeof b === 'string');
    if (!comparable) throw new EvaluationError(`${String(a)} and ${String(b)} must be comparable.`);
    const x = a as number | string;
    const y = b as number | string;
    return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
  };
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

/** The engine's `commonEquals`, for the values cards compare: nulls, numbers, strings, booleans, lists, objects. */
function equals(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a === null || a === undefined) && (b === null || b === undefined);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  if (isNumber(a) && isNumber(b) && Math.abs(a - b) < Number.EPSILON) return true;
  return a === b;
}

function pathExpr(steps: ReadonlyArray<string | Expr>, text: string): Expr {
  const [first, ...rest] = steps as [string, ...Array<string | Expr>];
  return (scope, subst) => {
    let value: unknown;
    if (first === '$root') value = scope.root;
    else if (first === '$data') value = scope.data;
    else if (first === '$index') value = scope.index;
    else if (first.startsWith('$')) value = undefined;
    else value = property(scope.data, first);
    for (const step of rest) {
      if (typeof step === 'string') value = property(value, step);
      else {
        const index = condition(step, scope);
        if (Number.isInteger(index)) value = Array.isArray(value) ? value[index as number] : undefined;
        else if (typeof index === 'string') value = property(value, index);
        else throw new EvaluationError(`could not coerce an index in ${text} to an int or string`);
        // The engine's element access does not substitute a missing value.
        if (value === undefined) return undefined;
      }
    }
    if (value === undefined && subst) {
      scope.expansion.unbound.push(text);
      return scope.expansion.unboundMarker;
    }
    return value;
  };
}

/** The engine's property lookup: the exact name, else the first key that matches it ignoring case. */
function property(instance: unknown, name: string): unknown {
  if (!instance) return undefined;
  if (Array.isArray(instance) && /^\d+$/.test(name)) return instance[Number(name)];
  if (typeof instance === 'object' && Object.hasOwn(instance, name)) return (instance as Record<string, unknown>)[name];
  const lower = name.toLowerCase();
  const key = Object.keys(instance).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : (instance as Record<string, unknown>)[key];
}

const FUNCTIONS: Readonly<Record<string, (args: readonly unknown[]) => unknown>> = {
  count([value]) {
    if (typeof value === 'string' || Array.isArray(value)) return value.length;
    if (typeof value === 'object' && value !== null) return Object.keys(value).length;
    throw new EvaluationError(`count of ${String(value)}`);
  },
  string([value]) {
    if (typeof value === 'string') return value;
    if (isNumber(value)) return formatNumber(value);
    if (typeof value === 'boolean') return String(value);
    throw new UnsupportedTemplateValue(`string() of ${typeof value}`);
  },
  replace([text, search, replacement]) {
    for (const arg of [text, search, replacement]) if (arg !== undefined && typeof arg !== 'string') throw new EvaluationError('replace() takes text');
    const from = (search as string | undefined) ?? '';
    if (from.length === 0) throw new EvaluationError('replace() needs something to replace');
    return ((text as string | undefined) ?? '').split(from).join((replacement as string | undefined) ?? '');
  },
};

/** A value the compiled `string()` does not format as the engine would (an object, a date): a programming error. */
class UnsupportedTemplateValue extends Error {}

/** As the engine's `string(number)` (d3-format `,.Nf`, N the decimals the number has): "1,234", "2.5". */
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new UnsupportedTemplateValue(`string() of ${value}`);
  const text = value.toString();
  if (text.includes('e')) throw new UnsupportedTemplateValue(`string() of ${text}`);
  const decimals = text.includes('.') ? (text.split('.')[1]?.length ?? 0) : 0;
  const formatted = Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  // d3-format writes a minus sign (U+2212), not a hyphen.
  return value < 0 ? `\u2212${formatted}` : formatted;
}

function functionCall(name: string, args: readonly Expr[], source: string): Expr {
  if (name === 'empty' && args.length === 1) {
    const [arg] = args as [Expr];
    // `empty` is a comparison in the engine: no substitution, and a failed argument makes it false.
    return (scope) => {
      let value: unknown;
      try {
        value = arg(scope, false);
      } catch (err) {
        if (err instanceof EvaluationError) return false;
        throw err;
      }
      if (value === null || value === undefined) return true;
      if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
      if (typeof value === 'object') return Object.keys(value).length === 0;
      return false;
    };
  }
  if (name === 'if' && args.length === 3) {
    const [test, then, otherwise] = args as [Expr, Expr, Expr];
    return (scope, subst) => (truthy(condition(test, scope)) ? then(scope, subst) : otherwise(scope, subst));
  }
  const fn = FUNCTIONS[name];
  const arity = { count: 1, string: 1, replace: 3 }[name];
  if (!fn || args.length !== arity) throw new UnsupportedTemplate(`the function ${name}/${args.length} in \${${source}}`);
  return (scope, subst) => fn(args.map((arg) => arg(scope, subst)));
}
