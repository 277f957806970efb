#!/usr/bin/env node
'use strict';
// The `slipway` command. It runs the compiled CLI (`npm run build:cli` writes dist-cli/).
const path = require('node:path');

const entry = path.join(__dirname, '..', '..', 'dist-cli', 'cli', 'src', 'main.js');
let main;
try {
  ({ main } = require(entry));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(entry)) {
    process.stderr.write(`slipway is not built: run \`npm run build:cli\` in ${path.resolve(__dirname, '..', '..')}\n`);
    process.exit(2);
  }
  throw error;
}
main(process.argv).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    process.stderr.write(`Error [INTERNAL_ERROR]: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
