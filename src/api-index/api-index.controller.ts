import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators/public.decorator.js';
import type { AppConfig } from '../config/app-config.js';
import { PACKAGE_INFO } from '../config/package-info.js';
import { API_PREFIX, OPENAPI_JSON_PATH, SWAGGER_PATH } from '../common/http/api-paths.js';
import { ApiIndexDto } from './api-index.dto.js';

@Controller()
@ApiTags('Health')
export class ApiIndexController {
  private readonly index: ApiIndexDto;

  constructor(config: ConfigService<AppConfig, true>) {
    // From API_URL, never from the request's Host, which the client writes (and a cache may keep).
    const base = config.get('mail.apiUrl', { infer: true });
    this.index = {
      name: PACKAGE_INFO.name,
      version: PACKAGE_INFO.version,
      ...(config.get('app.swaggerEnabled', { infer: true })
        ? { docs: `${base}/${SWAGGER_PATH}`, openapi: `${base}/${OPENAPI_JSON_PATH}` }
        : {}),
      health: `${base}/${API_PREFIX}/health`,
    };
  }

  /** What this API is and where its documentation and health check are (links built from API_URL). */
  @Public()
  @Get()
  @ApiOkResponse({ type: ApiIndexDto })
  apiIndex(): ApiIndexDto {
    return this.index;
  }
}
