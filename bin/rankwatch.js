#!/usr/bin/env node
// Entry point for `npx rankwatch`: runs the TypeScript CLI directly (Node >= 22.18 strips types).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `rankwatch needs Node.js >= 22.18 (found ${process.versions.node}). Run it through npm/npx in the checkout, which use the pinned node@22 from node_modules/.bin.`,
  );
  process.exit(1);
}
await import('../cli/main.ts');
