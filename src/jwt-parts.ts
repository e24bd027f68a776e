/**
 * The header or payload of a compact JWT, decoded but NOT verified: for the checks that may only refuse more before
 * a signature is verified (the Bot Framework gate in teams/adapter.ts, the tab's token in http/api-auth.ts).
 * Undefined when the part is not base64url JSON of an object.
 */
export function decodeJwtPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
