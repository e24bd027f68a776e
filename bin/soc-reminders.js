#!/usr/bin/env node
// Built by `npm run build` (npm install runs it through `prepare`).
const { main } = require('../dist/src/cli/main.js');
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
