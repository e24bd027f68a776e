/** Structured logs (pino). Secrets are redacted by path, wherever they appear in a logged object. */
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * `format` 'iso' writes `"level":"info"` and `"time":"2026-12-01T09:00:00.000Z"` for log platforms that do
 * not know pino's numbers; 'pino' (the default) keeps pino's numeric levels and epoch milliseconds.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, format: 'pino' | 'iso' = 'pino'): Logger {
  return pino(
    {
      level,
      ...(format === 'iso' ? { timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } } : {}),
      base: { service: 'soc-reminders' },
      redact: {
        paths: ['*.password', '*.MicrosoftAppPassword', '*.microsoftAppPassword', '*.authorization', '*.Authorization', 'req.headers.authorization', '*.token', '*.databaseUrl'],
        censor: '[redacted]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
