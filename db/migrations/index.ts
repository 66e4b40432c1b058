import { Migration20261203220137 } from './Migration20261203220137.ts';
import { Migration20261203221357 } from './Migration20261203221357.ts';
import { Migration20261203224500 } from './Migration20261203224500.ts';
import { Migration20261203230005 } from './Migration20261203230005.ts';
import { Migration20261203230006 } from './Migration20261203230006.ts';
import { Migration20261203230002 } from './Migration20261203230002.ts';
import { Migration20261203230004 } from './Migration20261203230004.ts';
import { Migration20261203230003 } from './Migration20261203230003.ts';
import { Migration20261203230001 } from './Migration20261203230001.ts';

// Migrations are listed explicitly so that they load the same under tsx, in the worker and in
// tests, with no directory scanning. Append new ones at the end.
export const migrationsList = [
  { name: 'Migration20261203220137', class: Migration20261203220137 },
  { name: 'Migration20261203221357', class: Migration20261203221357 },
  { name: 'Migration20261203224500', class: Migration20261203224500 },
  { name: 'Migration20261203230006', class: Migration20261203230006 },
  { name: 'Migration20261203230002', class: Migration20261203230002 },
  { name: 'Migration20261203230004', class: Migration20261203230004 },
  { name: 'Migration20261203230003', class: Migration20261203230003 },
  { name: 'Migration20261203230001', class: Migration20261203230001 },
  { name: 'Migration20261203230005', class: Migration20261203230005 },
];
