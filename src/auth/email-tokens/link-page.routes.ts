import { applyDecorators, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery } from '@nestjs/swagger';

/** The GET route of a page an emailed link opens (linkPage): HTML, the token only in its query. */
export function LinkPageRoute() {
  return applyDecorators(
    Header('Content-Type', 'text/html; charset=utf-8'),
    ApiProduces('text/html'),
    ApiQuery({ name: 'token', required: false, description: 'The token from the emailed link.' }),
    ApiOkResponse({ description: 'An HTML page.', schema: { type: 'string' } }),
  );
}

/** The GET route of such a page's script (the CSP allows no inline script). */
export function LinkPageScriptRoute() {
  return applyDecorators(
    Header('Content-Type', 'text/javascript; charset=utf-8'),
    ApiProduces('text/javascript'),
    ApiOkResponse({ description: 'JavaScript.', schema: { type: 'string' } }),
  );
}
