import fs from 'node:fs';
import path from 'node:path';

// The Temporal binaries: from PATH when there, else from the checkout's .venv (scripts/setup.sh).

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

export function temporalBinaries(root = process.cwd()): { cli: string; testServer: string } {
  const find = (name: string) => {
    const found = onPath(name) ?? (fs.existsSync(path.join(root, '.venv/bin', name)) ? path.join(root, '.venv/bin', name) : null);
    if (!found) throw new Error(`${name} is not installed: run "npm run setup"`);
    return found;
  };
  return { cli: find('temporal'), testServer: find('temporal-test-server') };
}
