import { startLedger, type Environment, type RunningLedger } from './ledger-harness.js';

/**
 * startLedger, with process.env put back as it was once the service has read its configuration,
 * so that one test's variables (KAFKA_SECURITY_PROTOCOL, LEDGER_MIGRATE, ...) never reach the next.
 */
export async function startScopedLedger(environment: Environment): Promise<RunningLedger> {
  const saved = { ...process.env };
  try {
    return await startLedger(environment);
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}
