/**
 * The import rules of the house (README "Development", ARCHITECTURE.md), checked in `npm test` by dependency-cruiser:
 * no cycles, the domain free of Bot Framework, the adapters free of the composition root, the tools out of the runtime.
 * Type-only imports count: a cycle of types is still two modules that cannot be understood apart.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Two modules that import each other cannot be changed or understood one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-without-bot-framework',
      severity: 'error',
      comment: 'The domain (src/reminders) reaches Teams only through the ReminderPoster port: moving to another SDK rewrites src/teams alone.',
      from: { path: '^src/(reminders|catalog|storage)/' },
      to: { path: ['node_modules/(botbuilder|botframework-[a-z-]+|@microsoft/teams-js|restify)/', '^src/(teams|http)/'] },
    },
    {
      name: 'adapters-without-composition-root',
      severity: 'error',
      comment: 'Routes and handlers take narrow dependencies, never the whole App.',
      from: { path: '^src/(http|teams|reminders|storage|catalog)/' },
      to: { path: '^src/(app|index)\\.ts$' },
    },
    {
      name: 'runtime-without-tools',
      severity: 'error',
      comment: 'Build tools (the app package, the card renderer) stay out of the running service; the CLI loads them when asked.',
      from: { path: '^src/', pathNot: ['^src/tools/', '^src/cli/'] },
      to: { path: '^src/tools/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with: @swc/core (jest's transpiler) reads the
    // sources instead, type-only imports included.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
