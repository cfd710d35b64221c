import { Request } from 'express';

/** The request body is larger than the server accepts (413). */
export class PayloadTooLargeError extends Error {
  name = 'PayloadTooLargeError';
  status = 413;
}

/**
 * Reads a raw request body into memory, refusing it as soon as it exceeds
 * `maxBytes`, so an oversized upload never fills memory.
 */
export async function readRequestBody(
  req: Request,
  maxBytes: number,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new PayloadTooLargeError(
      `The request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new PayloadTooLargeError(
        `The request body exceeds the limit of ${maxBytes} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
