#!/usr/bin/env node
// Usage: DATABASE_URL=postgres://… npm run migration:generate -- AddSomething
// Generates migrations/<timestamp>-AddSomething.ts from the difference between the entities and
// the database. Review it (the generated search_vector columns are not entity fields: drop any
// line touching them), then add the class to migrations/index.ts.
const { spawnSync } = require('node:child_process');
const name = process.argv[2];
if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
  console.error('Give the migration a PascalCase name: npm run migration:generate -- AddSomething');
  process.exit(2);
}
if (!process.env.DATABASE_URL) {
  console.error('Set DATABASE_URL to a database with the current migrations applied (npm run migration:run).');
  process.exit(2);
}
const r = spawnSync('npx', ['typeorm', 'migration:generate', '-d', 'dist/src/database/data-source.js', '--pretty', `migrations/${name}`], { stdio: 'inherit' });
if (r.status === 0) console.log(`Now review it and add it to migrations/index.ts`);
process.exit(r.status ?? 1);
