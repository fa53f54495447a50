/**
 * The layers of src/, bottom first (docs/architecture.md says what each folder owns). A folder may
 * import its own files and the folders of lower layers; nothing of a layer above or beside it.
 * The entry files at the top of src/ (main.ts, app.module.ts, app.setup.ts, openapi.ts) may import any folder.
 */
const LAYERS = [
  ['config'],
  ['database', 'redis'],
  ['common'],
  ['logging', 'mail', 'audit'],
  ['users'],
  ['media'],
  ['auth'],
  ['messages'],
  ['chat'],
  ['account', 'metrics', 'health', 'api-index', 'api-docs', 'server'],
];

const folder = (name) => `^src/${name}/`;
const layerRules = LAYERS.flatMap((layer, rank) =>
  layer.map((name) => {
    const allowed = [name, ...LAYERS.slice(0, rank).flat()];
    return {
      name: `layer-${name}`,
      comment: `src/${name}/ may import only ${allowed.map((f) => `${f}/`).join(', ')} (see docs/architecture.md)`,
      severity: 'error',
      from: { path: folder(name) },
      to: { path: '^src/', pathNot: [`^src/(${allowed.join('|')})/`] },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'unknown-folder',
      comment: 'Every folder of src/ has a place in the layers of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${LAYERS.flat().join('|')})/` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'No import cycle between files, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-tests-in-src',
      comment: 'Code of src/ never imports a test or a test helper (its unit tests may)',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$' },
      to: { path: '(^test/|\\.spec\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/|^src/metadata\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
