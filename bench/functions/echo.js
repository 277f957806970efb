'use strict';

/**
 * The bare baseline of bench/functions: a Node.js process that writes back every line it reads on
 * stdin, on stdout. No sandbox, no protocol beyond the line, no output streams to follow: the
 * least a process serving one request at a time over pipes can do.
 */

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    process.stdout.write(pending.slice(0, newline + 1));
    pending = pending.slice(newline + 1);
  }
});
