/** The RPS endpoint of the emulator: WS-Management + PSRP over the Exchange half's engine and session registry. */
export { createRpsRoutes, createRpsEndpoint, RPS_PATHS, EXCHANGE_RESOURCE_URI, DEFAULT_RPS_IDLE_TIMEOUT_SECONDS, DEFAULT_OPERATION_TIMEOUT_CAP_SECONDS, EXCHANGE_PLUGIN_FAULT_CODE } from './routes.js';
export type { RpsRoutesOptions, RpsEndpoint } from './routes.js';
export { ACCESS_DENIED_TEXT, RPS_DISABLED_TEXT, remotePowerShellNotEnabledText, shellNotFoundText, unknownConfigurationText, delegatedOrgRefusedText, delegatedOrgUnknownText, delegatedNoRoleText } from './texts.js';
