/** @exops/bench: benchmark fixtures other benchmarks and the emulator may reuse. */
export {
  MAILBOX_PROPERTY_COUNT,
  buildMailboxClixmlDocument,
  generateMailboxClixmlChunks,
  generateMailboxMessageBodies,
} from './mailbox-fixture.js';
export type { MailboxFixtureOptions } from './mailbox-fixture.js';
