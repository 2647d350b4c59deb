import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';
import { loadLedgerConfig } from '@ledger/app/platform/config/ledger-config.js';
import { loggerParams } from './logger-params.js';

/** The service's pino-http instance, writing its lines into an array instead of stdout. */
function capturedLogger(): { lines: Record<string, any>[]; middleware: HttpLogger } {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  const { pinoHttp: options } = loggerParams(loadLedgerConfig({ LOG_LEVEL: 'debug' }));
  return { lines, middleware: pinoHttp(options as Options, stream) };
}

async function serve(middleware: HttpLogger): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    middleware(request, response);
    response.statusCode = request.url?.startsWith('/health') ? 503 : 200;
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('the service logger', () => {
  it('masks MSISDNs in the message and in string fields, at any depth, and keeps numbers', () => {
    const { lines, middleware } = capturedLogger();
    middleware.logger.info(
      { subscriber: '447700900123', offset: 12345678, nested: { to: ['447800900456'] } },
      'charged 447700900123',
    );
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'charged 4477*****123',
      subscriber: '4477*****123',
      offset: 12345678,
      nested: { to: ['4478*****456'] },
    });
    expect(JSON.stringify(lines)).not.toMatch(/447700900123|447800900456/);
  });

  it('masks MSISDNs in logged errors', () => {
    const { lines, middleware } = capturedLogger();
    middleware.logger.error({ err: new Error('no state for 447700900123') }, 'failed');
    expect(lines[0].err.message).toBe('no state for 4477*****123');
    expect(JSON.stringify(lines)).not.toContain('447700900123');
  });

  it('logs a request with its id, masked path and status, and never its Authorization header', async () => {
    const { lines, middleware } = capturedLogger();
    const { server, url } = await serve(middleware);
    try {
      const response = await fetch(`${url}/v1/subscribers/447700900123/balance`, {
        headers: { authorization: 'Bearer test-admin-key-0001', 'x-request-id': 'trace-42' },
      });
      expect(response.headers.get('x-request-id')).toBe('trace-42');
      const generated = await fetch(`${url}/v1/ingest`, { headers: { 'x-request-id': 'not a sane id; {"x":1}' } });
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      await fetch(`${url}/health`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request completed',
      req: { id: 'trace-42', method: 'GET', url: '/v1/subscribers/4477*****123/balance' },
      res: { statusCode: 200 },
    });
    expect(lines[0].req).not.toHaveProperty('headers');
    // A probe that fails is the prober's news, not an error of the service.
    expect(lines[2]).toMatchObject({ level: 'debug', req: { url: '/health' }, res: { statusCode: 503 } });
    expect(JSON.stringify(lines)).not.toMatch(/test-admin-key|authorization|447700900123/i);
  });
});
