import type { DoctorCheck } from '../types.js';
import { authorityCheck } from './authority.js';
import { clockSkewCheck } from './clock-skew.js';
import { dnsCheck } from './dns.js';
import { proxyCheck } from './proxy.js';
import { rbacCheck } from './rbac.js';
import { runtimeCheck } from './runtime.js';
import { sessionsCheck } from './sessions.js';
import { signInCheck } from './sign-in.js';
import { tcpCheck } from './tcp.js';
import { tlsCheck } from './tls.js';
import { transportsCheck } from './transports.js';
import { winrmBasicAuthCheck } from './winrm-basic-auth.js';

/** Every check, in the order a connection needs them. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  runtimeCheck,
  winrmBasicAuthCheck,
  dnsCheck,
  tcpCheck,
  tlsCheck,
  proxyCheck,
  clockSkewCheck,
  authorityCheck,
  signInCheck,
  rbacCheck,
  sessionsCheck,
  transportsCheck,
];

export {
  authorityCheck,
  clockSkewCheck,
  dnsCheck,
  proxyCheck,
  rbacCheck,
  runtimeCheck,
  sessionsCheck,
  signInCheck,
  tcpCheck,
  tlsCheck,
  transportsCheck,
  winrmBasicAuthCheck,
};
