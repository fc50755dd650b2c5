import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('the protocol half is pure', () => {
  it('imports no I/O module (node:net/http/https/fs/tls/dns, undici, tough-cookie) outside tests', () => {
    const sources = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThanOrEqual(10);
    for (const file of sources) {
      const text = readFileSync(path.join(here, file), 'utf8');
      const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^(\.\/|@exops\/contracts$|fast-xml-parser$)/);
      }
      expect(text, file).not.toMatch(/\brequire\(|\bimport\(/);
    }
  });
});
