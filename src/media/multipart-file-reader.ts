import { BadRequestException, HttpException, UnsupportedMediaTypeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import { imageTooLarge } from './image-validator.js';

/**
 * Reads a multipart/form-data body that holds exactly one file, in the form field `field`, straight
 * from the request stream into one Buffer, and stops reading as soon as it exceeds maxBytes (413).
 * Any other part (a second file, a text field, another field name) is a 400.
 */
export function readMultipartFile(req: Request, field: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (!req.is('multipart/form-data')) {
      return reject(new UnsupportedMediaTypeException('Content-Type must be multipart/form-data'));
    }
    const onlyOneFile = `Send exactly one part: the image, in the form field "${field}"`;
    let parser: busboy.Busboy;
    try {
      // busboy's fileSize limit trips when the size reaches it, so allow one byte more than maxBytes.
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fields: 0, parts: 2, fileSize: maxBytes + 1 },
      });
    } catch {
      return reject(new BadRequestException('The multipart body is malformed'));
    }

    let file: Buffer | undefined;
    let settled = false;
    const fail = (error: HttpException) => {
      if (settled) return;
      settled = true;
      // Stop parsing; Node discards the rest of the body once the error response is sent.
      req.unpipe(parser);
      req.resume();
      reject(error);
    };

    const malformed = () => fail(new BadRequestException('The multipart body is malformed'));
    parser.on('file', (name, stream) => {
      // busboy destroys an unfinished file stream with its error; unheard, that would crash the process.
      stream.on('error', malformed);
      if (name !== field) {
        stream.resume();
        return fail(new BadRequestException(onlyOneFile));
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(imageTooLarge(maxBytes)));
      stream.on('end', () => {
        file = Buffer.concat(chunks);
      });
    });
    for (const limit of ['fieldsLimit', 'filesLimit'] as const) {
      parser.on(limit, () => fail(new BadRequestException(onlyOneFile)));
    }
    parser.on('error', malformed);
    // The client went away mid-body: settle, so nothing waits for a body that will never end.
    req.on('error', malformed);
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (file) resolve(file);
      else reject(new BadRequestException(`The form field "${field}" with the image is missing`));
    });
    req.pipe(parser);
  });
}
