import { ExopsError, ExopsErrorCode } from '@exops/contracts';

const CLIXML_REMEDY =
  'The CLIXML is not what PowerShell writes ([MS-PSRP] 2.2.5). If it came from a server, capture the message with ' +
  '--debug and report it; if you built it by hand, fix the element or value named in the message.';

/** A CLIXML error: bad XML or a value PowerShell could not have written. */
export function clixmlError(message: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.PSRP_CLIXML, message, { remedy: CLIXML_REMEDY, details });
}

/** XML features CLIXML never uses and that enable entity-expansion and external-entity attacks. */
export function forbiddenXmlError(message: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.PSRP_XML_FORBIDDEN, message, {
    remedy:
      'CLIXML never contains a DOCTYPE, DTD, entity declaration or processing instruction; the sender is not ' +
      'PowerShell or the data was tampered with. Do not process it.',
    details,
  });
}

/** A configured limit (depth, size, attribute count) was exceeded. */
export function limitError(message: string, details?: Record<string, unknown>): ExopsError {
  return new ExopsError(ExopsErrorCode.PSRP_LIMIT, message, {
    remedy:
      'Raise the limit in ClixmlParseOptions if you trust the sender and the data is legitimately this large; ' +
      'otherwise reject the data.',
    details,
  });
}
