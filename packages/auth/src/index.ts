export {
  buildAuthority,
  buildExchangeScopes,
  createCertificateTokenProvider,
  createCredentialTokenProvider,
  createDeviceCodeTokenProvider,
  createInteractiveTokenProvider,
  createSilentTokenProvider,
  createTokenProvider,
} from './token-providers.js';
export type {
  AuthLogLevel,
  AuthLogSink,
  CertificateTokenProviderOptions,
  CreateTokenProviderOptions,
  CredentialTokenProviderOptions,
  DeviceCodeInfo,
  DeviceCodeTokenProviderOptions,
  InteractiveTokenProviderOptions,
  SilentTokenProviderOptions,
  TokenProviderOptions,
} from './token-providers.js';
export {
  clearTokenCache,
  createFileTokenCache,
  createKeyringKeyProvider,
  createMemoryTokenCache,
  createStaticKeyProvider,
  defaultTokenCachePath,
} from './token-cache.js';
export type { FileTokenCacheOptions, KeyringKeyProviderOptions, KeyringModule, TokenCacheKeyProvider, TokenCacheStore } from './token-cache.js';
export { describeCertificateValidity, loadCertificate } from './certificate.js';
export type { CertificateSource, LoadedCertificate } from './certificate.js';
export { ERROR_TEMPLATE, SUCCESS_TEMPLATE, hasDisplay } from './browser.js';
export { USER_MISMATCH_REMEDY, assertExpectedUser, getTokenUser, parseTokenClaims } from './token-claims.js';
export type { TokenClaims } from './token-claims.js';
export { isNoProxyHost, resolveProxy } from './proxy.js';
