import { PSObject, PSPrimitive, type PSValue } from '@exops/contracts';
import { clixmlError } from './errors.js';
import { escapeClixmlString, escapeXmlAttribute, escapeXmlText } from './escape.js';
import { formatDouble } from './number-format.js';
import { formatPrimitiveText } from './primitives.js';
import { isClixmlPropertySet } from './property-set.js';

/** The PowerShell serialization namespace ([MS-PSRP] 2.2.5). */
export const CLIXML_NAMESPACE = 'http://schemas.microsoft.com/powershell/2004/04';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * One serialization scope: [MS-PSRP] 2.2.5 makes RefIds (objects and type-name lists) unique per message, so each
 * message (or standalone document) gets a fresh scope.
 */
class ClixmlWriter {
  private nextObjectRef = 0;
  private readonly objectRefs = new Map<PSObject, number>();
  private readonly typeNameRefs = new Map<string, number>();
  out = '';

  value(value: PSValue | undefined, name: string | undefined): void {
    const n = name === undefined ? '' : ` N="${escapeXmlAttribute(escapeClixmlString(name))}"`;
    if (value === null || value === undefined) {
      this.out += `<Nil${n} />`;
    } else if (typeof value === 'string') {
      this.text('S', n, escapeClixmlString(value));
    } else if (typeof value === 'number') {
      // A plain number is PowerShell's default Int32; anything Int32 cannot hold goes as a Double rather than failing.
      if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX && !Object.is(value, -0)) {
        this.out += `<I32${n}>${value}</I32>`;
      } else {
        this.out += `<Db${n}>${formatDouble(value)}</Db>`;
      }
    } else if (typeof value === 'boolean') {
      this.out += `<B${n}>${value ? 'true' : 'false'}</B>`;
    } else if (value instanceof PSPrimitive) {
      this.text(value.tag, n, formatPrimitiveText(value));
    } else if (value instanceof PSObject) {
      this.object(value, n);
    } else {
      throw clixmlError(`cannot serialize a value of type ${typeof value} (${Object.prototype.toString.call(value)}) as CLIXML`);
    }
  }

  private text(tag: string, n: string, text: string): void {
    this.out += text.length === 0 ? `<${tag}${n} />` : `<${tag}${n}>${escapeXmlText(text)}</${tag}>`;
  }

  // Element order follows psrpcore: primitive value, TN/TNRef, Props, MS, container, ToString.
  private object(obj: PSObject, n: string): void {
    const seen = this.objectRefs.get(obj);
    if (seen !== undefined) {
      this.out += `<Ref RefId="${seen}"${n} />`;
      return;
    }
    const refId = this.nextObjectRef++;
    this.objectRefs.set(obj, refId);
    this.out += `<Obj RefId="${refId}"${n}>`;
    if (obj.value !== undefined) this.value(obj.value, undefined);
    if (obj.typeNames.length > 0) this.typeNames(obj.typeNames);
    this.properties('Props', obj.adapted);
    this.properties('MS', obj.extended);
    const c = obj.container;
    if (c !== undefined) {
      if (c.kind === 'DCT') {
        if (c.entries.length === 0) {
          this.out += '<DCT />';
        } else {
          this.out += '<DCT>';
          for (const [key, entryValue] of c.entries) {
            this.out += '<En>';
            this.value(key, 'Key');
            this.value(entryValue, 'Value');
            this.out += '</En>';
          }
          this.out += '</DCT>';
        }
      } else if (c.items.length === 0) {
        this.out += `<${c.kind} />`;
      } else {
        this.out += `<${c.kind}>`;
        for (const item of c.items) this.value(item, undefined);
        this.out += `</${c.kind}>`;
      }
    }
    if (obj.toStringValue !== undefined) this.text('ToString', '', escapeClixmlString(obj.toStringValue));
    this.out += '</Obj>';
  }

  private typeNames(names: string[]): void {
    const key = names.join('\u0000');
    const seen = this.typeNameRefs.get(key);
    if (seen !== undefined) {
      this.out += `<TNRef RefId="${seen}" />`;
      return;
    }
    const refId = this.typeNameRefs.size;
    this.typeNameRefs.set(key, refId);
    this.out += `<TN RefId="${refId}">`;
    for (const name of names) this.text('T', '', escapeClixmlString(name));
    this.out += '</TN>';
  }

  private properties(tag: 'Props' | 'MS', map: Map<string, PSValue>): void {
    if (map.size === 0) return;
    this.out += `<${tag}>`;
    this.propertyEntries(map);
    this.out += `</${tag}>`;
  }

  private propertyEntries(map: Map<string, PSValue>): void {
    for (const [name, value] of map) {
      if (isClixmlPropertySet(value)) {
        // [MS-PSRP] 2.2.5.2.10: a named property set nests as <MS N="name"> with its own properties.
        const n = ` N="${escapeXmlAttribute(escapeClixmlString(name))}"`;
        if (value.extended.size === 0) {
          this.out += `<MS${n} />`;
        } else {
          this.out += `<MS${n}>`;
          this.propertyEntries(value.extended);
          this.out += '</MS>';
        }
      } else {
        this.value(value, name);
      }
    }
  }
}

/**
 * Serializes one value as the CLIXML body of one PSRP message, byte for byte as psrpcore writes it: RefIds from 0,
 * `<TNRef>` for a repeated type-name list, `<Ref>` for a PSObject instance seen before in this message, no
 * namespace and no XML declaration.
 *
 * Plain JS values map as `string`→`S`, `boolean`→`B`, `null`→`Nil`, an Int32 `number`→`I32` (any other number
 * →`Db`); a PSPrimitive keeps its tag; a PSObject becomes `Obj`.
 */
export function serializeClixml(value: PSValue): string {
  const writer = new ClixmlWriter();
  writer.value(value, undefined);
  return writer.out;
}

/**
 * Serializes values as a standalone CLIXML document, `<Objs Version="1.1.0.1" xmlns="…">…</Objs>`, as
 * Export-Clixml writes it (one RefId scope for the whole document, no XML declaration, no indentation).
 */
export function serializeClixmlDocument(values: Iterable<PSValue>): string {
  const writer = new ClixmlWriter();
  writer.out = `<Objs Version="1.1.0.1" xmlns="${CLIXML_NAMESPACE}">`;
  for (const value of values) writer.value(value, undefined);
  return `${writer.out}</Objs>`;
}
