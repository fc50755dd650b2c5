/**
 * An independent reference reader for differential tests: saxes (a conformant, namespace-aware XML parser) builds
 * a small element tree, and a plain tree walk maps it to PSValues with the same CLIXML rules. Slow and simple on
 * purpose; it shares only the primitive-text and `_x` decoding with the real reader.
 */
import { PSObject, type PSContainer, type PSValue } from '@exops/contracts';
import { SaxesParser } from 'saxes';
import { unescapeClixmlString } from '../escape.js';
import { parsePrimitiveText } from '../primitives.js';
import { createClixmlPropertySet } from '../property-set.js';

interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

/** Parses XML with saxes into a tree (text concatenated per element, whitespace-only text kept). */
export function saxesTree(xml: string): Element[] {
  const parser = new SaxesParser({ xmlns: true });
  const roots: Element[] = [];
  const stack: Element[] = [];
  parser.on('opentag', (tag) => {
    const attributes: Record<string, string> = {};
    for (const [name, attr] of Object.entries(tag.attributes)) attributes[name] = (attr as { value: string }).value;
    const element: Element = { name: tag.local, attributes, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent === undefined) roots.push(element);
    else parent.children.push(element);
    stack.push(element);
  });
  parser.on('text', (text) => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += text;
  });
  parser.on('cdata', (text) => {
    const top = stack[stack.length - 1];
    if (top !== undefined) top.text += text;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml).close();
  return roots;
}

class Builder {
  private readonly objects = new Map<string, PSObject>();
  private readonly typeNames = new Map<string, string[]>();

  value(e: Element): PSValue {
    switch (e.name) {
      case 'Nil':
        return null;
      case 'S':
        return unescapeClixmlString(e.text);
      case 'Ref':
        return this.objects.get(e.attributes['RefId']!)!;
      case 'Obj':
        return this.object(e);
      case 'PR':
        return this.progressRecord(e);
      default:
        return parsePrimitiveText(e.name, e.text);
    }
  }

  private object(e: Element): PSObject {
    const obj = new PSObject();
    if (e.attributes['RefId'] !== undefined) this.objects.set(e.attributes['RefId'], obj);
    for (const child of e.children) {
      switch (child.name) {
        case 'TN': {
          const names = child.children.map((t) => unescapeClixmlString(t.text));
          if (child.attributes['RefId'] !== undefined) this.typeNames.set(child.attributes['RefId'], names);
          obj.typeNames = names;
          break;
        }
        case 'TNRef':
          obj.typeNames = [...this.typeNames.get(child.attributes['RefId']!)!];
          break;
        case 'ToString':
          obj.toStringValue = unescapeClixmlString(child.text);
          break;
        case 'Props':
        case 'MS':
          this.properties(child, child.name === 'Props' ? obj.adapted : obj.extended);
          break;
        case 'LST': case 'IE': case 'STK': case 'QUE':
          obj.container = { kind: child.name, items: child.children.map((c) => this.value(c)) } as PSContainer;
          break;
        case 'DCT':
          obj.container = {
            kind: 'DCT',
            entries: child.children.map((en) => {
              const key = en.children.find((c) => c.attributes['N'] === 'Key')!;
              const value = en.children.find((c) => c.attributes['N'] === 'Value')!;
              // Keys before values, as the real reader reads them in document order.
              const k = this.value(key);
              return [k, this.value(value)] as [PSValue, PSValue];
            }),
          };
          break;
        default:
          obj.value = this.value(child);
      }
    }
    return obj;
  }

  private progressRecord(e: Element): PSObject {
    const names: Record<string, string> = {
      AV: 'Activity', AI: 'ActivityId', S: 'CurrentOperation', Nil: 'CurrentOperation', PI: 'ParentActivityId',
      PC: 'PercentComplete', T: 'RecordType', SR: 'SecondsRemaining', SD: 'StatusDescription',
    };
    const fields = e.children.map((c): [string, PSValue] => {
      const value: PSValue = ['AI', 'PI', 'PC', 'SR'].includes(c.name) ? Number(c.text) : c.name === 'Nil' ? null : unescapeClixmlString(c.text);
      return [names[c.name]!, value];
    });
    return new PSObject({ typeNames: ['System.Management.Automation.ProgressRecord', 'System.Object'], adapted: fields });
  }

  private properties(e: Element, into: Map<string, PSValue>): void {
    for (const child of e.children) {
      const name = unescapeClixmlString(child.attributes['N']!);
      if (child.name === 'MS') {
        const inner = new Map<string, PSValue>();
        this.properties(child, inner);
        into.set(name, createClixmlPropertySet(inner));
      } else {
        into.set(name, this.value(child));
      }
    }
  }
}

/** A message body read by saxes and the tree walk. */
export function saxesDeserialize(xml: string): PSValue {
  return new Builder().value(saxesTree(xml)[0]!);
}

/** A `<Objs>` document read by saxes and the tree walk (one RefId scope). */
export function saxesDocument(xml: string): PSValue[] {
  const builder = new Builder();
  return saxesTree(xml)[0]!.children.map((c) => builder.value(c));
}
