import { describe, expect, it } from 'vitest';
import { PSObject } from '@exops/contracts';
import { createClixmlStreamParser, deserializeClixml, parseClixmlDocument } from '@exops/psrp';
import { SaxesParser } from 'saxes';
import {
  MAILBOX_PROPERTY_COUNT,
  buildMailboxClixmlDocument,
  generateMailboxClixmlChunks,
  generateMailboxMessageBodies,
} from './mailbox-fixture.js';

describe('mailbox fixture', () => {
  it('is deterministic and well-formed XML', () => {
    const doc = buildMailboxClixmlDocument(20);
    expect(buildMailboxClixmlDocument(20)).toBe(doc);
    expect(buildMailboxClixmlDocument(20, { seed: 1 })).not.toBe(doc);
    let elements = 0;
    const saxes = new SaxesParser({ xmlns: true });
    saxes.on('opentag', () => elements++);
    saxes.write(doc).close();
    expect(elements).toBeGreaterThan(20 * MAILBOX_PROPERTY_COUNT);
  });

  it('reads as Get-Mailbox output, streamed or whole', () => {
    const values = parseClixmlDocument(buildMailboxClixmlDocument(20)) as PSObject[];
    expect(values).toHaveLength(20);
    const first = values[0]!;
    expect(first.isType('Microsoft.Exchange.Data.Directory.Management.Mailbox')).toBe(true);
    expect(first.adapted.size + first.extended.size).toBe(MAILBOX_PROPERTY_COUNT);
    expect(first.get('Name')).toBe('user0_x0041_');
    expect(first.get('Notes')).toBe('Line one\r\nLine two');
    expect((first.get('RecipientTypeDetails') as PSObject).toStringValue).toMatch(/Mailbox$/);
    expect((first.get('EmailAddresses') as PSObject).container).toEqual(expect.objectContaining({ kind: 'LST' }));
    expect(values[1]!.typeNames).toEqual(first.typeNames);

    const parser = createClixmlStreamParser();
    const streamed = [...generateMailboxClixmlChunks(20)].flatMap((chunk) => parser.push(chunk));
    expect([...streamed, ...parser.end()]).toEqual(values);
  });

  it('also yields one PSRP message body per object', () => {
    const bodies = [...generateMailboxMessageBodies(3)];
    expect(bodies.every((b) => b.startsWith('<Obj RefId="0"><TN RefId="0">'))).toBe(true);
    expect(bodies.map((b) => (deserializeClixml(b) as PSObject).get('Alias'))).toEqual(['user0', 'user1', 'user2']);
  });
});
