/** The cmdlet catalog: every cmdlet the emulator serves, with PowerShell's common parameters. */
import type { CmdletDefinition, ParameterDefinition } from './catalog-types.js';
import { getAcceptedDomainCmdlet, getCommandCmdlet, getConnectionInformationCmdlet, getOrganizationConfigCmdlet } from './organization-cmdlets.js';
import { getMailboxCmdlet, getRecipientCmdlet, getUserCmdlet, setMailboxCmdlet, setUserCmdlet } from './recipient-cmdlets.js';
import { ActionPreferenceType, Int32Type, StringType, SwitchType } from './parameter-types.js';

/** PowerShell's common parameters with their aliases (about_CommonParameters). */
export const COMMON_PARAMETERS: readonly ParameterDefinition[] = [
  { name: 'Verbose', type: SwitchType, aliases: ['vb'], common: true },
  { name: 'Debug', type: SwitchType, aliases: ['db'], common: true },
  { name: 'ErrorAction', type: ActionPreferenceType, aliases: ['ea'], common: true },
  { name: 'WarningAction', type: ActionPreferenceType, aliases: ['wa'], common: true },
  { name: 'InformationAction', type: ActionPreferenceType, aliases: ['infa'], common: true },
  { name: 'ProgressAction', type: ActionPreferenceType, aliases: ['proga'], common: true },
  { name: 'ErrorVariable', type: StringType, aliases: ['ev'], common: true },
  { name: 'WarningVariable', type: StringType, aliases: ['wv'], common: true },
  { name: 'InformationVariable', type: StringType, aliases: ['iv'], common: true },
  { name: 'OutVariable', type: StringType, aliases: ['ov'], common: true },
  { name: 'OutBuffer', type: Int32Type, aliases: ['ob'], common: true },
  { name: 'PipelineVariable', type: StringType, aliases: ['pv'], common: true },
];

/** ShouldProcess parameters of the Set-* cmdlets. */
export const SHOULD_PROCESS_PARAMETERS: readonly ParameterDefinition[] = [
  { name: 'WhatIf', type: SwitchType, aliases: ['wi'], common: true },
  { name: 'Confirm', type: SwitchType, aliases: ['cf'], common: true },
];

/** Builds the catalog (cmdlet name, case-insensitive → definition). */
export function createCatalog(): ReadonlyMap<string, CmdletDefinition> {
  const withShouldProcess = [...COMMON_PARAMETERS, ...SHOULD_PROCESS_PARAMETERS];
  const cmdlets = [
    getMailboxCmdlet(COMMON_PARAMETERS),
    setMailboxCmdlet(withShouldProcess),
    getUserCmdlet(COMMON_PARAMETERS),
    setUserCmdlet(withShouldProcess),
    getRecipientCmdlet(COMMON_PARAMETERS),
    getAcceptedDomainCmdlet(COMMON_PARAMETERS),
    getOrganizationConfigCmdlet(COMMON_PARAMETERS),
    getConnectionInformationCmdlet(COMMON_PARAMETERS),
    getCommandCmdlet(COMMON_PARAMETERS),
  ];
  return new Map(cmdlets.map((c) => [c.name.toLowerCase(), c]));
}
