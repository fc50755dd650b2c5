/**
 * Runs a CREATE_PIPELINE through the cmdlet engine one event at a time. The runner is an async generator that yields
 * after each PSRP message it wrote, so the Receive handler pulls only as much as fits in one response and a
 * 100,000-object output never sits in memory.
 */
import { PSObject, type CmdletParameterValue, type PSValue } from '@exops/contracts';
import type { ErrorRecordInit, ParsedCommand, ParsedCreatePipeline, ServerPipeline } from '@exops/psrp';
import type { ExchangeCaller, ExchangeEvent } from '../exchange/cmdlets/catalog-types.js';
import type { CmdletEngine } from '../exchange/cmdlets/engine.js';
import type { ExchangeErrorRecord } from '../exchange/cmdlets/error-records.js';
import { unsupportedStatementText } from './texts.js';

/** What the runner needs from the pipeline it feeds. */
export interface RunnerPipeline {
  readonly server: ServerPipeline;
  readonly abort: AbortController;
  /** Pipeline input so far (PIPELINE_INPUT), and whether END_OF_PIPELINE_INPUT arrived. */
  readonly input: PSValue[];
  inputEnded: boolean;
  /** Resolves once input ended (or the pipeline stopped). */
  readonly inputDone: Promise<void>;
  /** True once a final state was written (by the runner or a stop). */
  finalized: boolean;
}

function toErrorRecordInit(record: ExchangeErrorRecord): ErrorRecordInit {
  const shortType = record.exceptionType?.slice(record.exceptionType.lastIndexOf('.') + 1);
  return {
    message: record.message,
    ...(record.fullyQualifiedErrorId === undefined ? {} : { fullyQualifiedErrorId: record.fullyQualifiedErrorId }),
    category: record.category,
    ...(record.exceptionType === undefined ? {} : { exceptionType: record.exceptionType }),
    ...(shortType === undefined ? {} : { reason: shortType }),
    ...(record.targetName === undefined ? {} : { targetName: record.targetName, targetObject: record.targetName }),
  };
}

/**
 * PowerShell's own failures (command not found, parameter binding) are terminating: the pipeline ends Failed with the
 * record as its reason. Exchange's task errors are written to the error stream and the pipeline completes, as
 * `Get-Mailbox -Identity nobody` did over RPS.
 */
function failsPipeline(record: ExchangeErrorRecord): boolean {
  return record.terminating && (record.exceptionType ?? '').startsWith('System.Management.Automation.');
}

/** Named and positional CLIXML arguments as engine parameters; positional ones bound by the catalog's positions. */
export function commandParameters(command: ParsedCommand, engine: CmdletEngine): Record<string, CmdletParameterValue> {
  const out: Record<string, CmdletParameterValue> = {};
  const positional: PSValue[] = [];
  for (const p of command.parameters) {
    if (p.name === undefined) positional.push(p.value);
    else out[p.name.replace(/^-/, '').replace(/:$/, '')] = p.value;
  }
  if (positional.length > 0) {
    const definition = engine.catalog.get(command.command.trim().toLowerCase());
    const byPosition = [...(definition?.parameters ?? [])].filter((p) => p.position !== undefined).sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    positional.forEach((value, index) => {
      // No positional slot left: pass it under a name the binder will refuse with PowerShell's text.
      out[byPosition[index]?.name ?? `PositionalParameter${index}`] = value;
    });
  }
  return out;
}

/** The identity an input object names (a string, or an object's Identity/DistinguishedName/Guid/ToString). */
function identityOf(value: PSValue): PSValue {
  if (value instanceof PSObject) {
    for (const name of ['Identity', 'DistinguishedName', 'Guid', 'PrimarySmtpAddress', 'Name']) {
      const found = value.get(name);
      if (found !== undefined && found !== null) return found;
    }
    return value.toStringValue ?? value.toString();
  }
  return value;
}

function write(pipeline: ServerPipeline, event: ExchangeEvent): void {
  switch (event.type) {
    case 'output':
      pipeline.writeOutput(event.value);
      return;
    case 'error':
      pipeline.writeError(toErrorRecordInit(event.record));
      return;
    case 'warning':
      pipeline.writeWarning(event.message);
      return;
    case 'verbose':
      pipeline.writeVerbose(event.message);
      return;
    case 'debug':
      pipeline.writeDebug(event.message);
      return;
    case 'information':
      pipeline.writeInformation({ messageData: event.record.messageData, ...(event.record.source === undefined ? {} : { source: event.record.source }), tags: event.record.tags });
      return;
    case 'progress': {
      const r = event.record;
      pipeline.writeProgress({
        activity: r.activity,
        activityId: r.activityId,
        statusDescription: r.statusDescription,
        ...(r.currentOperation === undefined ? {} : { currentOperation: r.currentOperation }),
        parentActivityId: r.parentActivityId,
        percentComplete: r.percentComplete,
        secondsRemaining: r.secondsRemaining,
        completed: r.completed,
      });
      return;
    }
  }
}

/** Runs every statement of the pipeline as `caller`, yielding after each message written. */
export async function* runPipeline(engine: CmdletEngine, caller: ExchangeCaller, pipeline: RunnerPipeline, command: ParsedCreatePipeline): AsyncGenerator<void, void> {
  const server = pipeline.server;
  const finish = (fn: () => void): void => {
    if (pipeline.finalized) return;
    pipeline.finalized = true;
    fn();
  };
  if (!command.noInput) {
    await pipeline.inputDone;
    if (pipeline.finalized) return;
  }
  for (const statement of command.statements) {
    const first = statement[0];
    if (statement.length !== 1 || first === undefined || first.isScript) {
      const detail = first?.isScript === true ? `'${first.command.slice(0, 80)}' is a script.` : `this statement pipes ${statement.length} commands (${statement.map((c) => c.command).join(' | ')}).`;
      finish(() => server.fail({ message: unsupportedStatementText(detail), exceptionType: 'System.Management.Automation.RuntimeException', fullyQualifiedErrorId: 'ScriptsNotAllowed', category: 'InvalidOperation', reason: 'RuntimeException' }));
      yield;
      return;
    }
    const parameters = commandParameters(first, engine);
    const runs: Record<string, CmdletParameterValue>[] =
      pipeline.input.length > 0 && !('Identity' in parameters) ? pipeline.input.map((value) => ({ ...parameters, Identity: identityOf(value) })) : [parameters];
    for (const run of runs) {
      const iterator = engine.runCmdlet(caller, first.command, run, { signal: pipeline.abort.signal })[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await iterator.next();
          if (pipeline.finalized) return;
          if (next.done === true) break;
          const event = next.value;
          if (event.type === 'error' && failsPipeline(event.record)) {
            finish(() => server.fail(toErrorRecordInit(event.record)));
            yield;
            return;
          }
          write(server, event);
          yield;
          if (event.type === 'error' && event.record.terminating) break;
        }
      } finally {
        await iterator.return?.();
      }
    }
  }
  finish(() => server.complete());
  yield;
}
