/**
 * Which properties a table shows: `--select`, else the columns PowerShell's format views show for the Exchange
 * types admins see most, else the first properties of the first object.
 */
import { PSObject } from '@exops/contracts';
import type { PSValue } from '@exops/contracts';

const DEFAULT_VIEWS: readonly (readonly [string, readonly string[]])[] = [
  ['Microsoft.Exchange.Data.Directory.Management.Mailbox', ['Name', 'Alias', 'Database', 'ProhibitSendQuota', 'ExternalDirectoryObjectId']],
  ['Microsoft.Exchange.Data.Directory.Management.User', ['Name', 'RecipientType']],
  ['Microsoft.Exchange.Data.Directory.Management.ReducedRecipient', ['Name', 'RecipientType']],
  ['Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain', ['Name', 'DomainName', 'DomainType', 'Default']],
];

const MAX_DEFAULT_COLUMNS = 6;

/** The column names for a stream whose first values are `sample`. */
export function chooseColumns(sample: readonly PSValue[], select: readonly string[] | undefined): string[] {
  if (select !== undefined && select.length > 0) return [...select];
  const first = sample.find((v): v is PSObject => v instanceof PSObject && v.propertyNames().length > 0);
  if (first === undefined) return [];
  for (const [type, columns] of DEFAULT_VIEWS) if (first.isType(type)) return [...columns];
  return first.propertyNames().slice(0, MAX_DEFAULT_COLUMNS);
}
